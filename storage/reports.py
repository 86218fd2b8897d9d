"""The service's figures (INTERFACES section 6), each defined once, here.

The period selects the referrals submitted in it (a cohort) and counts their clients' activity
up to the period's end. Rates are fractions from 0 to 1, or None when nothing was there to
count. The database does the counting (bench/report.py measures a year of a large service).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlmodel import col, select

from services_directory.needs import service_needs
from services_directory.search import Index
from storage.directory import service_names
from storage.tables import (
    AppointmentRow,
    CaseRow,
    FollowUpRow,
    MessageRow,
    Practice,
    ReferralRow,
    ScoreRow,
    StaffUserRow,
)

SOURCES = ("self", "friend", "professional")
PATHWAYS = ("primary_care", "social_care", "hospital", "other")

# What each figure means, shown beside it wherever it is shown.
DEFINITIONS = {
    "referrals": "Referrals submitted in the period (the cohort), by source, pathway "
                 "(professional referrals), practice and need.",
    "engagement_rate": "Share of the cohort's clients who attended at least one session by "
                       "the end of the period.",
    "sessions_per_client": "Clients who attended, by how many sessions they attended.",
    "dna_rate": "Sessions recorded as did-not-attend, over sessions recorded as attended or "
                "did-not-attend, for the cohort's clients, by the end of the period.",
    "confirmation_rate": "Share of the cohort's sessions booked ahead (so a confirmation "
                         "request went) that the client confirmed.",
    "median_days_to_first_contact": "Median days from a referral to the link worker's first "
                                    "reply.",
    "median_days_to_first_session": "Median days from a referral to the first attended "
                                    "session after it.",
    "follow_ups": "Follow-up check-ins and campaign messages sent to the cohort's clients by "
                  "the end of the period, and those the client answered.",
    "wellbeing": "Complete SWEMWBS metric scores taken by the end of the period: clients with "
                 "a first and a last score (two or more), the mean change from first to last, "
                 "and the share whose score rose.",
    "unmet_needs": "Needs raised in the cohort's referrals (other than \"something else\") for "
                   "which the directory has no active service near the client's practice "
                   "(same postcode area or place, or with no fixed location), counted by need.",
    "onward_referrals": "Onward referrals recorded when closing the cohort's clients' cases by "
                        "the end of the period: in all, by service and by the needs the "
                        "service meets (those the client raised, where any match).",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period in UTC: from the start of its first local day to the end of its last."""
        first = datetime.combine(self.start, time(), tzinfo=zone)
        after = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone)
        return first, after


async def _follow_ups(session: AsyncSession, clients: Any, after: datetime) -> dict[str, int]:
    sent, answered = (await session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(col(FollowUpRow.answered_at) < after))
        .select_from(FollowUpRow)
        .join(MessageRow, col(MessageRow.id) == col(FollowUpRow.message_id))
        .where(col(FollowUpRow.client_id).in_(clients), col(MessageRow.sent_at) < after)
    )).one()  # fmt: skip
    return {"sent": int(sent or 0), "answered": int(answered or 0)}


async def _wellbeing(session: AsyncSession, clients: Any, after: datetime) -> dict[str, Any]:
    scores = (await session.execute(
        select(ScoreRow.client_id, ScoreRow.metric)
        .where(col(ScoreRow.client_id).in_(clients), ScoreRow.instrument == "swemwbs",
               ScoreRow.status == "complete", col(ScoreRow.taken_at) < after)
        .order_by(col(ScoreRow.client_id), col(ScoreRow.taken_at), col(ScoreRow.id))
    )).all()  # fmt: skip
    by_client: dict[int, list[float]] = {}
    for client_id, metric in scores:
        if metric is not None:
            by_client.setdefault(client_id, []).append(metric)
    changes = [m[-1] - m[0] for m in by_client.values() if len(m) >= 2]
    return {
        "clients_with_first_and_last": len(changes),
        "mean_change": round(statistics.mean(changes), 2) if changes else None,
        "positive_share": _rate(sum(c > 0 for c in changes), len(changes)),
    }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _bucket(sessions: int) -> str:
    return "1" if sessions == 1 else "2" if sessions == 2 else "3-4" if sessions <= 4 else "5+"


