"""Checking a questionnaire's definition and a service's wording for it, field by field.

A mistake is reported by source and field (``DefinitionError``) before the bot starts. Licensed
wording (SWEMWBS's) is never shipped: a service holding the licence supplies it, and
``with_wording`` adds it to the shipped definition.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from flows.questionnaires import SCORINGS, SUM_THEN_TABLE, DefinitionError, Questionnaire, show

MAX_ITEMS: Final = 50
MAX_SCALE: Final = 100  # answers are typed on a phone: 0 to 100 at most
MAX_ITEM_CHARS: Final = 300
MAX_INTRO_CHARS: Final = 300
MAX_TITLE_CHARS: Final = 200
MAX_LABEL_CHARS: Final = 40
MAX_HINT_CHARS: Final = 160  # the scale hint should fit one SMS on its own

_DEFINITION_FIELDS: Final = (
    "instrument",
    "title",
    "item_count",
    "minimum",
    "maximum",
    "labels",
    "scoring",
    "table",
    "items",
    "intro",
    "licence",
)
_WORDING_FIELDS: Final = ("instrument", "items", "intro", "labels")
_ID = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_INTEGER = re.compile(r"-?[0-9]+")
# Typographic characters that wording pasted from a document often has, and their GSM-7 forms,
# so that an apostrophe does not turn every SMS into a costlier UCS-2 one.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2032": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)


def from_dict(data: Mapping[str, Any], source: str) -> Questionnaire:
    """A whole definition, checked field by field; DefinitionError names the source and field."""
    _only(data, _DEFINITION_FIELDS, source, "a questionnaire definition")
    instrument = _instrument(data, source)
    title = _text(data, "title", source, MAX_TITLE_CHARS, required=True)
    item_count = _whole(data, "item_count", source, 1, MAX_ITEMS)
    minimum = _whole(data, "minimum", source, 0, MAX_SCALE - 1)
    maximum = _whole(data, "maximum", source, minimum + 1, MAX_SCALE)
    scoring = data.get("scoring")
    if scoring not in SCORINGS:
        choices = ", ".join(f'"{name}"' for name in SCORINGS[:-1]) + f' or "{SCORINGS[-1]}"'
        raise _error(source, "scoring", f"expected one of {choices}, got {show(scoring)}")
    questionnaire = Questionnaire(
        instrument=instrument,
        title=title,
        item_count=item_count,
        minimum=minimum,
        maximum=maximum,
        labels=_labels(data, minimum, maximum, source),
        scoring=scoring,
        table=_table(data, scoring, item_count * minimum, item_count * maximum, source),
        items=_items(data, item_count, source, required=False),
        intro=_text(data, "intro", source, MAX_INTRO_CHARS),
        licence=_text(data, "licence", source, 2000),
    )
    _check_hint(questionnaire, source)
    return questionnaire


def with_wording(q: Questionnaire, data: Mapping[str, Any], source: str) -> Questionnaire:
    """The definition with a service's wording for it: items, and optionally intro and labels.

    Labels given replace the shipped label of those scale points only; an intro given replaces
    the shipped one."""
    _only(data, _WORDING_FIELDS, source, "a wording file")
    named = data.get("instrument", q.instrument)
    if not isinstance(named, str) or named.strip().lower() != q.instrument:
        raise _error(
            source, "instrument", f'this wording is for "{q.instrument}", got {show(named)}'
        )
    items = _items(data, q.item_count, source, required=True)
    intro = _text(data, "intro", source, MAX_INTRO_CHARS) or q.intro
    labels = {**q.labels, **_labels(data, q.minimum, q.maximum, source)}
    worded = dataclasses.replace(q, items=items, intro=intro, labels=labels)
    _check_hint(worded, source)
    return worded


def _error(source: str, field: str, problem: str) -> DefinitionError:
    return DefinitionError(f"{source}: {field}: {problem}")


def _tidy(text: str) -> str:
    """Typographic quotes and dashes made plain, runs of spaces and line breaks made one space."""
    return " ".join(text.translate(_PLAIN).split())


def _only(data: Mapping[str, Any], fields: tuple[str, ...], source: str, what: str) -> None:
    """Reject fields we do not know, so a misspelt one ("item") is not silently ignored."""
    for name in data:
        if name not in fields:
            known = ", ".join(fields)
            raise _error(source, str(name), f"not a field of {what} (the fields are {known})")


def _instrument(data: Mapping[str, Any], source: str) -> str:
    if "instrument" not in data:
        raise _error(source, "instrument", "missing")
    value = data["instrument"]
    instrument = value.strip().lower() if isinstance(value, str) else ""
    if not _ID.fullmatch(instrument):
        raise _error(
            source,
            "instrument",
            'expected a short id such as "swemwbs" (letters, '
            f"digits, - or _, starting with a letter), got {show(value)}",
        )
    return instrument


def _text(
    data: Mapping[str, Any], field: str, source: str, limit: int, *, required: bool = False
) -> str:
    if field not in data:
        if required:
            raise _error(source, field, "missing")
        return ""
    value = data[field]
    if not isinstance(value, str):
        raise _error(source, field, f"expected text, got {show(value)}")
    text = _tidy(value)
    if required and not text:
        raise _error(source, field, "is empty")
    if len(text) > limit:
        raise _error(source, field, f"is {len(text)} characters; at most {limit}")
    return text


def _whole(data: Mapping[str, Any], field: str, source: str, low: int, high: int) -> int:
    if field not in data:
        raise _error(source, field, "missing")
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(
            source, field, f"expected a whole number from {low} to {high}, got {show(value)}"
        )
    return value


def _point(key: object, field: str, source: str) -> int:
    """A scale point or raw total used as a key: JSON keys are text, "1"; Python may give 1."""
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    if isinstance(key, str) and _INTEGER.fullmatch(key.strip()):
        return int(key)
    raise _error(source, field, f"{show(key)} is not a whole number")


def _object(data: Mapping[str, Any], field: str, source: str) -> Mapping[Any, Any]:
    value = data.get(field, {})
    if not isinstance(value, Mapping):
        raise _error(source, field, f'expected an object such as {{"1": ...}}, got {show(value)}')
    return value


def _labels(data: Mapping[str, Any], minimum: int, maximum: int, source: str) -> dict[int, str]:
    labels: dict[int, str] = {}
    for key, value in _object(data, "labels", source).items():
        point = _point(key, "labels", source)
        if not minimum <= point <= maximum:
            raise _error(source, "labels", f"{point} is outside the scale {minimum} to {maximum}")
        if point in labels:
            raise _error(source, "labels", f"{point} is given twice")
        label = _tidy(value) if isinstance(value, str) else ""
        if not label or len(label) > MAX_LABEL_CHARS:
            raise _error(
                source,
                "labels",
                f"the label for {point} should be short text "
                f"(1 to {MAX_LABEL_CHARS} characters), got {show(value)}",
            )
        labels[point] = label
    return labels


def _table(
    data: Mapping[str, Any], scoring: str, low: int, high: int, source: str
) -> dict[int, float]:
    """raw total -> metric: for "sum_then_table", one finite number for every possible total."""
    given = _object(data, "table", source)
    if scoring != SUM_THEN_TABLE:
        if given:
            raise _error(source, "table", f'only used when scoring is "{SUM_THEN_TABLE}"')
        return {}
    if not given:
        raise _error(
            source,
            "table",
            f'missing; scoring "{SUM_THEN_TABLE}" needs a score for '
            f"every raw total from {low} to {high}",
        )
    table: dict[int, float] = {}
    for key, value in given.items():
        raw = _point(key, "table", source)
        if not low <= raw <= high:
            raise _error(source, "table", f"raw total {raw} is outside {low} to {high}")
        if raw in table:
            raise _error(source, "table", f"raw total {raw} is given twice")
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise _error(
                source,
                "table",
                f"the score for raw total {raw} should be a number, got {show(value)}",
            )
        table[raw] = float(value)
    missing = [raw for raw in range(low, high + 1) if raw not in table]
    if missing:
        shown = ", ".join(str(raw) for raw in missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise _error(
            source,
            "table",
            f"no score for raw total {shown} (it needs every total from {low} to {high})",
        )
    for raw in range(low + 1, high + 1):
        # A higher total never means lower wellbeing; a drop is a typing slip in the table.
        if table[raw] < table[raw - 1]:
            problem = (
                f"the score for raw total {raw} ({table[raw]:g}) is lower than for "
                f"{raw - 1} ({table[raw - 1]:g})"
            )
            raise _error(source, "table", problem)
    return table


def _items(
    data: Mapping[str, Any], item_count: int, source: str, *, required: bool
) -> tuple[str, ...]:
    """The item wording: exactly item_count non-empty texts; in a definition, [] means none."""
    if "items" not in data and required:
        raise _error(source, "items", f"missing; expected {item_count} items")
    value = data.get("items", [])
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _error(source, "items", f"expected a list of {item_count} texts, got {show(value)}")
    if not value and not required:
        return ()
    if len(value) != item_count:
        raise _error(source, "items", f"expected {item_count} items, got {len(value)}")
    items = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise _error(source, "items", f"item {number} should be text, got {show(item)}")
        text = _tidy(item)
        if not text:
            raise _error(source, "items", f"item {number} is empty")
        if len(text) > MAX_ITEM_CHARS:
            raise _error(
                source,
                "items",
                f"item {number} is {len(text)} characters; at most {MAX_ITEM_CHARS}",
            )
        items.append(text)
    return tuple(items)


def _check_hint(q: Questionnaire, source: str) -> None:
    hint = q.scale_hint()
    if len(hint) > MAX_HINT_CHARS:
        raise _error(
            source,
            "labels",
            f"explaining the scale with these labels takes "
            f"{len(hint)} characters; shorten them to fit {MAX_HINT_CHARS}",
        )
