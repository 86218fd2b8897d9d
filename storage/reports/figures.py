"""The summary: every figure for a period's cohort at once, as the dashboard, the API and the
exports give it, with the definitions beside them."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services_directory.search import Index
from storage.reports import activity
from storage.reports.cohort import Narrowing, cohort_clients, cohort_conditions
from storage.reports.days import DaysBetween, median_and_bands
from storage.reports.definitions import CONTACT_BANDS, DEFINITIONS, PATHWAYS, SOURCES, Period, rate
from storage.reports.needs import onward_referrals, unmet_needs
from storage.reports.variants import reminder_variants
from storage.tables import AppointmentRow, PracticeRow, ReferralRow


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
    in_cohort = cohort_conditions(first, after, narrowing)
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
    clients = await cohort_clients(session, in_cohort)
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
    spread, attended, dna, asked, confirmed = await activity.attendance(session, cohort, after)
    wellbeing, change_bands = await activity.wellbeing(session, cohort, after)
    to_contact_median, to_contact = await median_and_bands(
        session,
        sa.select(
            DaysBetween(col(ReferralRow.first_contact_at), col(ReferralRow.submitted_at))
        ).where(*in_cohort, col(ReferralRow.first_contact_at) < after),
        edges=(1.0, 2.0, 5.0, 10.0),
    )
    total = sum(n for *_, n in groups)
    unreachable = await session.scalar(
        sa.select(sa.func.count()).where(*in_cohort, col(ReferralRow.referrer_unreachable))
    )
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
            "referrer_unreachable": int(unreachable or 0),
        },
        "engagement_rate": rate(sum(spread.values()), clients),
        "sessions_per_client": {
            bucket: sum(k for n, k in spread.items() if _bucket(n) == bucket)
            for bucket in ("1", "2", "3-4", "5+")
        },
        "dna_rate": rate(dna, dna + attended),
        "confirmation_rate": rate(confirmed, asked),
        "median_days_to_first_contact": to_contact_median,
        "median_days_to_first_session": (await median_and_bands(session, to_session))[0],
        "days_to_first_contact": contact_bands,
        "follow_ups": await activity.follow_ups(session, cohort, after),
        "reminder_variants": await reminder_variants(session, first, after),
        "slots": await activity.freed_slots(
            session, first, after, narrowing.practice_id if narrowing else None
        ),
        "wellbeing": wellbeing,
        "wellbeing_change": change_bands,
        "unmet_needs": unmet_needs(groups, practice_areas, directory),
        "onward_referrals": await onward_referrals(session, in_cohort, after, directory),
        "definitions": DEFINITIONS,
    }


def _bucket(sessions: int) -> str:
    return "1" if sessions == 1 else "2" if sessions == 2 else "3-4" if sessions <= 4 else "5+"