def _unmet(groups: Sequence[Any], areas: dict[int | None, str | None],
           directory: Index) -> dict[str, int]:  # fmt: skip
    """Referrals (counted in ``groups`` by practice and needs) whose need has no service."""
    unmet: Counter[str] = Counter()
    met: dict[tuple[str, str], bool] = {}
    for _, _, practice_id, raised, n in groups:
        area = areas.get(practice_id) or ""
        for need in json.loads(raised or "[]"):
            if need == "other":
                continue
            if (need, area) not in met:
                hits = directory.search(needs=[need], area=area)
                met[(need, area)] = any(
                    not area or h.distance_rank <= 1 or not h.service.locations for h in hits)
            if not met[(need, area)]:
                unmet[need] += n
    return dict(unmet)


async def _onward(session: AsyncSession, in_cohort: list[Any], clients: Any,
                  after: datetime, directory: Index) -> dict[str, Any]:  # fmt: skip
    closed = (await session.execute(
        select(CaseRow.client_id, CaseRow.onward_referrals)
        .where(col(CaseRow.client_id).in_(clients), col(CaseRow.closed_at) < after,
               col(CaseRow.onward_referrals) != "[]")
    )).all()  # fmt: skip
    raised: dict[int, set[str]] = {}
    referred = {client_id for client_id, _ in closed}
    for client_id, needs in (await session.execute(
        sa.select(col(ReferralRow.client_id), col(ReferralRow.needs))
        .where(*in_cohort, col(ReferralRow.client_id).in_(referred))
    )).all() if referred else []:  # fmt: skip
        raised.setdefault(client_id, set()).update(json.loads(needs or "[]"))
    known = {s.id: s for s in directory.services}
    ids = [(client_id, sid) for client_id, onward in closed for sid in json.loads(onward or "[]")]
    names = await service_names(session, {sid for _, sid in ids})
    by_service: Counter[str] = Counter()
    by_need: Counter[str] = Counter()
    for client_id, sid in ids:
        by_service[names.get(sid, sid)] += 1
        service = known.get(sid)
        meets = service_needs(service, directory.mapping) if service else frozenset()
        for need in (meets & raised.get(client_id, set())) or meets:
            by_need[need] += 1
    return {"total": len(ids), "by_service": dict(by_service), "by_need": dict(by_need)}


@dataclass(frozen=True, slots=True)
class Narrowing:
    """Which of the period's referrals make the cohort: one practice, one pathway (or the
    self and friend sources), or the cases one link worker has."""

    practice_id: int | None = None
    pathway: str | None = None  # primary_care, social_care, hospital, other, self, friend
    worker_id: int | None = None

    def where(self) -> list[Any]:
        conditions: list[Any] = []
        if self.practice_id is not None:
            conditions.append(col(ReferralRow.practice_id) == self.practice_id)
        if self.pathway in SOURCES:
            conditions.append(col(ReferralRow.source) == self.pathway)
        elif self.pathway is not None:
            conditions.append(col(ReferralRow.pathway) == self.pathway)
        if self.worker_id is not None:
            conditions.append(col(ReferralRow.case_id).in_(
                select(CaseRow.id).where(CaseRow.assigned_to == self.worker_id)))
        return conditions


class DaysBetween(sa.sql.expression.ColumnElement[float]):
    """``later - earlier`` in days, as a number, on either database."""

    type = sa.Float()
    inherit_cache = True

    def __init__(self, later: Any, earlier: Any) -> None:
        self.later, self.earlier = later, earlier


@compiles(DaysBetween, "sqlite")
def _days_sqlite(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    return (f"(julianday({compiler.process(element.later, **kw)}) - "
            f"julianday({compiler.process(element.earlier, **kw)}))")  # fmt: skip


@compiles(DaysBetween, "postgresql")
def _days_postgresql(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(element.later, **kw)} - "
            f"{compiler.process(element.earlier, **kw)})) / 86400.0)")  # fmt: skip


