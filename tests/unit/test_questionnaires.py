"""Questionnaires as data (flows/questionnaires.py, flows/questionnaire_definitions.py):
definitions, scoring, typed answers."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from flows.gsm import is_gsm7
from flows.questionnaire_definitions import from_dict, with_wording
from flows.questionnaires import (
    DefinitionError,
    InvalidAnswers,
    Questionnaire,
    Score,
    read_answer,
    score,
)

# Stand-in wording: the real SWEMWBS items are licensed and must not be published, here included.
PLACEHOLDER_ITEMS = [f"Test statement {n}" for n in range(1, 8)]


def _shipped_data(name: str) -> dict[str, Any]:
    text = resources.files("flows").joinpath(f"instruments/{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture
def swemwbs() -> Questionnaire:
    return from_dict(_shipped_data("swemwbs"), "swemwbs.json")


@pytest.fixture
def ons4() -> Questionnaire:
    return from_dict(_shipped_data("ons4"), "ons4.json")


def _definition(**changes: Any) -> dict[str, Any]:
    """A small valid sum_then_table definition (2 items, 1-3), with some fields changed."""
    data: dict[str, Any] = {
        "instrument": "mini",
        "title": "Mini scale",
        "item_count": 2,
        "minimum": 1,
        "maximum": 3,
        "labels": {"1": "never", "3": "always"},
        "scoring": "sum_then_table",
        "table": {"2": 2.0, "3": 3.5, "4": 4.0, "5": 5.25, "6": 6.0},
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


EACH = "each answer is a whole number from 1 to 5"

# --- scoring -------------------------------------------------------------------------------


def test_swemwbs_all_ones_is_raw_7_metric_7(swemwbs: Questionnaire) -> None:
    """The lowest point of the published conversion table."""
    assert score(swemwbs, [1] * 7) == Score(raw=7, metric=7.00)


def test_swemwbs_all_fives_is_raw_35_metric_35(swemwbs: Questionnaire) -> None:
    """The highest point of the published conversion table."""
    assert score(swemwbs, [5] * 7) == Score(raw=35, metric=35.00)


def test_swemwbs_mixed_answers_sum_then_convert(swemwbs: Questionnaire) -> None:
    """Answers are summed first and only the total is converted: 24 -> 21.54."""
    assert score(swemwbs, [3, 4, 2, 5, 3, 4, 3]) == Score(raw=24, metric=21.54)


@pytest.mark.parametrize(
    ("answers", "raw", "metric"),
    [
        ([2, 1, 1, 1, 1, 1, 1], 8, 9.51),
        ([2, 2, 2, 2, 2, 2, 2], 14, 15.32),
        ([3, 3, 3, 3, 2, 2, 2], 18, 17.43),
        ([3, 3, 3, 3, 3, 3, 3], 21, 19.25),
        ([4, 4, 4, 4, 4, 4, 4], 28, 25.03),
        ([5, 4, 4, 4, 4, 4, 4], 29, 26.02),
        ([5, 5, 5, 5, 5, 5, 4], 34, 32.55),
    ],
)
def test_swemwbs_matches_published_table_points(
    swemwbs: Questionnaire, answers: list[int], raw: int, metric: float
) -> None:
    """Reports compare metric scores with other services' figures, so they must match exactly."""
    assert score(swemwbs, answers) == Score(raw=raw, metric=metric)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([0, 3, 3, 3, 3, 3, 3], f"answers: answer 1 is 0; {EACH}"),
        ([3, 3, 6, 3, 3, 3, 3], f"answers: answer 3 is 6; {EACH}"),
        ([3] * 6, "answers: expected 7 answers, got 6"),
        ([3] * 8, "answers: expected 7 answers, got 8"),
        ([3, True, 3, 3, 3, 3, 3], "answers: answer 2 is true; each answer is a whole number"),
        (["3", 3, 3, 3, 3, 3, 3], 'answers: answer 1 is "3"; each answer is a whole number'),
        ([3, 3, 3, 3, 3, 3, 3.0], "answers: answer 7 is 3.0; each answer is a whole number"),
        ([3, 3, None, 3, 3, 3, 3], "answers: answer 3 is null; each answer is a whole number"),
        ("3333333", "answers: expected a list of 7 whole numbers"),
    ],
)
def test_invalid_answers_are_rejected_naming_the_problem(
    swemwbs: Questionnaire, answers: Any, message: str
) -> None:
    """The API passes this message back to staff (422), so it must say what to fix."""
    with pytest.raises(InvalidAnswers) as caught:
        score(swemwbs, answers)
    assert str(caught.value).startswith(message)


