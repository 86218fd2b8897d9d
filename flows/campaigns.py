"""Follow-up campaigns: reading a cohort as staff describe it, and pacing the sends.

A cohort is every client with at least one attended session, narrowed by any of: the date of
their last attended session (``last_session_from``, ``last_session_to``, local dates,
inclusive), ``practice`` (codes or names), ``need`` (need codes or words), ``pathway``
(``primary_care``, ``social_care``, ``hospital``, ``other``, or ``self`` and ``friend`` for
those who referred themselves or were suggested by a friend) and ``not_contacted_weeks`` (no
message sent to them in that many weeks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flows.needs import need_codes_from_words
from flows.practices import PracticeInfo
from flows.sendwindow import SendWindow

PATHWAYS = ("primary_care", "social_care", "hospital", "other", "self", "friend")
FIELDS = (
    "last_session_from",
    "last_session_to",
    "practice",
    "need",
    "pathway",
    "not_contacted_weeks",
)
MAX_LIST = 50
CAMPAIGN = "campaign"  # the timer of one campaign send to one client; its subject is the campaign


class CohortError(ValueError):
    """The cohort as given cannot be used; the message names the field."""


@dataclass(frozen=True, slots=True)
class Cohort:
    last_session_from: date | None = None
    last_session_to: date | None = None
    practice_ids: tuple[int, ...] = ()
    needs: tuple[str, ...] = ()
    pathways: tuple[str, ...] = ()
    not_contacted_weeks: int | None = None


def _strings(value: Any, field: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if (
        not isinstance(items, list)
        or not items
        or len(items) > MAX_LIST
        or not all(isinstance(i, str) and i.strip() for i in items)
    ):
        raise CohortError(f"cohort.{field}: a word, or a list of at most {MAX_LIST}.")
    return [i.strip() for i in items]


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else _bad_date(field)
    except ValueError:
        return _bad_date(field)


def _bad_date(field: str) -> date:
    raise CohortError(f"cohort.{field}: a date like 2026-09-30.")


def parse_cohort(data: Any, practices: tuple[PracticeInfo, ...]) -> Cohort:
    if not isinstance(data, Mapping):
        raise CohortError('cohort: an object, for example {"last_session_from": "2026-08-01"}.')
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise CohortError(f"cohort.{unknown[0]}: not a cohort field; use {', '.join(FIELDS)}.")
    start = (
        _date(data["last_session_from"], "last_session_from")
        if data.get("last_session_from") is not None
        else None
    )
    end = (
        _date(data["last_session_to"], "last_session_to")
        if data.get("last_session_to") is not None
        else None
    )
    if start and end and end < start:
        raise CohortError("cohort.last_session_to: on or after last_session_from.")
    practice_ids: list[int] = []
    for given in _strings(data["practice"], "practice") if "practice" in data else []:
        found = [
            p.id for p in practices if given.casefold() in (p.code.casefold(), p.name.casefold())
        ]
        if not found:
            raise CohortError(f"cohort.practice: no practice has the code or name {given!r}.")
        practice_ids += found
    needs: list[str] = []
    if "need" in data:
        needs, unknown_needs = need_codes_from_words(_strings(data["need"], "need"))
        if unknown_needs:
            raise CohortError(f"cohort.need: {unknown_needs[0]!r} is not a need we know.")
    pathways = _strings(data["pathway"], "pathway") if "pathway" in data else []
    for pathway in pathways:
        if pathway not in PATHWAYS:
            raise CohortError(f"cohort.pathway: use {', '.join(PATHWAYS)}.")
    weeks = data.get("not_contacted_weeks")
    if weeks is not None and (
        not isinstance(weeks, int) or isinstance(weeks, bool) or not 1 <= weeks <= 520
    ):
        raise CohortError("cohort.not_contacted_weeks: a whole number of weeks from 1 to 520.")
    return Cohort(start, end, tuple(practice_ids), tuple(needs), tuple(pathways), weeks)


def spread(start: datetime, count: int, per_second: float, window: SendWindow) -> list[datetime]:
    """When each of ``count`` sends falls due: ``per_second`` apart from ``start``, inside the
    send window, carrying on at the next opening when it closes. Pacing the timers (not just
    the outbox) means each client's check-in is written only when it can go.

    The gap is rounded up to the microsecond, so the sends never run faster than the rate."""
    step = timedelta(microseconds=math.ceil(1_000_000 / per_second))
    at = window.next_opening(start)
    times = []
    for _ in range(count):
        if not window.contains(at):
            at = window.next_opening(at)
        times.append(at)
        at += step
    return times