def _median(values: Sequence[float | None]) -> float | None:
    found = [float(v) for v in values if v is not None]
    return statistics.median(found) if found else None


async def summary(session: AsyncSession, period: Period, zone: ZoneInfo,
                  directory: Index | None = None,
                  narrowing: Narrowing | None = None) -> dict[str, Any]:  # fmt: skip
    """The figures; ``directory`` is the active services (none: every need raised is unmet).

    The database does the counting: only groups, counts and the day spans behind the medians
    come back, so a year of a large service takes about as long as a small one's."""
    directory = directory or Index((), {})
    first, after = period.bounds(zone)
    in_cohort = [
        col(ReferralRow.status) == "submitted",
        col(ReferralRow.submitted_at) >= first, col(ReferralRow.submitted_at) < after,
        *(narrowing or Narrowing()).where(),
    ]  # fmt: skip
    cohort = sa.select(col(ReferralRow.client_id)).where(*in_cohort).scalar_subquery()
    groups = (await session.execute(
        sa.select(col(ReferralRow.source), col(ReferralRow.pathway), col(ReferralRow.practice_id),
                  col(ReferralRow.needs), sa.func.count())
        .where(*in_cohort)
        .group_by(col(ReferralRow.source), col(ReferralRow.pathway),
                  col(ReferralRow.practice_id), col(ReferralRow.needs))
    )).all()  # fmt: skip
    clients = (await session.execute(
        sa.select(sa.func.count(sa.distinct(col(ReferralRow.client_id)))).where(*in_cohort)
    )).scalar() or 0  # fmt: skip
    practices = (await session.execute(select(Practice.id, Practice.code, Practice.area))).all()
    codes: dict[int | None, str] = {pid: code for pid, code, _ in practices}
    practice_areas: dict[int | None, str | None] = {pid: area for pid, _, area in practices}
    by_practice: Counter[str] = Counter()
    needs: Counter[str] = Counter()
    for _, _, practice_id, raised, n in groups:
        by_practice[codes.get(practice_id, "unknown")] += n
        for need in json.loads(raised or "[]"):
            needs[need] += n

    ours = col(AppointmentRow.client_id).in_(cohort)
    was_attended = sa.and_(col(AppointmentRow.status) == "attended",
                           col(AppointmentRow.starts_at) < after)  # fmt: skip
    attended, dna, asked, confirmed = (await session.execute(
        sa.select(
            sa.func.count().filter(was_attended),
            sa.func.count().filter(col(AppointmentRow.status) == "dna",
                                   col(AppointmentRow.starts_at) < after),
            sa.func.count().filter(col(AppointmentRow.starts_at) > col(AppointmentRow.created_at),
                                   col(AppointmentRow.created_at) < after),
            sa.func.count().filter(col(AppointmentRow.starts_at) > col(AppointmentRow.created_at),
                                   col(AppointmentRow.created_at) < after,
                                   col(AppointmentRow.confirmed_at) < after),
        ).select_from(AppointmentRow).where(ours)
    )).one()  # fmt: skip
    per_client = (sa.select(col(AppointmentRow.client_id), sa.func.count().label("n"))
                  .where(ours, was_attended).group_by(col(AppointmentRow.client_id))
                  .subquery())  # fmt: skip
    spread = Counter({int(n): int(k) for n, k in (await session.execute(
        sa.select(per_client.c.n, sa.func.count()).group_by(per_client.c.n))).all()})
    engaged = sum(spread.values())

    to_contact = (await session.execute(
        sa.select(DaysBetween(col(ReferralRow.first_contact_at), col(ReferralRow.submitted_at)))
        .where(*in_cohort, col(ReferralRow.first_contact_at) < after)
    )).scalars().all()  # fmt: skip
    first_session = (
        sa.select(sa.func.min(col(AppointmentRow.starts_at)))
        .where(col(AppointmentRow.client_id) == col(ReferralRow.client_id),
               col(AppointmentRow.status) == "attended",
               col(AppointmentRow.starts_at) >= col(ReferralRow.submitted_at),
               col(AppointmentRow.starts_at) < after)
        .correlate(ReferralRow).scalar_subquery()
    )  # fmt: skip
    to_session = (await session.execute(
        sa.select(DaysBetween(first_session, col(ReferralRow.submitted_at))).where(*in_cohort)
    )).scalars().all()  # fmt: skip

    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "referrals": {
            "total": sum(n for *_, n in groups),
            "by_source": {s: sum(n for src, *_, n in groups if src == s) for s in SOURCES},
            "by_pathway": {p: sum(n for _, pw, *_, n in groups if pw == p) for p in PATHWAYS},
            "by_practice": dict(by_practice),
            "by_need": dict(needs),
        },
        "engagement_rate": _rate(engaged, clients),
        "sessions_per_client": {
            bucket: sum(k for n, k in spread.items() if _bucket(n) == bucket)
            for bucket in ("1", "2", "3-4", "5+")
        },
        "dna_rate": _rate(dna, dna + attended),
        "confirmation_rate": _rate(confirmed, asked),
        "median_days_to_first_contact": _median(to_contact),
        "median_days_to_first_session": _median(to_session),
        "follow_ups": await _follow_ups(session, cohort, after),
        "wellbeing": await _wellbeing(session, cohort, after),
        "unmet_needs": _unmet(groups, practice_areas, directory),
        "onward_referrals": await _onward(session, in_cohort, cohort, after, directory),
        "definitions": DEFINITIONS,
    }


