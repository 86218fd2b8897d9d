"""Loading questionnaires from files (bot/questionnaires.py): shipped, then QUESTIONNAIRES_DIR."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from bot.questionnaires import QuestionnaireFileError, load
from flows.gsm import is_gsm7
from flows.questionnaires import Score, score

# The published SWEMWBS raw-score to metric-score conversion table.
PUBLISHED_SWEMWBS = {
    7: 7.00,
    8: 9.51,
    9: 11.25,
    10: 12.40,
    11: 13.33,
    12: 14.08,
    13: 14.75,
    14: 15.32,
    15: 15.84,
    16: 16.36,
    17: 16.88,
    18: 17.43,
    19: 17.98,
    20: 18.59,
    21: 19.25,
    22: 19.98,
    23: 20.73,
    24: 21.54,
    25: 22.35,
    26: 23.21,
    27: 24.11,
    28: 25.03,
    29: 26.02,
    30: 27.03,
    31: 28.13,
    32: 29.31,
    33: 30.70,
    34: 32.55,
    35: 35.00,
}
# Stand-in wording: the real SWEMWBS items are licensed and must not be published, here included.
PLACEHOLDER_ITEMS = [f"Test statement {n}" for n in range(1, 8)]


def _write(folder: Path, name: str, data: Any) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _new_instrument(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "instrument": "loneliness3",
        "title": "Three-item loneliness scale",
        "item_count": 3,
        "minimum": 1,
        "maximum": 3,
        "labels": {"1": "hardly ever", "2": "some of the time", "3": "often"},
        "scoring": "sum",
        "items": [
            "How often do you feel left out?",
            "How often do you feel isolated?",
            "How often do you lack companionship?",
        ],
    }
    return data | changes


def _error(folder: str | None) -> str:
    with pytest.raises(QuestionnaireFileError) as caught:
        load(folder)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- shipped ---------------------------------------------------------------------------------


def test_shipped_only_gives_swemwbs_and_ons4() -> None:
    """With no QUESTIONNAIRES_DIR staff can still record both, and the bot can ask ONS4."""
    found = load(None)
    assert sorted(found) == ["ons4", "swemwbs"]
    assert found["ons4"].askable
    assert not found["swemwbs"].askable
    assert load("") == found


def test_shipped_swemwbs_table_is_the_published_one() -> None:
    """Every raw total converts as published, so outcome figures compare with other services."""
    swemwbs = load(None)["swemwbs"]
    assert dict(swemwbs.table) == PUBLISHED_SWEMWBS
    assert score(swemwbs, [3, 4, 2, 5, 3, 4, 3]) == Score(raw=24, metric=21.54)


def test_shipped_files_are_gsm7_throughout() -> None:
    """Any shipped text may be sent by SMS; one curly quote would double its cost."""
    folder = resources.files("flows").joinpath("instruments")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".json"))
    assert names == ["ons4.json", "swemwbs.json"]
    for name in names:
        text = folder.joinpath(name).read_text("utf-8")
        assert is_gsm7(text), (name, sorted({ch for ch in text if not is_gsm7(ch)}))


def test_shipped_swemwbs_has_no_wording_and_says_why() -> None:
    """The licence forbids publishing the items; the note tells a service what to do instead."""
    swemwbs = load(None)["swemwbs"]
    assert swemwbs.items == ()
    assert "QUESTIONNAIRES_DIR" in swemwbs.licence


# --- the service's folder --------------------------------------------------------------------


def test_wording_file_makes_swemwbs_askable(tmp_path: Path) -> None:
    """A licensed service drops its wording in, and only then can the bot ask SWEMWBS."""
    wording = {
        "instrument": "SWEMWBS",
        "items": PLACEHOLDER_ITEMS,
        "intro": "Over the last 2 weeks:",
    }
    _write(tmp_path, "swemwbs.json", wording)
    swemwbs = load(str(tmp_path))["swemwbs"]
    assert swemwbs.askable
    assert swemwbs.items == tuple(PLACEHOLDER_ITEMS)
    assert swemwbs.intro == "Over the last 2 weeks:"
    assert dict(swemwbs.table) == PUBLISHED_SWEMWBS


def test_a_new_instrument_file_is_added(tmp_path: Path) -> None:
    """A service may use an instrument of its own, defined wholly in its file."""
    _write(tmp_path, "loneliness.json", _new_instrument())
    found = load(str(tmp_path))
    assert list(found) == ["ons4", "swemwbs", "loneliness3"]
    assert found["loneliness3"].askable
    assert score(found["loneliness3"], [1, 2, 3]) == Score(raw=6, metric=None)


def test_wording_may_be_given_for_the_services_own_instrument(tmp_path: Path) -> None:
    """A definition without items and a wording file work together, in either file order."""
    _write(tmp_path, "a_wording.json", {"instrument": "loneliness3", "items": ["a", "b", "c"]})
    _write(tmp_path, "b_definition.json", _new_instrument(items=[]))
    assert load(str(tmp_path))["loneliness3"].items == ("a", "b", "c")


def test_files_not_ending_json_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    """READMEs, backups and macOS side files sit next to the wording without breaking start-up."""
    _write(tmp_path, "README.txt", "not json at all {")
    _write(tmp_path, "swemwbs.json.bak", "{")
    _write(tmp_path, "._swemwbs.json", "\x00\x05binary")
    (tmp_path / "old.json").mkdir()
    assert load(str(tmp_path)) == load(None)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """Windows editors often save UTF-8 with a BOM."""
    path = tmp_path / "swemwbs.json"
    wording = {"instrument": "swemwbs", "items": PLACEHOLDER_ITEMS}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(wording).encode())
    assert load(str(tmp_path))["swemwbs"].askable


# --- errors, each naming the file ------------------------------------------------------------


def test_bad_json_names_the_file(tmp_path: Path) -> None:
    """An operator must be able to find the broken file from the one line start-up prints."""
    path = _write(tmp_path, "swemwbs.json", '{"instrument": "swemwbs", "items": [}')
    message = _error(str(tmp_path))
    assert message.startswith(f"{path}: not valid JSON: ")
    assert "line 1 column" in message


def test_wrong_item_count_names_the_file_and_field(tmp_path: Path) -> None:
    """Six items for a seven-item scale would misscore; say where and what."""
    wording = {"instrument": "swemwbs", "items": PLACEHOLDER_ITEMS[:6]}
    path = _write(tmp_path, "swemwbs.json", wording)
    assert _error(str(tmp_path)) == f"{path}: items: expected 7 items, got 6"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([1, 2, 3], "expected a JSON object ({...}) at the top"),
        ('{"instrument": "swemwbs", "items": [], "items": []}', '"items" is given twice'),
        ({"items": PLACEHOLDER_ITEMS}, "instrument: missing; name the instrument"),
        (
            {"instrument": "phq9", "items": ["x"]},
            'instrument: "phq9" is not one we know (ons4, swemwbs); a new instrument needs a '
            'whole definition with "scoring"',
        ),
        (
            {"instrument": "swemwbs", "items": PLACEHOLDER_ITEMS, "title": "x"},
            "title: not a field of a wording file",
        ),
        (_new_instrument(instrument="swemwbs"), 'instrument "swemwbs" is shipped already'),
        (_new_instrument(item_count="3"), "item_count: expected a whole number from 1 to 50"),
        (_new_instrument(scoring="sum_then_table"), "table: missing"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path: Path, data: Any, problem: str) -> None:
    """Every kind of mistake stops start-up with the file's path and what is wrong."""
    path = _write(tmp_path, "service.json", data)
    assert _error(str(tmp_path)).startswith(f"{path}: {problem}")


