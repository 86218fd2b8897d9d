"""The hazard log (docs/safety/hazard-log.md) is well formed and every test it names exists.

Each hazard is a ``## Hnn Title`` section of top-level fields (``- Cause: ...``); Controls and
Tests hold nested items. A named test is ``tests/...py::test_name``, found as a ``def`` or
``async def`` at the top level of that file, read with ``ast`` (never imported).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"

FIELDS = (
    "Cause",
    "Effect",
    "Initial risk",
    "Controls",
    "Tests",
    "Residual risk",
    "Open",
)
LISTS = {"Controls", "Tests"}
HEADING = re.compile(r"^## (H\d{2}) (\S.*)$")
TOP = re.compile(r"^- ([A-Z][a-z]+(?: [a-z]+)?):(?: (.*))?$")
ITEM = re.compile(r"^  - (\S.*)$")
RISK = re.compile(r"^severity (\d+), likelihood (\d+)$")
NAMED_TEST = re.compile(r"^`(tests/[\w/]+\.py)::(test_\w+)`$")
CODE_PATH = re.compile(r"`((?:bot|flows|storage|services_directory|testkit|tests)/[\w/.]*)`")


@dataclass
class Hazard:
    id: str
    title: str
    fields: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)


def parse(text: str) -> list[Hazard]:
    """The hazards, in order; a line inside a hazard that fits no shape is an error."""
    hazards: list[Hazard] = []
    current: Hazard | None = None
    in_list: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            heading = HEADING.match(line)
            if heading is None:
                if current is not None or re.match(r"## H\d", line):
                    raise ValueError(f"line {number}: a hazard heading is '## Hnn Title'")
                continue  # an introductory section before the first hazard
            current = Hazard(heading[1], heading[2])
            hazards.append(current)
            in_list = None
            continue
        if current is None or not line.strip():
            continue
        top = TOP.match(line)
        item = ITEM.match(line)
        if top is not None:
            name, value = top[1], (top[2] or "").strip()
            if name not in FIELDS or name in current.fields:
                raise ValueError(f"line {number}: unknown or repeated field {name!r}")
            current.fields[name] = value
            current.order.append(name)
            in_list = name if name in LISTS else None
            if in_list is not None:
                if value:
                    raise ValueError(f"line {number}: {name} holds items on the lines below")
                current.items[name] = []
        elif item is not None and in_list is not None:
            current.items[in_list].append(item[1])
        else:
            raise ValueError(f"line {number} fits no field of {current.id}: {line!r}")
    return hazards


def risk(value: str) -> tuple[int, int]:
    found = RISK.match(value)
    assert found is not None, f"risk must read 'severity N, likelihood N': {value!r}"
    return int(found[1]), int(found[2])


@cache
def functions_in(path: str) -> frozenset[str]:
    """The names of the top-level test functions (def or async def) in a test file."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    )


def missing_tests(hazard: Hazard) -> list[str]:
    """The named tests of ``hazard`` that are not there, each with the reason."""
    missing = []
    for entry in hazard.items.get("Tests", []):
        named = NAMED_TEST.match(entry)
        if named is None:
            missing.append(f"{entry}: not `tests/...py::test_name`")
        elif not (ROOT / named[1]).is_file():
            missing.append(f"{entry}: no such file")
        elif named[2] not in functions_in(named[1]):
            missing.append(f"{entry}: no such test in the file")
    return missing


HAZARDS = parse(LOG.read_text(encoding="utf-8"))


def test_there_are_hazards_with_unique_sequential_ids() -> None:
    ids = [h.id for h in HAZARDS]
    assert len(ids) >= 15
    assert ids == [f"H{n:02d}" for n in range(1, len(ids) + 1)]


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.id)
def test_every_hazard_has_every_field_in_order(hazard: Hazard) -> None:
    assert hazard.order == list(FIELDS), hazard.id
    for name in FIELDS:
        if name not in LISTS:
            assert hazard.fields[name], f"{hazard.id}: {name} is empty"


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.id)
def test_risks_are_within_the_matrix_and_controls_do_not_raise_them(hazard: Hazard) -> None:
    initial = risk(hazard.fields["Initial risk"])
    residual = risk(hazard.fields["Residual risk"])
    for score in (*initial, *residual):
        assert 1 <= score <= 5, hazard.id
    assert residual[0] <= initial[0] and residual[1] <= initial[1], hazard.id


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.id)
def test_every_hazard_has_a_control_and_a_test_or_says_why_not(hazard: Hazard) -> None:
    assert hazard.items["Controls"], f"{hazard.id} has no control"
    if not hazard.items["Tests"]:
        assert "no test" in hazard.fields["Open"].lower(), (
            f"{hazard.id} names no test and does not say why under Open"
        )


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.id)
def test_every_named_test_exists(hazard: Hazard) -> None:
    assert missing_tests(hazard) == []


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.id)
def test_every_file_named_under_controls_exists(hazard: Hazard) -> None:
    named = {p for c in hazard.items["Controls"] for p in CODE_PATH.findall(c)}
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_a_misspelt_or_moved_test_is_caught() -> None:
    """The check can fail: a wrong name, a wrong file and a bad shape are each reported."""
    real = "tests/unit/test_hazard_log.py::test_every_named_test_exists"
    hazard = Hazard("H99", "example", items={"Tests": [f"`{real}`"]})
    assert missing_tests(hazard) == []
    for wrong in (
        real.replace("exists", "exist"),
        real.replace("unit", "e2e"),
        real.replace("::", ":"),
    ):
        hazard.items["Tests"] = [f"`{wrong}`"]
        assert len(missing_tests(hazard)) == 1, wrong


def test_a_hazard_without_a_field_or_with_a_stray_line_is_refused() -> None:
    good = "## H01 Title\n- Cause: c\n- Controls:\n  - one\n"
    assert parse(good)[0].items["Controls"] == ["one"]
    with pytest.raises(ValueError):
        parse(good + "stray words\n")
    with pytest.raises(ValueError):
        parse(good + "- Cause: again\n")
    with pytest.raises(ValueError):
        parse("## H1 bad id\n")
