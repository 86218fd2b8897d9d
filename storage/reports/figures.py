"""The service's figures (INTERFACES section 6), each defined once, here.

The period selects the referrals submitted in it (a cohort) and counts their clients' activity
up to the period's end. Rates are fractions from 0 to 1, or None when nothing was there to
count. The database does the counting (bench/report.py measures a year of a large service).
"""

from __future__ import annotations

import itertools
import json
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
    PracticeRow,
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
    "median_days_to_first_contact": "Median days from a referral to the link worker's first reply.",
    "median_days_to_first_session": "Median days from a referral to the first attended "
    "session after it.",
    "days_to_first_contact": "The cohort's referrals by days from the referral to the link "
    "worker's first reply, and those with no reply by the end of the "
    "period.",
    "follow_ups": "Follow-up check-ins and campaign messages sent to the cohort's clients by "
    "the end of the period, and those the client answered.",
    "wellbeing": "Complete SWEMWBS metric scores taken by the end of the period: clients with "
    "a first and a last score (two or more), the mean change from first to last, "
    "and the share whose score rose.",
    "wellbeing_change": "Clients with a first and a last complete SWEMWBS metric score by the "
    "end of the period, by how far the score moved from first to last.",
    "unmet_needs": 'Needs raised in the cohort\'s referrals (other than "something else") for '
    "which the directory has no active service near the client's practice "
    "(same postcode area or place, or with no fixed location), counted by need.",
    "onward_referrals": "Onward referrals recorded when closing the cohort's clients' cases by "
    "the end of the period: in all, by service and by the needs the "
    "service meets (those the client raised, where any match).",
}


# Bands of the two spreads the dashboard charts; the names read as labels once "_" is a space.
CONTACT_BANDS = (
    "under_1_day",
    "1_to_2_days",
    "2_to_5_days",
    "5_to_10_days",
    "10_days_or_more",
    "no_reply_yet",
)
CHANGE_BANDS = (
    "fell_by_3_or_more",
    "fell_by_less_than_3",
    "no_change",
    "rose_by_less_than_3",
    "rose_by_3_or_more",
)
# Metric scores have two decimals, so changes are whole hundredths give or take floating-point
# error; the band edges sit half a hundredth inside, so a change of exactly 3 is "3 or more".
HALF_HUNDREDTH = 0.005


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
    sent, answered = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.count().filter(col(FollowUpRow.answered_at) < after))
            .select_from(FollowUpRow)
            .join(MessageRow, col(MessageRow.id) == col(FollowUpRow.message_id))
            .where(col(FollowUpRow.client_id).in_(clients), col(MessageRow.sent_at) < after)
        )
    ).one()
    return {"sent": int(sent or 0), "answered": int(answered or 0)}


async def _wellbeing(
    session: AsyncSession, clients: Any, after: datetime
) -> tuple[dict[str, Any], dict[str, int]]:
    """Each client's first and last complete score, compared in the database: one ordered pass
    per client gives the first, the last and how many, on the first row. Returns the figures
    and the clients in each band of change."""
    client, order = col(ScoreRow.client_id), (col(ScoreRow.taken_at), col(ScoreRow.id))
    scores = (
        sa.select(
            sa.func.row_number().over(partition_by=client, order_by=order).label("place"),
            sa.func.count().over(partition_by=client, rows=(None, None)).label("n"),
            (
                sa.func.last_value(col(ScoreRow.metric)).over(
                    partition_by=client, order_by=order, rows=(None, None)
                )
                - sa.func.first_value(col(ScoreRow.metric)).over(
                    partition_by=client, order_by=order
                )
            ).label("change"),
        )
        .where(
            col(ScoreRow.client_id).in_(clients),
            col(ScoreRow.instrument) == "swemwbs",
            col(ScoreRow.status) == "complete",
            col(ScoreRow.taken_at) < after,
            col(ScoreRow.metric).is_not(None),
        )
        .subquery()
    )
    change, edge = scores.c.change, 3 - HALF_HUNDREDTH
    band = sa.case(
        (change <= -edge, 0),
        (change < -HALF_HUNDREDTH, 1),
        (change <= HALF_HUNDREDTH, 2),
        (change < edge, 3),
        else_=4,
    )
    rows = (
        await session.execute(
            sa.select(band, sa.func.count(), sa.func.sum(change))
            .where(scores.c.place == 1, scores.c.n >= 2)
            .group_by(band)
        )
    ).all()
    bands = dict.fromkeys(CHANGE_BANDS, 0) | {CHANGE_BANDS[b]: int(k) for b, k, _ in rows}
    n, total = sum(bands.values()), sum(float(t) for *_, t in rows)
    return {
        "clients_with_first_and_last": n,
        "mean_change": round(total / n, 2) if n else None,
        "positive_share": _rate(bands["rose_by_less_than_3"] + bands["rose_by_3_or_more"], n),
    }, bands


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _bucket(sessions: int) -> str:
    return "1" if sessions == 1 else "2" if sessions == 2 else "3-4" if sessions <= 4 else "5+"


