"""The figures the database works out (medians, first and last scores, sessions per client,
the monthly rates), checked against numbers known by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from storage import reports
from storage.db import Database
from storage.tables import AppointmentRow, ClientRow, ReferralRow, ScoreRow

ZONE = ZoneInfo("Europe/London")
MARCH = reports.Period(date(2026, 3, 1), date(2026, 3, 31))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _add(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    async with db.write() as session:
        await session.execute(sa.insert(table), rows)


async def _clients(db: Database, n: int) -> None:
    await _add(
        db,
        ClientRow,
        [
            {
                "id": i,
                "address": f"tel:+4477009000{i:02d}",
                "flow_state": "{}",
                "created_at": START,
                "last_seen_at": START,
            }
            for i in range(1, n + 1)
        ],
    )


def _referral(
    client_id: int,
    submitted: datetime,
    contact_after: timedelta | None,
    n: int = 1,
    source: str = "self",
) -> dict[str, Any]:
    return {
        "reference": f"LB-T{client_id:03d}-{n}",
        "client_id": client_id,
        "source": source,
        "status": "submitted",
        "needs": "[]",
        "created_at": submitted,
        "submitted_at": submitted,
        "first_contact_at": submitted + contact_after if contact_after else None,
    }


def _session(client_id: int, starts: datetime, status: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "starts_at": starts,
        "duration_minutes": 45,
        "location": "Library",
        "worker": "Sam",
        "status": status,
        "created_at": START,
    }


def _score(
    client_id: int, taken: datetime, metric: float, status: str = "complete"
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "instrument": "swemwbs",
        "answers": "[]",
        "raw": 20,
        "metric": metric,
        "status": status,
        "via": "session",
        "taken_at": taken,
        "created_at": taken,
    }


async def _summary(db: Database, period: reports.Period = MARCH) -> dict[str, Any]:
    async with db.read() as session:
        return await reports.summary(session, period, ZONE)


async def test_the_medians_and_bands_of_days(database_url: str) -> None:
    """Replies after 12 hours and 1, 2 and 5 days (one after the period, one never): the
    median of four is 1.5 days; exactly a day is "1 to 2 days". First sessions 3 and 10 days
    after the referral, a session before it and a missed one not counted: their mean, 6.5."""
    db = Database(database_url)
    try:
        await _clients(db, 6)
        day = timedelta(days=1)
        await _add(
            db,
            ReferralRow,
            [
                _referral(1, START, 1 * day),
                _referral(2, START, 2 * day),
                _referral(3, START, 5 * day),
                _referral(4, START, None),
                _referral(5, START, day / 2),
                _referral(6, START, 40 * day),
            ],
        )
        await _add(
            db,
            AppointmentRow,
            [
                _session(1, START - 2 * day, "attended"),
                _session(1, START + 1 * day, "dna"),
                _session(1, START + 3 * day, "attended"),
                _session(1, START + 4 * day, "attended"),
                _session(2, START + 10 * day, "attended"),
                _session(3, START + 2 * day, "dna"),
            ],
        )
        figures = await _summary(db)
        assert figures["median_days_to_first_contact"] == 1.5
        assert figures["days_to_first_contact"] == {
            "under_1_day": 1,
            "1_to_2_days": 1,
            "2_to_5_days": 1,
            "5_to_10_days": 1,
            "10_days_or_more": 0,
            "no_reply_yet": 2,
        }
        assert figures["median_days_to_first_session"] == 6.5
        assert figures["engagement_rate"] == 2 / 6
        assert figures["sessions_per_client"] == {"1": 1, "2": 0, "3-4": 1, "5+": 0}
        assert figures["dna_rate"] == 2 / 6
    finally:
        await db.dispose()


async def test_wellbeing_compares_each_client_s_first_and_last_score(database_url: str) -> None:
    """Client 1: 14, then 30, then 18 (first 14, last 18: +4; the middle one is passed over).
    Client 2: 22 then 20 (-2), then an unfinished one and one after the period, both left out.
    Client 3: one score, so no change. Client 4: 7.03 to 10.03, a rise of 3 (in floating point
    a hair under). Client 5: no change. Mean change +1.25; two of four improved."""
    db = Database(database_url)
    try:
        await _clients(db, 5)
        await _add(db, ReferralRow, [_referral(i, START, None) for i in range(1, 6)])
        hour = timedelta(hours=1)
        await _add(
            db,
            ScoreRow,
            [
                _score(1, START, 14.0),
                _score(1, START + hour, 30.0),
                _score(1, START + 2 * hour, 18.0),
                _score(2, START, 22.0),
                _score(2, START + hour, 20.0),
                _score(2, START + 2 * hour, 28.0, status="incomplete"),
                _score(2, datetime(2026, 4, 2, tzinfo=UTC), 35.0),
                _score(3, START, 25.0),
                _score(4, START, 7.03),
                _score(4, START + hour, 10.03),  # 2.999999999999999
                _score(5, START, 21.54),
                _score(5, START + hour, 21.54),
            ],
        )
        figures = await _summary(db)
        assert figures["wellbeing"] == {
            "clients_with_first_and_last": 4,
            "mean_change": 1.25,
            "positive_share": 0.5,
        }
        assert figures["wellbeing_change"] == {
            "fell_by_3_or_more": 0,
            "fell_by_less_than_3": 1,
            "no_change": 1,
            "rose_by_less_than_3": 0,
            "rose_by_3_or_more": 2,
        }
        # By the end of April the later score is client 2's last: 22 -> 35, +13.
        april = reports.Period(date(2026, 3, 1), date(2026, 4, 30))
        figures = await _summary(db, april)
        assert figures["wellbeing"] == {
            "clients_with_first_and_last": 4,
            "mean_change": 5.0,
            "positive_share": 0.75,
        }
        assert figures["wellbeing_change"]["rose_by_3_or_more"] == 3
    finally:
        await db.dispose()


async def test_the_monthly_rates_are_each_month_s_own_figures(database_url: str) -> None:
    """The dashboard's month-by-month engagement and did-not-attend rates equal the summary's
    for that month alone; a month with nobody referred has none."""
    db = Database(database_url)
    try:
        await _clients(db, 6)
        day = timedelta(days=1)
        feb, mar = datetime(2026, 2, 10, 10, tzinfo=UTC), datetime(2026, 3, 10, 10, tzinfo=UTC)
        await _add(
            db,
            ReferralRow,
            [
                _referral(1, feb, None),
                _referral(2, feb, None),
                _referral(3, feb, None),
                _referral(4, mar, None),
                _referral(5, mar, None),
                _referral(1, mar, None, n=2),  # client 1 again, in March's cohort too
            ],
        )
        await _add(
            db,
            AppointmentRow,
            [
                _session(1, feb + day, "attended"),
                _session(2, feb + day, "dna"),
                _session(2, feb + 40 * day, "attended"),  # in March: counts for March's figures
                _session(4, mar + day, "attended"),
                _session(5, mar + day, "dna"),
                _session(5, mar + 2 * day, "dna"),
                _session(6, mar + day, "attended"),
            ],
        )
        period = reports.Period(date(2026, 1, 15), date(2026, 3, 31))
        async with db.read() as session:
            rates = await reports.monthly_rates(session, period, ZONE)
        assert [m for m, *_ in rates] == [
            reports.Period(date(2026, 1, 15), date(2026, 1, 31)),
            reports.Period(date(2026, 2, 1), date(2026, 2, 28)),
            MARCH,
        ]
        assert rates[0][1:] == (None, None)
        for month, engagement, dna in rates[1:]:
            figures = await _summary(db, month)
            assert (engagement, dna) == (figures["engagement_rate"], figures["dna_rate"])
        assert rates[1][1:] == (1 / 3, 1 / 2)
        # March: clients 1, 4 and 5 (6 was never referred). Client 1's session in February
        # counts, as it came before the end of March: two of three engaged, two of four missed.
        assert rates[2][1:] == (2 / 3, 2 / 4)
    finally:
        await db.dispose()


async def test_referrals_fall_in_their_local_week(database_url: str) -> None:
    """In summer a referral at 23:30 UTC on a Sunday is 00:30 on Monday in London: it belongs
    to the new week; one at 22:30 UTC is still Sunday's."""
    db = Database(database_url)
    try:
        await _clients(db, 3)
        await _add(
            db,
            ReferralRow,
            [
                _referral(1, datetime(2026, 6, 7, 22, 30, tzinfo=UTC), None),
                _referral(2, datetime(2026, 6, 7, 23, 30, tzinfo=UTC), None),
                _referral(3, datetime(2026, 6, 15, 10, 0, tzinfo=UTC), None, source="friend"),
            ],
        )
        none = {"self": 0, "friend": 0, "professional": 0}
        async with db.read() as session:
            weeks = await reports.weekly_referrals(
                session, reports.Period(date(2026, 6, 1), date(2026, 6, 21)), ZONE
            )
            one = await reports.weekly_referrals(
                session, reports.Period(date(2026, 6, 8), date(2026, 6, 10)), ZONE
            )
        assert weeks == [
            (date(2026, 6, 1), {**none, "self": 1}),
            (date(2026, 6, 8), {**none, "self": 1}),
            (date(2026, 6, 15), {**none, "friend": 1}),
        ]
        assert one == [(date(2026, 6, 8), {**none, "self": 1})]
    finally:
        await db.dispose()