def test_ons4_is_not_summed_but_answers_are_still_checked(ons4: Questionnaire) -> None:
    """ONS reports each of the four questions on its own, so there is no total to give."""
    assert score(ons4, [0, 10, 7, 3]) == Score(raw=None, metric=None)
    with pytest.raises(
        InvalidAnswers, match="answer 2 is 11; each answer is a whole number from 0 to 10"
    ):
        score(ons4, [5, 11, 5, 5])


def test_sum_scoring_gives_the_total_and_no_metric() -> None:
    """An instrument scored by its plain total has no conversion table."""
    q = from_dict(_definition(scoring="sum", table=None), "mini.json")
    assert score(q, [3, 2]) == Score(raw=5, metric=None)


# --- reading what a person types -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        (" 3 ", 3),
        ("3.", 3),
        ("3!", 3),
        ("three", 3),
        ("Three", 3),
        ("5\n", 5),
        ("1", 1),
        ("0", None),
        ("6", None),
        ("often", None),
        ("3 or 4", None),
        ("3.5", None),
        ("", None),
        ("35", None),
        ("-3", None),
        ("six", None),
    ],
)
def test_read_answer_takes_one_number_on_the_scale(
    swemwbs: Questionnaire, text: str, expected: int | None
) -> None:
    """Anything not clearly one answer on the scale is None, so the bot asks again."""
    assert read_answer(swemwbs, text) == expected


@pytest.mark.parametrize(("text", "expected"), [("0", 0), ("10", 10), ("ten", 10), ("11", None)])
def test_read_answer_follows_each_scale(
    ons4: Questionnaire, text: str, expected: int | None
) -> None:
    """ONS4 runs from 0 to 10, so 0 and 10 are answers there."""
    assert read_answer(ons4, text) == expected


# --- wording and askability ------------------------------------------------------------------


def test_ons4_ships_complete_and_askable(ons4: Questionnaire) -> None:
    """ONS4 is under the Open Government Licence, so the bot can ask it with no service file."""
    assert ons4.askable
    assert ons4.items == (
        "Overall, how satisfied are you with your life nowadays?",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
        "Overall, how happy did you feel yesterday?",
        "Overall, how anxious did you feel yesterday?",
    )
    assert (ons4.minimum, ons4.maximum, ons4.scoring) == (0, 10, "none")


def test_swemwbs_is_not_askable_until_the_service_supplies_wording(
    swemwbs: Questionnaire,
) -> None:
    """Its licence forbids publishing the items, so the shipped definition has none."""
    assert swemwbs.items == ()
    assert not swemwbs.askable
    worded = with_wording(
        swemwbs, {"instrument": "swemwbs", "items": PLACEHOLDER_ITEMS}, "swemwbs.json"
    )
    assert worded.askable
    assert worded.items == tuple(PLACEHOLDER_ITEMS)
    assert score(worded, [1] * 7) == Score(7, 7.0)  # scoring untouched


def test_wording_file_may_set_intro_and_relabel_some_points(swemwbs: Questionnaire) -> None:
    """A service may use its own preamble and label wording; points it leaves out keep theirs."""
    worded = with_wording(
        swemwbs,
        {"items": PLACEHOLDER_ITEMS, "intro": "Over the last 2 weeks:", "labels": {"2": "seldom"}},
        "swemwbs.json",
    )
    assert worded.intro == "Over the last 2 weeks:"
    assert worded.labels[2] == "seldom"
    assert worded.labels[5] == "all of the time"


