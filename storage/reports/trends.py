"""The dashboard's figures over time: the period's referrals week by week, and the engagement
and did-not-attend rates month by month."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.reports.activity import attendance
from storage.reports.cohort import Narrowing, cohort_clients, cohort_conditions
from storage.reports.definitions import SOURCES, Period, months, rate
from storage.tables import ReferralRow


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
            .where(*cohort_conditions(first, after, narrowing))
            .group_by(week, col(ReferralRow.source))
        )
    ).all()
    weeks = {monday: dict.fromkeys(SOURCES, 0) for monday in mondays}
    for n, source, k in counted:
        if source in SOURCES:
            weeks[mondays[n]][source] += k
    return list(weeks.items())


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
        in_cohort = cohort_conditions(first, after, narrowing)
        cohort = sa.select(col(ReferralRow.client_id)).where(*in_cohort).scalar_subquery()
        spread, attended, dna, _, _ = await attendance(session, cohort, after)
        found.append(
            (
                month,
                rate(sum(spread.values()), await cohort_clients(session, in_cohort)),
                rate(dna, dna + attended),
            )
        )
    return found
