"""Dates of birth as people type them by text: UK order (day first), always.

Only whole dates are read: "14/3/52", "14th of March 1952", "March 14 1952", "1952-03-14" or
"14031952". A date with a part missing ("March 1952", "14/3") is unreadable rather than
filled in, because a guessed date of birth is worse than asking again. Month names come from
python-dateutil's table, so "Sept" and "Mar." work; a close misspelling of a full month name
("Febuary") is accepted too.
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from datetime import date

from dateutil.parser import parserinfo
from dateutil.relativedelta import relativedelta

OLDEST_AGE_YEARS = 120
YOUNGEST_AGE_YEARS = 16  # for reading two-digit years only

_MONTHS = parserinfo()
_FULL_MONTH_NAMES = [names[-1].lower() for names in parserinfo.MONTHS]

_SEP = r"\s*[-/.\\\s]\s*"
_YEAR = r"'?(\d{4}|\d{2})"
# Numbers only: 14/3/52, 14-03-1952, 14.3.52, 14 3 1952.
_NUMERIC = re.compile(rf"(?<![\d/.-])(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}{_YEAR}(?![\d/.-]?\d)")
# ISO order, which nobody types by accident: 1952-03-14.
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
# Eight digits with no separators, read as ddmmyyyy.
_COMPACT = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)")
# A month word with a day before it ("14 of march 1952") or after it ("march 14, 1952").
_DAY_MONTH = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*of)?[\s,/.-]*([a-z]+)\.?[\s,/.-]*{_YEAR}(?!\d)"
)
_MONTH_DAY = re.compile(
    rf"(?<![a-z])([a-z]+)\.?[\s,/.-]*(\d{{1,2}})(?:st|nd|rd|th)?[\s,/.-]+{_YEAR}(?!\d)"
)


class DateProblem(enum.StrEnum):
    UNREADABLE = "unreadable"  # not a whole date (missing day/month/year, words)
    IMPOSSIBLE = "impossible"  # 31/2/1990, 32/1/1990, 14/13/1990
    FUTURE = "future"  # after today
    TOO_OLD = "too_old"  # more than 120 years before today


@dataclass(frozen=True, slots=True)
class DateAnswer:
    value: date | None
    problem: DateProblem | None


@dataclass(frozen=True, slots=True)
class _Parts:
    day: int
    month: int
    year: int
    two_digit_year: bool


def _month_number(word: str) -> int | None:
    """Month from a name or abbreviation, via dateutil; a near miss of a full name also counts."""
    number = _MONTHS.month(word)
    if number is not None:
        return int(number)
    if len(word) >= 5:
        close = difflib.get_close_matches(word, _FULL_MONTH_NAMES, n=1, cutoff=0.8)
        if close:
            return _FULL_MONTH_NAMES.index(close[0]) + 1
    return None


def _year(text: str) -> tuple[int, bool]:
    return int(text), len(text) == 2


def _candidates(text: str) -> list[_Parts]:
    """Every whole date written in the text, before any checks on whether it can exist."""
    found: list[_Parts] = []
    for m in _ISO.finditer(text):
        found.append(_Parts(int(m[3]), int(m[2]), int(m[1]), False))
    rest = _ISO.sub(" ", text)
    for m in _NUMERIC.finditer(rest):
        found.append(_Parts(int(m[1]), int(m[2]), *_year(m[3])))
    for m in _COMPACT.finditer(rest):
        found.append(_Parts(int(m[1]), int(m[2]), int(m[3]), False))
    for m in _DAY_MONTH.finditer(rest):
        month = _month_number(m[2])
        if month is not None:
            found.append(_Parts(int(m[1]), month, *_year(m[3])))
    for m in _MONTH_DAY.finditer(rest):
        month = _month_number(m[1])
        if month is not None:
            found.append(_Parts(int(m[2]), month, *_year(m[3])))
    return found


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(parts: _Parts, today: date) -> DateAnswer:
    """A two-digit year is 20yy only when that makes the person at least 16 on ``today``;
    otherwise 19yy. People who text a link worker service about themselves are adults, and
    "3/4/25" from an older person means 1925, not a baby born last year."""
    if not (1 <= parts.month <= 12 and 1 <= parts.day <= 31):
        return DateAnswer(None, DateProblem.IMPOSSIBLE)
    if parts.two_digit_year:
        years = [2000 + parts.year, 1900 + parts.year]
        dates = [d for d in (_make(y, parts.month, parts.day) for y in years) if d is not None]
        if not dates:
            return DateAnswer(None, DateProblem.IMPOSSIBLE)
        grown = [d for d in dates if d <= today - relativedelta(years=YOUNGEST_AGE_YEARS)]
        value = grown[0] if grown else dates[-1]
    else:
        made = _make(parts.year, parts.month, parts.day)
        if made is None:
            return DateAnswer(None, DateProblem.IMPOSSIBLE)
        value = made
    if value > today:
        return DateAnswer(None, DateProblem.FUTURE)
    if value < today - relativedelta(years=OLDEST_AGE_YEARS):
        return DateAnswer(None, DateProblem.TOO_OLD)
    return DateAnswer(value, None)


def parse_date_of_birth(text: str, today: date) -> DateAnswer:
    """Read a date of birth, day first; a problem instead when it is partial, odd or unlikely.

    When the text holds two different dates, it is unreadable: we do not pick one."""
    plain = text.lower().replace("\u2019", "'")
    candidates = list(dict.fromkeys(_candidates(plain)))
    if not candidates:
        return DateAnswer(None, DateProblem.UNREADABLE)
    answers = list(dict.fromkeys(_resolve(parts, today) for parts in candidates))
    if len(answers) > 1:
        return DateAnswer(None, DateProblem.UNREADABLE)
    return answers[0]