def test_wording_pasted_from_a_document_is_made_plain(swemwbs: Questionnaire) -> None:
    """Curly quotes and dashes would turn every SMS into a costlier UCS-2 one."""
    items = ["I\u2019ve been \u201cfine\u201d \u2013 mostly\u2026", *PLACEHOLDER_ITEMS[1:]]
    worded = with_wording(swemwbs, {"items": items}, "swemwbs.json")
    assert worded.items[0] == 'I\'ve been "fine" - mostly...'
    assert is_gsm7(worded.items[0])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"items": PLACEHOLDER_ITEMS[:6]}, "swemwbs.json: items: expected 7 items, got 6"),
        ({"items": []}, "swemwbs.json: items: expected 7 items, got 0"),
        ({}, "swemwbs.json: items: missing"),
        ({"items": "one long string"}, "swemwbs.json: items: expected a list of 7 texts"),
        ({"items": [*PLACEHOLDER_ITEMS[:6], " "]}, "swemwbs.json: items: item 7 is empty"),
        ({"items": [*PLACEHOLDER_ITEMS[:6], 7]}, "swemwbs.json: items: item 7 should be text"),
        ({"items": ["x" * 301, *PLACEHOLDER_ITEMS[1:]]}, "swemwbs.json: items: item 1 is 301"),
        ({"instrument": "ons4", "items": PLACEHOLDER_ITEMS}, "swemwbs.json: instrument:"),
        ({"items": PLACEHOLDER_ITEMS, "title": "x"}, "swemwbs.json: title: not a field"),
        ({"items": PLACEHOLDER_ITEMS, "labels": {"6": "x"}}, "swemwbs.json: labels: 6 is outside"),
        ({"items": PLACEHOLDER_ITEMS, "intro": 3}, "swemwbs.json: intro: expected text"),
    ],
)
def test_bad_wording_is_rejected_naming_source_and_field(
    swemwbs: Questionnaire, data: dict[str, Any], message: str
) -> None:
    """A service editing its own file needs to know which file and field to fix."""
    with pytest.raises(DefinitionError) as caught:
        with_wording(swemwbs, data, "swemwbs.json")
    assert str(caught.value).startswith(message)


# --- scale hint ------------------------------------------------------------------------------


def test_swemwbs_scale_hint_names_every_point(swemwbs: Questionnaire) -> None:
    """People answering by SMS cannot see a printed scale, so the hint spells it out."""
    assert swemwbs.scale_hint() == (
        "Reply with a number from 1 to 5: 1 none of the time, 2 rarely, 3 some of the time, "
        "4 often, 5 all of the time"
    )


def test_scale_hint_names_only_labelled_points(ons4: Questionnaire) -> None:
    """ONS labels only the ends of its 0-10 scale."""
    assert ons4.scale_hint() == "Reply with a number from 0 to 10: 0 not at all, 10 completely"
    unlabelled = from_dict(_definition(labels=None), "mini.json")
    assert unlabelled.scale_hint() == "Reply with a number from 1 to 3"


@pytest.mark.parametrize("name", ["swemwbs", "ons4"])
def test_shipped_scale_hints_fit_one_gsm7_sms(name: str) -> None:
    """The hint is sent as is; outside GSM-7 or over 160 characters it costs more segments."""
    hint = from_dict(_shipped_data(name), f"{name}.json").scale_hint()
    assert is_gsm7(hint)
    assert len(hint) < 160


# --- definitions -----------------------------------------------------------------------------