def _unmet(
    groups: Sequence[Any], areas: dict[int | None, str | None], directory: Index
) -> dict[str, int]:
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
                    not area or h.distance_rank <= 1 or not h.service.locations for h in hits
                )
            if not met[(need, area)]:
                unmet[need] += n
    return dict(unmet)


async def _onward(
    session: AsyncSession, in_cohort: list[Any], after: datetime, directory: Index
) -> dict[str, Any]:
    """Closed cases' onward referrals, each with the needs its client raised in the cohort's
    referrals; only the distinct pairs and their counts come back."""
    referred = (col(CaseRow.closed_at) < after, col(CaseRow.onward_referrals) != "[]")
    raised = (
        sa.select(
            col(ReferralRow.client_id).label("client_id"),
            sa.func.aggregate_strings(col(ReferralRow.needs), "|").label("needs"),
        )
        .where(
            *in_cohort,
            col(ReferralRow.client_id).in_(sa.select(col(CaseRow.client_id)).where(*referred)),
        )
        .group_by(col(ReferralRow.client_id))
        .subquery()
    )
    closed = (
        await session.execute(
            sa.select(col(CaseRow.onward_referrals), raised.c.needs, sa.func.count())
            .select_from(CaseRow)
            .join(raised, raised.c.client_id == col(CaseRow.client_id))
            .where(*referred)
            .group_by(col(CaseRow.onward_referrals), raised.c.needs)
        )
    ).all()
    known = {s.id: s for s in directory.services}
    picked = [(json.loads(onward or "[]"), needs, n) for onward, needs, n in closed]
    names = await service_names(session, {sid for ids, _, _ in picked for sid in ids})
    by_service: Counter[str] = Counter()
    by_need: Counter[str] = Counter()
    for ids, needs, n in picked:
        wanted = {need for part in (needs or "").split("|") for need in json.loads(part or "[]")}
        for sid in ids:
            by_service[names.get(sid, sid)] += n
            service = known.get(sid)
            meets = service_needs(service, directory.mapping) if service else frozenset()
            for need in (meets & wanted) or meets:
                by_need[need] += n
    return {
        "total": sum(len(ids) * n for ids, _, n in picked),
        "by_service": dict(by_service),
        "by_need": dict(by_need),
    }


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
            conditions.append(
                col(ReferralRow.case_id).in_(
                    select(CaseRow.id).where(CaseRow.assigned_to == self.worker_id)
                )
            )
        return conditions


class DaysBetween(sa.sql.expression.ColumnElement[float]):
    """``later - earlier`` in days, as a number, on either database."""

    type = sa.Float()
    inherit_cache = True

    def __init__(self, later: Any, earlier: Any) -> None:
        self.later, self.earlier = later, earlier


