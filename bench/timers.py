"""Benchmark of durable timers and the outbox, run by hand from the project root::

    .venv/bin/python bench/timers.py [--pending N] [--due N] [--send N] [--database-url URL]
        [--json FILE]

It prints figures and asserts nothing about speed. In one run it:

1. migrates a fresh database (a SQLite file in a temporary folder by default; with
   ``--database-url postgresql://...`` an existing, empty PostgreSQL database) and writes
   ``--pending`` timer rows (default 1,000,000), of which ``--due`` (default 10,000) are due
   reminders for real clients and sessions, the rest due in the coming months;
2. times ``bot.actions.timers.fire_due``: claiming every due timer (one transaction each, as several
   instances would) and handing it over, which writes each reminder into the outbox;
3. times ``Outbox.send_due()`` sending ``--send`` of those reminders (default 2,000) to the
   fake Twilio server on loopback with ``TWILIO_MAX_RATE=1000``.

The clock is the fake one from the tests, so rate-limit waits do not sleep; everything else
(database, HTTP to the fake Twilio through the twilio library) is real. ``--json FILE`` also
writes the printed figures to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from bot.actions.timers import fire_due
from bot.bootstrap import build
from storage.db import Database, upgrade
from storage.tables import MessageRow, TimerRow
from testkit.clock import FakeClock
from testkit.fake_twilio import FakeTwilio
from testkit.reminders import seed_due_reminders
from testkit.settings import settings_for

BATCH = 50_000


async def _fill(db: Database, clients_from: int, count: int, now: datetime) -> None:
    """Timers due later, spread over the coming months, on the seeded clients."""
    written = 0
    while written < count:
        size = min(BATCH, count - written)
        rows = [
            {
                "client_id": 1 + (written + i) % clients_from,
                "kind": "reminder",
                "subject": f"later:{written + i}",
                "status": "pending",
                "due_at": now + timedelta(minutes=10 + (written + i) % 200_000),
                "created_at": now,
            }
            for i in range(size)
        ]
        async with db.write() as session:
            await session.execute(sa.insert(TimerRow), rows)
        written += size


async def run(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        kind = "postgresql" if url.startswith("postgres") else "sqlite"
        clock = FakeClock()
        db = Database(url)
        await upgrade(db)
        started = time.perf_counter()
        await seed_due_reminders(db, args.due, clock.now())
        await _fill(db, args.due, args.pending - args.due, clock.now())
        seeded = time.perf_counter() - started
        await db.dispose()

        twilio = FakeTwilio()
        await twilio.start()
        services = build(settings_for(url, twilio, TWILIO_MAX_RATE="1000"), clock=clock)
        try:
            started = time.perf_counter()
            fired = await fire_due(services)
            fire_seconds = time.perf_counter() - started

            async with services.db.write() as session:  # keep only --send of them to send
                keep = sa.select(MessageRow.id).order_by(MessageRow.id).limit(args.send)
                await session.execute(
                    sa.update(MessageRow).where(~MessageRow.id.in_(keep)).values(status="expired")
                )
            started = time.perf_counter()
            tried = await services.outbox.send_due()
            send_seconds = time.perf_counter() - started
        finally:
            await services.close()
            await twilio.stop()

    print("linkbot timers and outbox benchmark")
    print(f"  database: {kind}; cores: {os.cpu_count()}; Python {sys.version.split()[0]}")
    print(f"  {args.pending:,} pending timers, {args.due:,} due (written in {seeded:.1f} s)")
    print(
        f"  fire_due: {fired:,} claimed and handed over in {fire_seconds:.2f} s "
        f"= {fired / fire_seconds:,.0f} timers/s"
    )
    print(
        f"  outbox:   {tried:,} sent to the fake Twilio in {send_seconds:.2f} s "
        f"= {tried / send_seconds:,.0f} messages/s (TWILIO_MAX_RATE=1000)"
    )
    print(f"  fake Twilio received {len(twilio.sent):,} messages")
    return {
        "bench": "timers",
        "database": kind,
        "pending": args.pending,
        "due": args.due,
        "seed_seconds": seeded,
        "fire_due": {"fired": fired, "seconds": fire_seconds, "per_s": fired / fire_seconds},
        "outbox": {
            "sent": tried,
            "seconds": send_seconds,
            "per_s": tried / send_seconds,
            "max_rate": 1000,
        },
        "twilio_received": len(twilio.sent),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--send", type=int, default=2_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", default="", metavar="FILE", help="also write the figures here")
    args = parser.parse_args()
    if not 0 < args.due <= args.pending or not 0 < args.send <= args.due:
        parser.error("need 0 < --send <= --due <= --pending")
    figures = asyncio.run(run(args))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
