"""The service's figures (INTERFACES section 6), each defined once, here.

The period selects the referrals submitted in it (a cohort) and counts their clients' activity
up to the period's end. Rates are fractions from 0 to 1, or None when nothing was there to
count. This first version reads the cohort's rows and counts in Python; it is correct, not yet
fast for a very large service.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
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


async def _follow_ups(session: AsyncSession, clients: set[int], after: datetime) -> dict[str, int]:
    if not clients:
        return {"sent": 0, "answered": 0}
    rows = (await session.execute(
        select(FollowUpRow.answered_at)
        .join(MessageRow, col(MessageRow.id) == col(FollowUpRow.message_id))
        .where(col(FollowUpRow.client_id).in_(clients), col(MessageRow.sent_at) < after)
    )).scalars().all()  # fmt: skip
    return {"sent": len(rows), "answered": sum(1 for at in rows if at is not None and at < after)}


async def _wellbeing(session: AsyncSession, clients: set[int], after: datetime) -> dict[str, Any]:
    scores = (await session.execute(
        select(ScoreRow.client_id, ScoreRow.metric)
        .where(col(ScoreRow.client_id).in_(clients), ScoreRow.instrument == "swemwbs",
               ScoreRow.status == "complete", col(ScoreRow.taken_at) < after)
        .order_by(col(ScoreRow.client_id), col(ScoreRow.taken_at), col(ScoreRow.id))
    )).all() if clients else []  # fmt: skip
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


def _median_days(spans: list[timedelta]) -> float | None:
    return statistics.median(s.total_seconds() / 86400 for s in spans) if spans else None


def _unmet(referrals: list[ReferralRow], areas: dict[int | None, str | None],
           directory: Index) -> dict[str, int]:  # fmt: skip
    unmet: Counter[str] = Counter()
    met: dict[tuple[str, str], bool] = {}
    for referral in referrals:
        area = areas.get(referral.practice_id) or ""
        for need in json.loads(referral.needs or "[]"):
            if need == "other":
                continue
            if (need, area) not in met:
                hits = directory.search(needs=[need], area=area)
                met[(need, area)] = any(
                    not area or h.distance_rank <= 1 or not h.service.locations for h in hits)
            if not met[(need, area)]:
                unmet[need] += 1
    return dict(unmet)


async def _onward(session: AsyncSession, referrals: list[ReferralRow], after: datetime,
                  directory: Index) -> dict[str, Any]:  # fmt: skip
    clients = {r.client_id for r in referrals}
    closed = (await session.execute(
        select(CaseRow.client_id, CaseRow.onward_referrals)
        .where(col(CaseRow.client_id).in_(clients), col(CaseRow.closed_at) < after)
    )).all() if clients else []  # fmt: skip
    raised: dict[int, set[str]] = {}
    for r in referrals:
        raised.setdefault(r.client_id, set()).update(json.loads(r.needs or "[]"))
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


async def summary(session: AsyncSession, period: Period, zone: ZoneInfo,
                  directory: Index | None = None,
                  narrowing: Narrowing | None = None) -> dict[str, Any]:  # fmt: skip
    """The figures; ``directory`` is the active services (none: every need raised is unmet)."""
    directory = directory or Index((), {})
    first, after = period.bounds(zone)
    referrals = list((await session.execute(
        select(ReferralRow).where(
            ReferralRow.status == "submitted",
            col(ReferralRow.submitted_at) >= first, col(ReferralRow.submitted_at) < after,
            *(narrowing or Narrowing()).where(),
        )
    )).scalars())  # fmt: skip
    clients = {r.client_id for r in referrals}
    sessions = list((await session.execute(
        select(AppointmentRow).where(col(AppointmentRow.client_id).in_(clients))
    )).scalars()) if clients else []  # fmt: skip
    practices = (await session.execute(select(Practice.id, Practice.code, Practice.area))).all()
    codes: dict[int | None, str] = {pid: code for pid, code, _ in practices}
    practice_areas: dict[int | None, str | None] = {pid: area for pid, _, area in practices}

    attended = [s for s in sessions if s.status == "attended" and s.starts_at < after]
    dna = [s for s in sessions if s.status == "dna" and s.starts_at < after]
    per_client = Counter(s.client_id for s in attended)
    asked = [s for s in sessions if s.starts_at > s.created_at and s.created_at < after]
    confirmed = [s for s in asked if s.confirmed_at is not None and s.confirmed_at < after]

    needs = Counter(n for r in referrals for n in json.loads(r.needs or "[]"))
    to_contact = [
        r.first_contact_at - r.submitted_at
        for r in referrals
        if r.first_contact_at and r.submitted_at and r.first_contact_at < after
    ]
    to_session = []
    for r in referrals:
        if r.submitted_at is None:
            continue
        later = [s.starts_at for s in attended
                 if s.client_id == r.client_id and s.starts_at >= r.submitted_at]  # fmt: skip
        if later:
            to_session.append(min(later) - r.submitted_at)

    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "referrals": {
            "total": len(referrals),
            "by_source": {s: sum(r.source == s for r in referrals) for s in SOURCES},
            "by_pathway": {p: sum(r.pathway == p for r in referrals) for p in PATHWAYS},
            "by_practice": dict(Counter(codes.get(r.practice_id, "unknown") for r in referrals)),
            "by_need": dict(needs),
        },
        "engagement_rate": _rate(len(per_client), len(clients)),
        "sessions_per_client": {
            bucket: sum(_bucket(n) == bucket for n in per_client.values())
            for bucket in ("1", "2", "3-4", "5+")
        },
        "dna_rate": _rate(len(dna), len(dna) + len(attended)),
        "confirmation_rate": _rate(len(confirmed), len(asked)),
        "median_days_to_first_contact": _median_days(to_contact),
        "median_days_to_first_session": _median_days(to_session),
        "follow_ups": await _follow_ups(session, clients, after),
        "wellbeing": await _wellbeing(session, clients, after),
        "unmet_needs": _unmet(referrals, practice_areas, directory),
        "onward_referrals": await _onward(session, referrals, after, directory),
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