@compiles(DaysBetween, "sqlite")
def _days_sqlite(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    # julianday's fractions carry rounding error; whole seconds make a day exactly 1.0.
    span = (
        f"(julianday({compiler.process(element.later, **kw)}) - "
        f"julianday({compiler.process(element.earlier, **kw)}))"
    )
    return f"(round({span} * 86400.0) / 86400.0)"


@compiles(DaysBetween, "postgresql")
def _days_postgresql(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    # date_part gives double precision; EXTRACT gives numeric, which is slower to work with.
    return (
        f"(date_part('epoch', {compiler.process(element.later, **kw)} - "
        f"{compiler.process(element.earlier, **kw)}) / 86400.0)"
    )


async def _median_and_bands(
    session: AsyncSession, values: sa.Select[Any], edges: Sequence[float] = ()
) -> tuple[float | None, list[int]]:
    """The median of a one-column query's values (the middle one, or the mean of the middle
    two), and how many values fall in each band between ``edges`` (below the first, from each
    to the next, from the last up): one statement, so a few numbers come back, not every value."""
    value = values.subquery().c[0]
    if session.get_bind().dialect.name == "postgresql":
        found: Any = sa.select(value.label("value")).where(value.is_not(None)).subquery()
        median: Any = sa.func.percentile_cont(0.5).within_group(found.c.value)
    else:  # SQLite has no percentile: number the values in order and take the middle
        found = (
            sa.select(
                value.label("value"),
                sa.func.row_number().over(order_by=value).label("place"),
                sa.func.count().over().label("n"),
            )
            .where(value.is_not(None))
            .subquery()
        )
        median = sa.func.avg(found.c.value).filter(
            found.c.place.in_([(found.c.n + 1) // 2, (found.c.n + 2) // 2])
        )
    v = found.c.value
    inner = [sa.and_(v >= low, v < high) for low, high in itertools.pairwise(edges)]
    bands = [v < edges[0], *inner, v >= edges[-1]] if edges else []
    row = (
        await session.execute(
            sa.select(median, *[sa.func.count().filter(band) for band in bands]).select_from(found)
        )
    ).one()
    return (None if row[0] is None else float(row[0])), [int(n or 0) for n in row[1:]]


async def _attendance(
    session: AsyncSession, clients: Any, after: datetime
) -> tuple[Counter[int], int, int, int, int]:
    """Sessions of the given clients by the period's end: how many clients attended how many
    (one pass over their sessions, grouped per client in the database), and the sessions
    attended, missed, asked to be confirmed and confirmed."""
    began = col(AppointmentRow.starts_at) < after
    ahead = sa.and_(
        col(AppointmentRow.starts_at) > col(AppointmentRow.created_at),
        col(AppointmentRow.created_at) < after,
    )
    per_client = (
        sa.select(
            sa.func.count().filter(col(AppointmentRow.status) == "attended", began).label("went"),
            sa.func.count().filter(col(AppointmentRow.status) == "dna", began).label("missed"),
            sa.func.count().filter(ahead).label("asked"),
            sa.func.count().filter(ahead, col(AppointmentRow.confirmed_at) < after).label("said"),
        )
        .where(col(AppointmentRow.client_id).in_(clients))
        .group_by(col(AppointmentRow.client_id))
        .subquery()
    )
    rows = (
        await session.execute(
            sa.select(
                per_client.c.went,
                sa.func.count(),
                sa.func.sum(per_client.c.missed),
                sa.func.sum(per_client.c.asked),
                sa.func.sum(per_client.c.said),
            ).group_by(per_client.c.went)
        )
    ).all()
    spread = Counter({int(went): int(k) for went, k, *_ in rows if went})
    return (
        spread,
        sum(n * k for n, k in spread.items()),
        sum(int(r[2] or 0) for r in rows),
        sum(int(r[3] or 0) for r in rows),
        sum(int(r[4] or 0) for r in rows),
    )


async def summary(
    session: AsyncSession,
    period: Period,
    zone: ZoneInfo,
    directory: Index | None = None,
    narrowing: Narrowing | None = None,
) -> dict[str, Any]:
    """The figures; ``directory`` is the active services (none: every need raised is unmet).

    The database does the counting: only groups, counts and single numbers come back, so a
    year of a large service takes about as long as a small one's (bench/report.py)."""
    directory = directory or Index((), {})
    first, after = period.bounds(zone)
    in_cohort = _cohort(first, after, narrowing)
    cohort = sa.select(col(ReferralRow.client_id)).where(*in_cohort).scalar_subquery()
    groups = (
        await session.execute(
            sa.select(
                col(ReferralRow.source),
                col(ReferralRow.pathway),
                col(ReferralRow.practice_id),
                col(ReferralRow.needs),
                sa.func.count(),
            )
            .where(*in_cohort)
            .group_by(
                col(ReferralRow.source),
                col(ReferralRow.pathway),
                col(ReferralRow.practice_id),
                col(ReferralRow.needs),
            )
        )
    ).all()
    clients = await _clients(session, in_cohort)
    practices = (
        await session.execute(select(PracticeRow.id, PracticeRow.code, PracticeRow.area))
    ).all()
    codes: dict[int | None, str] = {pid: code for pid, code, _ in practices}
    practice_areas: dict[int | None, str | None] = {pid: area for pid, _, area in practices}
    by_practice: Counter[str] = Counter()
    needs: Counter[str] = Counter()
    for _, _, practice_id, raised, n in groups:
        by_practice[codes.get(practice_id, "unknown")] += n
        for need in json.loads(raised or "[]"):
            needs[need] += n
    spread, attended, dna, asked, confirmed = await _attendance(session, cohort, after)
    wellbeing, change_bands = await _wellbeing(session, cohort, after)
    to_contact_median, to_contact = await _median_and_bands(
        session,
        sa.select(
            DaysBetween(col(ReferralRow.first_contact_at), col(ReferralRow.submitted_at))
        ).where(*in_cohort, col(ReferralRow.first_contact_at) < after),
        edges=(1.0, 2.0, 5.0, 10.0),
    )
    total = sum(n for *_, n in groups)
    contact_bands = dict(zip(CONTACT_BANDS, [*to_contact, total - sum(to_contact)], strict=True))
    to_session = (
        sa.select(
            DaysBetween(sa.func.min(col(AppointmentRow.starts_at)), col(ReferralRow.submitted_at))
        )
        .select_from(ReferralRow)
        .join(
            AppointmentRow,
            sa.and_(
                col(AppointmentRow.client_id) == col(ReferralRow.client_id),
                col(AppointmentRow.status) == "attended",
                col(AppointmentRow.starts_at) >= col(ReferralRow.submitted_at),
                col(AppointmentRow.starts_at) < after,
            ),
        )
        .where(*in_cohort)
        .group_by(col(ReferralRow.id), col(ReferralRow.submitted_at))
    )

    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "referrals": {
            "total": total,
            "by_source": {s: sum(n for src, *_, n in groups if src == s) for s in SOURCES},
            "by_pathway": {p: sum(n for _, pw, *_, n in groups if pw == p) for p in PATHWAYS},
            "by_practice": dict(by_practice),
            "by_need": dict(needs),
        },
        "engagement_rate": _rate(sum(spread.values()), clients),
        "sessions_per_client": {
            bucket: sum(k for n, k in spread.items() if _bucket(n) == bucket)
            for bucket in ("1", "2", "3-4", "5+")
        },
        "dna_rate": _rate(dna, dna + attended),
        "confirmation_rate": _rate(confirmed, asked),
        "median_days_to_first_contact": to_contact_median,
        "median_days_to_first_session": (await _median_and_bands(session, to_session))[0],
        "days_to_first_contact": contact_bands,
        "follow_ups": await _follow_ups(session, cohort, after),
        "wellbeing": wellbeing,
        "wellbeing_change": change_bands,
        "unmet_needs": _unmet(groups, practice_areas, directory),
        "onward_referrals": await _onward(session, in_cohort, after, directory),
        "definitions": DEFINITIONS,
    }


def _cohort(first: datetime, after: datetime, narrowing: Narrowing | None) -> list[Any]:
    """The conditions that pick the cohort's referrals."""
    return [
        col(ReferralRow.status) == "submitted",
        col(ReferralRow.submitted_at) >= first,
        col(ReferralRow.submitted_at) < after,
        *(narrowing or Narrowing()).where(),
    ]


async def _clients(session: AsyncSession, in_cohort: list[Any]) -> int:
    return int(
        await session.scalar(
            sa.select(sa.func.count(sa.distinct(col(ReferralRow.client_id)))).where(*in_cohort)
        )
        or 0
    )


class BadNarrowing(ValueError):
    """A practice, pathway or link worker that does not exist; the message names the field."""


async def narrowing(
    session: AsyncSession, practice: str = "", pathway: str = "", worker: str = ""
) -> Narrowing:
    """The cohort filter from what a person gives: a practice code, a pathway or source, and a
    link worker's e-mail address."""
    practice_id = worker_id = None
    if practice:
        practice_id = (
            await session.execute(
                select(PracticeRow.id).where(PracticeRow.code == practice.strip().upper())
            )
        ).scalar()
        if practice_id is None:
            raise BadNarrowing(f"practice: no practice has the code {practice[:20]!r}.")
    if pathway and pathway not in PATHWAYS + SOURCES:
        raise BadNarrowing(f"pathway: one of {', '.join(PATHWAYS + SOURCES)}.")
    if worker:
        worker_id = (
            await session.execute(
                select(StaffUserRow.id).where(StaffUserRow.email == worker.strip().lower())
            )
        ).scalar()
        if worker_id is None:
            raise BadNarrowing(f"worker: no staff user has the address {worker[:80]!r}.")
    return Narrowing(practice_id, pathway or None, worker_id)


async def weekly_referrals(
    session: AsyncSession, period: Period, zone: ZoneInfo, narrowing: Narrowing | None = None
) -> list[tuple[date, dict[str, int]]]:
    """Referrals submitted in the period, by the local week (from Monday) and source. The
    database sorts them into weeks, each bounded by its local Monday midnight in UTC."""
    first, after = period.bounds(zone)
    start = period.start - timedelta(days=period.start.weekday())
    mondays = [start + timedelta(days=7 * n) for n in range((period.end - start).days // 7 + 1)]
    before = [
        (col(ReferralRow.submitted_at) < Period(monday, monday).bounds(zone)[0], n - 1)
        for n, monday in enumerate(mondays)
        if n
    ]
    week = sa.case(*before, else_=len(mondays) - 1) if before else sa.literal(0)
    counted = (
        await session.execute(
            sa.select(week, col(ReferralRow.source), sa.func.count())
            .where(*_cohort(first, after, narrowing))
            .group_by(week, col(ReferralRow.source))
        )
    ).all()
    weeks = {monday: dict.fromkeys(SOURCES, 0) for monday in mondays}
    for n, source, k in counted:
        if source in SOURCES:
            weeks[mondays[n]][source] += k
    return list(weeks.items())


def months(period: Period) -> list[Period]:
    """The calendar months the period touches, each cut to the period."""
    found: list[Period] = []
    first = period.start.replace(day=1)
    while first <= period.end:
        following = (first + timedelta(days=32)).replace(day=1)
        found.append(
            Period(max(first, period.start), min(following - timedelta(days=1), period.end))
        )
        first = following
    return found


async def monthly_rates(
    session: AsyncSession,
    period: Period,
    zone: ZoneInfo,
    narrowing: Narrowing | None = None,
) -> list[tuple[Period, float | None, float | None]]:
    """For each month of the period (see ``months``), the engagement and did-not-attend rates
    of that month's cohort, exactly as the summary for that month alone would give them."""
    found = []
    for month in months(period):
        first, after = month.bounds(zone)
        in_cohort = _cohort(first, after, narrowing)
        cohort = sa.select(col(ReferralRow.client_id)).where(*in_cohort).scalar_subquery()
        spread, attended, dna, _, _ = await _attendance(session, cohort, after)
        found.append(
            (
                month,
                _rate(sum(spread.values()), await _clients(session, in_cohort)),
                _rate(dna, dna + attended),
            )
        )
    return found
