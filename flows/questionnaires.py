"""Wellbeing questionnaires as data: a definition, its scoring, and reading one typed answer.

A definition names the instrument, its items, the answer scale and how answers become a score.
It is plain data (JSON shipped in ``flows/instruments``, or supplied by the service), checked
here by ``from_dict`` so a mistake is reported by file and field before the bot starts. Licensed
wording (SWEMWBS's) is never shipped: a service holding the licence supplies it, and
``with_wording`` adds it to the shipped definition. Nothing here reads files; the loader in
``bot/questionnaires.py`` does.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

SUM_THEN_TABLE: Final = "sum_then_table"
SUM: Final = "sum"
NONE: Final = "none"
SCORINGS: Final = (SUM_THEN_TABLE, SUM, NONE)

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
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    )
}
# One number, with nothing but spaces and closing punctuation around it: "3", " 3 ", "3.", "3!".
_ANSWER = re.compile(r"\s*([0-9]{1,3}|[a-z]+)\s*[.!?,;:)]*\s*")

K = TypeVar("K")
V = TypeVar("V")


class _Frozen(Mapping[K, V]):
    """A read-only mapping that hashes, so a definition stays unchanged (and hashable) once made."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return repr(self._data)


class DefinitionError(ValueError):
    """A definition or wording file that cannot be used; the message names source and field."""


class InvalidAnswers(ValueError):
    """Answers that do not fit the questionnaire; the message names the field and the problem."""


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """One instrument: what it asks, on what answer scale, and how answers become a score."""

    instrument: str  # lower-case id: "swemwbs", "ons4"
    title: str
    item_count: int
    minimum: int  # lowest answer on the scale, e.g. 1
    maximum: int  # highest, e.g. 5
    labels: Mapping[int, str]  # scale point -> short label; may name only some points
    scoring: str  # "sum_then_table" | "sum" | "none"
    table: Mapping[int, float]  # raw total -> metric score, for "sum_then_table"; else empty
    items: tuple[str, ...] = ()  # wording; empty until a licensed service supplies it
    intro: str = ""
    licence: str = ""

    def __post_init__(self) -> None:
        # Callers may pass dicts and lists; keep read-only copies so a definition never changes.
        object.__setattr__(self, "labels", _Frozen(self.labels))
        object.__setattr__(self, "table", _Frozen(self.table))
        object.__setattr__(self, "items", tuple(self.items))

    @property
    def askable(self) -> bool:
        """True when the bot has wording for every item, so it can ask them by message."""
        return len(self.items) == self.item_count and all(self.items)

    def scale_hint(self) -> str:
        """One line explaining the scale, naming the points that have labels.

        "Reply with a number from 1 to 5: 1 none of the time, 2 rarely, ..." """
        hint = f"Reply with a number from {self.minimum} to {self.maximum}"
        named = ", ".join(f"{point} {self.labels[point]}" for point in sorted(self.labels))
        return f"{hint}: {named}" if named else hint


@dataclass(frozen=True, slots=True)
class Score:
    """A completed questionnaire's score: the raw total and, where a table applies, the metric."""

    raw: int | None  # None when the scoring is "none" (items are reported one by one)
    metric: float | None  # the table's value for "sum_then_table"; None otherwise


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
        raise _error(source, "scoring", f"expected one of {choices}, got {_show(scoring)}")
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
            source, "instrument", f'this wording is for "{q.instrument}", got {_show(named)}'
        )
    items = _items(data, q.item_count, source, required=True)
    intro = _text(data, "intro", source, MAX_INTRO_CHARS) or q.intro
    labels = {**q.labels, **_labels(data, q.minimum, q.maximum, source)}
    worded = dataclasses.replace(q, items=items, intro=intro, labels=labels)
    _check_hint(worded, source)
    return worded


def score(q: Questionnaire, answers: Sequence[int]) -> Score:
    """The score of a completed questionnaire; raises InvalidAnswers when answers do not fit."""
    values = _checked_answers(q, answers)
    match q.scoring:
        case "sum_then_table":
            raw = sum(values)
            return Score(raw, float(q.table[raw]))
        case "sum":
            return Score(sum(values), None)
        case "none":
            return Score(None, None)
        case _:
            raise ValueError(f"unknown scoring {q.scoring!r}")


def read_answer(q: Questionnaire, text: str) -> int | None:
    """One answer as typed on a phone ("3", "3.", "three"); None when it is not one number on
    the scale, so the bot asks again rather than guessing ("often", "3 or 4", "35")."""
    match = _ANSWER.fullmatch(text.lower())
    if match is None:
        return None
    token = match[1]
    value = int(token) if token.isdigit() else _NUMBER_WORDS.get(token)
    return value if value is not None and q.minimum <= value <= q.maximum else None


def _checked_answers(q: Questionnaire, answers: Sequence[int]) -> list[int]:
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise InvalidAnswers(f"answers: expected a list of {q.item_count} whole numbers")
    if len(answers) != q.item_count:
        raise InvalidAnswers(f"answers: expected {q.item_count} answers, got {len(answers)}")
    for number, value in enumerate(answers, start=1):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not q.minimum <= value <= q.maximum:
            raise InvalidAnswers(
                f"answers: answer {number} is {_show(value)}; each answer is a whole number "
                f"from {q.minimum} to {q.maximum}"
            )
    return list(answers)


def _error(source: str, field: str, problem: str) -> DefinitionError:
    return DefinitionError(f"{source}: {field}: {problem}")


def _show(value: object) -> str:
    """A value as it would appear in JSON, short and on one line, for error messages."""
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    shown = " ".join(shown.split())
    return shown if len(shown) <= 40 else shown[:37] + "..."


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
            f"digits, - or _, starting with a letter), got {_show(value)}",
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
        raise _error(source, field, f"expected text, got {_show(value)}")
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
            source, field, f"expected a whole number from {low} to {high}, got {_show(value)}"
        )
    return value


def _point(key: object, field: str, source: str) -> int:
    """A scale point or raw total used as a key: JSON keys are text, "1"; Python may give 1."""
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    if isinstance(key, str) and _INTEGER.fullmatch(key.strip()):
        return int(key)
    raise _error(source, field, f"{_show(key)} is not a whole number")


def _object(data: Mapping[str, Any], field: str, source: str) -> Mapping[Any, Any]:
    value = data.get(field, {})
    if not isinstance(value, Mapping):
        raise _error(source, field, f'expected an object such as {{"1": ...}}, got {_show(value)}')
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
                f"(1 to {MAX_LABEL_CHARS} characters), got {_show(value)}",
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
                f"the score for raw total {raw} should be a number, got {_show(value)}",
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
        raise _error(source, "items", f"expected a list of {item_count} texts, got {_show(value)}")
    if not value and not required:
        return ()
    if len(value) != item_count:
        raise _error(source, "items", f"expected {item_count} items, got {len(value)}")
    items = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str):
            raise _error(source, "items", f"item {number} should be text, got {_show(item)}")
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