class BadNarrowing(ValueError):
    """A practice, pathway or link worker that does not exist; the message names the field."""


async def narrowing(session: AsyncSession, practice: str = "", pathway: str = "",
                    worker: str = "") -> Narrowing:  # fmt: skip
    """The cohort filter from what a person gives: a practice code, a pathway or source, and a
    link worker's e-mail address."""
    practice_id = worker_id = None
    if practice:
        practice_id = (await session.execute(select(Practice.id).where(
            Practice.code == practice.strip().upper()))).scalar()  # fmt: skip
        if practice_id is None:
            raise BadNarrowing(f"practice: no practice has the code {practice[:20]!r}.")
    if pathway and pathway not in PATHWAYS + SOURCES:
        raise BadNarrowing(f"pathway: one of {', '.join(PATHWAYS + SOURCES)}.")
    if worker:
        worker_id = (await session.execute(select(StaffUserRow.id).where(
            StaffUserRow.email == worker.strip().lower()))).scalar()  # fmt: skip
        if worker_id is None:
            raise BadNarrowing(f"worker: no staff user has the address {worker[:80]!r}.")
    return Narrowing(practice_id, pathway or None, worker_id)


async def weekly_referrals(session: AsyncSession, period: Period, zone: ZoneInfo,
                           narrowing: Narrowing | None = None) -> list[tuple[date, dict[str, int]]]:
    """Referrals submitted in the period, by the local week (from Monday) and source."""
    first, after = period.bounds(zone)
    rows = (await session.execute(
        select(ReferralRow.submitted_at, ReferralRow.source).where(
            ReferralRow.status == "submitted", col(ReferralRow.submitted_at) >= first,
            col(ReferralRow.submitted_at) < after, *(narrowing or Narrowing()).where())
    )).all()  # fmt: skip
    start = period.start - timedelta(days=period.start.weekday())
    weeks: dict[date, dict[str, int]] = {}
    day = start
    while day <= period.end:
        weeks[day] = dict.fromkeys(SOURCES, 0)
        day += timedelta(days=7)
    for at, source in rows:
        if at is None:
            continue
        local = at.astimezone(zone).date()
        week = local - timedelta(days=local.weekday())
        if week in weeks and source in weeks[week]:
            weeks[week][source] += 1
    return list(weeks.items())


def months(period: Period, most: int = 12) -> list[Period]:
    """The calendar months the period touches (the last ``most``), each cut to the period."""
    found: list[Period] = []
    first = period.start.replace(day=1)
    while first <= period.end:
        following = (first + timedelta(days=32)).replace(day=1)
        found.append(Period(max(first, period.start), min(following - timedelta(days=1),
                                                           period.end)))  # fmt: skip
        first = following
    return found[-most:]
