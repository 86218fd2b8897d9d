"""Wellbeing questionnaires as data: a definition, its scoring, and reading one typed answer.

A definition names the instrument, its items, the answer scale and how answers become a score.
It is plain data (JSON shipped in ``flows/instruments``, or supplied by the service), checked
by ``flows.questionnaire_definitions`` so a mistake is reported by file and field before the bot
starts. Nothing here reads files; the loader in ``bot/questionnaires.py`` does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

SUM_THEN_TABLE: Final = "sum_then_table"
SUM: Final = "sum"
NONE: Final = "none"
SCORINGS: Final = (SUM_THEN_TABLE, SUM, NONE)

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
                f"answers: answer {number} is {show(value)}; each answer is a whole number "
                f"from {q.minimum} to {q.maximum}"
            )
    return list(answers)


def show(value: object) -> str:
    """A value as it would appear in JSON, short and on one line, for error messages."""
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    shown = " ".join(shown.split())
    return shown if len(shown) <= 40 else shown[:37] + "..."