def test_a_valid_definition_becomes_a_questionnaire() -> None:
    """JSON's text keys become whole-number scale points and raw totals."""
    q = from_dict(_definition(instrument="Mini"), "mini.json")
    assert q.instrument == "mini"
    assert dict(q.labels) == {1: "never", 3: "always"}
    assert dict(q.table) == {2: 2.0, 3: 3.5, 4: 4.0, 5: 5.25, 6: 6.0}
    assert not q.askable
    assert score(q, [2, 1]) == Score(3, 3.5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": None}, "mini.json: title: missing"),
        ({"title": "  "}, "mini.json: title: is empty"),
        ({"instrument": None}, "mini.json: instrument: missing"),
        ({"instrument": "my scale!"}, "mini.json: instrument: expected a short id"),
        (
            {"item_count": "two"},
            'mini.json: item_count: expected a whole number from 1 to 50, got "two"',
        ),
        (
            {"item_count": True},
            "mini.json: item_count: expected a whole number from 1 to 50, got true",
        ),
        ({"item_count": 0}, "mini.json: item_count: expected a whole number from 1 to 50, got 0"),
        ({"minimum": None}, "mini.json: minimum: missing"),
        ({"maximum": 1}, "mini.json: maximum: expected a whole number from 2 to 100, got 1"),
        (
            {"scoring": "average"},
            'mini.json: scoring: expected one of "sum_then_table", "sum" or "none", got "average"',
        ),
        (
            {"table": None},
            'mini.json: table: missing; scoring "sum_then_table" needs a score '
            "for every raw total from 2 to 6",
        ),
        (
            {"table": {"2": 2, "3": 3, "4": 4, "5": 5}},
            "mini.json: table: no score for raw total 6 (it needs every total from 2 to 6)",
        ),
        (
            {"table": {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6}},
            "mini.json: table: raw total 1 is outside 2 to 6",
        ),
        (
            {"table": {"2": 2, "3": "3", "4": 4, "5": 5, "6": 6}},
            'mini.json: table: the score for raw total 3 should be a number, got "3"',
        ),
        (
            {"table": {"2": 2, "3": 3, "4": 2.5, "5": 5, "6": 6}},
            "mini.json: table: the score for raw total 4 (2.5) is lower than for 3 (3)",
        ),
        ({"table": {"two": 2}}, 'mini.json: table: "two" is not a whole number'),
        ({"table": [2, 3, 4, 5, 6]}, "mini.json: table: expected an object"),
        ({"scoring": "sum"}, 'mini.json: table: only used when scoring is "sum_then_table"'),
        ({"labels": {"0": "x"}}, "mini.json: labels: 0 is outside the scale 1 to 3"),
        ({"labels": {"1": ""}}, "mini.json: labels: the label for 1 should be short text"),
        ({"labels": {"1": "x" * 41}}, "mini.json: labels: the label for 1 should be short text"),
        ({"labels": ["never", "always"]}, "mini.json: labels: expected an object"),
        ({"items": ["only one"]}, "mini.json: items: expected 2 items, got 1"),
        ({"intro": "x" * 301}, "mini.json: intro: is 301 characters; at most 300"),
        ({"item": ["a", "b"]}, "mini.json: item: not a field of a questionnaire definition"),
    ],
)
def test_bad_definitions_are_rejected_naming_source_and_field(
    changes: dict[str, Any], message: str
) -> None:
    """Start-up stops on a bad file, so its message has to say exactly what to fix."""
    with pytest.raises(DefinitionError) as caught:
        from_dict(_definition(**changes), "mini.json")
    assert str(caught.value).startswith(message)


def test_labels_too_long_for_one_sms_hint_are_rejected() -> None:
    """The scale hint must fit one SMS, or every questionnaire start costs two."""
    labels = {str(point): "x" * 40 for point in range(1, 6)}
    table = {str(raw): float(raw) for raw in range(2, 11)}
    data = _definition(maximum=5, labels=labels, table=table)
    with pytest.raises(DefinitionError, match=r"^mini\.json: labels: explaining the scale"):
        from_dict(data, "mini.json")


def test_a_definition_cannot_be_changed_after_loading(swemwbs: Questionnaire) -> None:
    """Definitions are shared by every conversation; a stray write must not rescore everyone."""
    with pytest.raises(TypeError):
        swemwbs.table[24] = 0.0  # type: ignore[index]  # the write the type forbids, on purpose
    assert hash(swemwbs) == hash(from_dict(_shipped_data("swemwbs"), "other.json"))


def test_shipped_text_is_gsm7() -> None:
    """Every shipped string may end up in an SMS; one non-GSM character doubles its cost."""
    for name in ("swemwbs", "ons4"):
        q = from_dict(_shipped_data(name), f"{name}.json")
        for text in (q.title, q.intro, q.licence, *q.items, *q.labels.values()):
            assert is_gsm7(text), (name, [ch for ch in text if not is_gsm7(ch)])
