"""Benchmark of the service's figures for a year of a large service.

Run it by hand from the project root::

    .venv/bin/python bench/report.py [--clients N] [--messages M] [--postgres | --database-url URL]

It prints figures and asserts nothing about speed. It writes, in batches straight into the
tables (not through the bot, which would take hours), a year of a large service: N clients
(default 100,000) across 40 practices, each with a submitted referral spread over the year
(sources, pathways and needs mixed), a case (closed for most, some with onward referrals),
three sessions on average (attended, did-not-attend or booked), M messages (default
1,000,000) in and out, follow-up check-ins for a quarter of them and two SWEMWBS scores for a
third. Then it times ``storage.reports.summary`` for the whole year (three runs, the first one
cold; PostgreSQL's tables are analysed first, as autovacuum would do after such a load) and
for one month, and the dashboard's other parts for the year (the month-by-month rates and the
weekly referrals), and prints the referral total as a check.

By default the database is a SQLite file in a temporary folder. ``--postgres`` starts a
throwaway PostgreSQL server in a temporary folder (as the tests do; it needs the postgresql
package) and removes it afterwards; ``--database-url postgresql://...`` fills an existing, empty
PostgreSQL database (migrated here) and leaves the data there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import reports
from storage.db import Database, upgrade
from storage.tables import (
    AppointmentRow,
    CaseRow,
    ClientRow,
    FollowUpRow,
    MessageRow,
    PracticeRow,
    ReferralRow,
    ScoreRow,
)

BATCH = 20_000
YEAR_START = datetime(2025, 4, 1, tzinfo=UTC)
NEEDS = ["loneliness", "low_mood", "money", "housing", "caring", "getting_active", "work"]
SOURCES = ["self", "friend", "professional", "professional"]
PATHWAYS = ["primary_care", "social_care", "hospital", "other"]


async def _insert(
    db: Database, table: type[SQLModel], rows: Sequence[Mapping[str, object]]
) -> None:
    for start in range(0, len(rows), BATCH):
        async with db.write() as session:
            await session.execute(sa.insert(table), rows[start : start + BATCH])


async def fill(db: Database, clients: int, messages: int, rng: random.Random) -> None:
    await _insert(
        db,
        PracticeRow,
        [
            {"code": f"P{90000 + i}", "name": f"Practice {i}", "area": f"WN{i % 9 + 1}"}
            for i in range(40)
        ],
    )
    day = timedelta(days=365)
    at = [YEAR_START + day * rng.random() for _ in range(clients)]
    await _insert(
        db,
        ClientRow,
        [
            {
                "id": i + 1,
                "address": f"tel:+447{i:09d}",
                "phone": f"+447{i:09d}",
                "name": f"Client {i}",
                "practice_id": i % 40 + 1,
                "opted_out": False,
                "flow_state": "{}",
                "created_at": at[i],
                "last_seen_at": at[i],
            }
            for i in range(clients)
        ],
    )
    await _insert(
        db,
        CaseRow,
        [
            {
                "id": i + 1,
                "client_id": i + 1,
                "practice_id": i % 40 + 1,
                "reason": "referral",
                "priority": "normal",
                "priority_rank": 2,
                "status": "closed" if i % 10 else "open",
                "created_at": at[i],
                "due_by": at[i] + timedelta(days=2),
                "closed_at": at[i] + timedelta(days=40) if i % 10 else None,
                "onward_referrals": json.dumps(["svc-1"] if i % 7 == 0 else []),
                "assigned_to": None,
            }
            for i in range(clients)
        ],
    )
    await _insert(
        db,
        ReferralRow,
        [
            {
                "reference": f"LB-{i:07d}",
                "client_id": i + 1,
                "source": SOURCES[i % 4],
                "pathway": PATHWAYS[i % 4] if SOURCES[i % 4] == "professional" else None,
                "status": "submitted",
                "practice_id": i % 40 + 1,
                "needs": json.dumps(rng.sample(NEEDS, 2)),
                "case_id": i + 1,
                "created_at": at[i],
                "submitted_at": at[i],
                "first_contact_at": at[i] + timedelta(hours=rng.randint(2, 96)),
            }
            for i in range(clients)
        ],
    )
    sessions = []
    for i in range(clients):
        for n in range(rng.choice([0, 1, 2, 3, 4, 5, 6])):
            starts = at[i] + timedelta(days=7 * (n + 1))
            status = rng.choice(["attended", "attended", "attended", "dna", "booked"])
            sessions.append(
                {
                    "client_id": i + 1,
                    "starts_at": starts,
                    "duration_minutes": 45,
                    "location": "Library",
                    "worker": "Sam",
                    "status": status,
                    "asked_again": False,
                    "created_at": at[i],
                    "confirmed_at": at[i] + timedelta(days=1) if n % 2 else None,
                }
            )
    await _insert(db, AppointmentRow, sessions)
    rows = []
    for m in range(messages):
        client = m % clients
        when = at[client] + timedelta(hours=m // clients * 20)
        rows.append(
            {
                "client_id": client + 1,
                "direction": "in" if m % 2 else "out",
                "channel": "sms",
                "address": f"tel:+447{client:09d}",
                "text": "Thank you, see you on Tuesday",
                "kind": "message",
                "priority": 1,
                "status": "delivered",
                "allowed_when_opted_out": False,
                "attempts": 1,
                "created_at": when,
                "sent_at": when,
            }
        )
        if len(rows) == BATCH:
            await _insert(db, MessageRow, rows)
            rows = []
    await _insert(db, MessageRow, rows)
    await _insert(
        db,
        FollowUpRow,
        [
            {
                "client_id": i + 1,
                "kind": "check_in",
                "message_id": i + 1,
                "created_at": at[i] + timedelta(days=70),
                "answer": "better" if i % 3 else None,
                "answered_at": at[i] + timedelta(days=71) if i % 3 else None,
            }
            for i in range(0, clients, 4)
        ],
    )
    scores = []
    for i in range(0, clients, 3):
        for k, metric in enumerate((rng.uniform(14, 24), rng.uniform(16, 28))):
            scores.append(
                {
                    "client_id": i + 1,
                    "instrument": "swemwbs",
                    "answers": "[]",
                    "raw": 20,
                    "metric": round(metric, 2),
                    "status": "complete",
                    "via": "session",
                    "taken_at": at[i] + timedelta(days=60 * k),
                    "created_at": at[i],
                }
            )
    await _insert(db, ScoreRow, scores)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--postgres", action="store_true", help="start a throwaway PostgreSQL server for the run"
    )
    args = parser.parse_args()
    server = None
    if args.postgres:
        from testkit import postgres

        server = postgres.start()
    try:
        await _run(args, server.url("postgres") if server else args.database_url)
    finally:
        if server:
            server.stop()


async def _run(args: argparse.Namespace, database_url: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{folder}/bench.db"
        db = Database(url)
        await upgrade(db)
        started = time.perf_counter()
        await fill(db, args.clients, args.messages, random.Random(7))
        if not db.is_sqlite:  # as autovacuum would soon after a load this size
            async with db.write() as session:
                await session.execute(sa.text("ANALYZE"))
        print(
            f"{args.clients:,} clients, {args.messages:,} messages written in "
            f"{time.perf_counter() - started:.0f} s; "
            f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, "
            f"{os.cpu_count()} cores"
        )
        zone = ZoneInfo("Europe/London")
        for label, period in (
            ("year", reports.Period(date(2025, 4, 1), date(2026, 3, 31))),
            ("month", reports.Period(date(2025, 10, 1), date(2025, 10, 31))),
        ):
            for run in range(3):
                started = time.perf_counter()
                async with db.read() as session:
                    body = await reports.summary(session, period, zone)
                seconds = time.perf_counter() - started
                print(
                    f"summary for a {label} (run {run + 1}): {seconds:.2f} s; "
                    f"{body['referrals']['total']:,} referrals, "
                    f"engagement {body['engagement_rate']:.3f}, dna {body['dna_rate']:.3f}"
                )
        year = reports.Period(date(2025, 4, 1), date(2026, 3, 31))
        for run in range(2):
            async with db.read() as session:
                started = time.perf_counter()
                rates = await reports.monthly_rates(session, year, zone)
                middle = time.perf_counter()
                weeks = await reports.weekly_referrals(session, year, zone)
                done = time.perf_counter()
            print(
                f"dashboard for the year (run {run + 1}): rates for {len(rates)} months "
                f"{middle - started:.2f} s, referrals in {len(weeks)} weeks "
                f"{done - middle:.2f} s ({sum(sum(c.values()) for _, c in weeks):,})"
            )
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