def test_two_wording_files_for_one_instrument_are_rejected(tmp_path: Path) -> None:
    """Which one would win is not obvious, so neither does; both files are named."""
    first = _write(tmp_path, "a.json", {"instrument": "swemwbs", "items": PLACEHOLDER_ITEMS})
    second = _write(tmp_path, "b.json", {"instrument": "swemwbs", "items": PLACEHOLDER_ITEMS})
    assert _error(str(tmp_path)) == f'{second}: the wording for "swemwbs" is in {first} too'


def test_one_new_instrument_defined_twice_is_rejected(tmp_path: Path) -> None:
    """Two definitions of one instrument could score the same answers differently."""
    first = _write(tmp_path, "a.json", _new_instrument())
    second = _write(tmp_path, "b.json", _new_instrument())
    assert _error(str(tmp_path)) == f'{second}: instrument "loneliness3" is defined in {first} too'


def test_text_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    """A file saved in a legacy encoding is reported, not half-read."""
    path = tmp_path / "swemwbs.json"
    path.write_bytes(b'{"instrument": "swemwbs", "intro": "caf\xe9"}')
    assert _error(str(tmp_path)) == f"{path}: not UTF-8 text"


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    """A mistyped QUESTIONNAIRES_DIR must not silently fall back to shipped definitions only."""
    missing = tmp_path / "nowhere"
    assert _error(str(missing)) == f"{missing}: not a folder"
