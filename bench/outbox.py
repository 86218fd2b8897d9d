"""Benchmark of the outbox sending to the fake Twilio on loopback, on the real clock.

Run it by hand from the project root::

    .venv/bin/python bench/outbox.py [--messages N] [--max-rate R] [--seconds S]
        [--lifted-rate R] [--database-url URL] [--json FILE]

It prints figures and asserts nothing about speed. In one run it:

1. migrates a fresh database (a SQLite file in a temporary folder by default; with
   ``--database-url postgresql://...`` an existing, empty PostgreSQL database) and starts the
   fake Twilio REST server from ``testkit.fake_twilio`` on 127.0.0.1;
2. lifted: with Twilio's rate at ``--lifted-rate`` (default 100,000 a second, so the limit
   never waits; settings allow ``TWILIO_MAX_RATE`` up to 1,000, so the benchmark builds the app
   at 1,000 and swaps in an ``Outbox`` wired the same way but with that rate), queues
   ``--messages`` ordinary replies (default 3,000; priority REPLY, so the send window does not
   hold them), one for each of as many new SMS clients, through the storage layer
   (``storage.unit`` and ``flows.engine.outgoing.to_client``), then times one
   ``Outbox.send_due()`` call, which claims and sends until nothing is due, and prints the
   messages the fake Twilio received per second of that call. The rate also sets the outbox's
   claim batch and lease, so ``--lifted-rate 1000`` shows the highest setting allowed;
3. paced: with ``TWILIO_MAX_RATE`` at ``--max-rate`` (default 20), queues more replies than
   can go in the time, runs ``Outbox.send_due()`` as a task for one warm-up second after the
   first message reaches the fake Twilio plus ``--seconds`` (default 10), then sets aside the
   messages still waiting and lets the batch in hand finish. The achieved rate is the messages
   the fake received in those ``--seconds`` (the warm-up second excluded) divided by
   ``--seconds``, printed with its difference from the limit in percent.

Everything is real: the clock (``SystemClock``: rate-limit waits sleep), the database, and
HTTP to the fake Twilio through the ``twilio`` library. What is timed includes claiming, the
shared rate slot taken in the database for each message, the HTTP round trip and recording
each message as sent. Each message's arrival is stamped when the fake Twilio records it.

With ``--database-url`` the benchmark writes its clients and messages into that database and
leaves them there; give it an empty database made for the purpose.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from bot import logs
from bot.bootstrap import Services, build
from bot.clock import SystemClock
from bot.outbox import Outbox
from flows.calendar import WorkingDays
from flows.engine.outgoing import to_client
from flows.messages import Address, Channel, Priority, Reply
from storage import unit
from storage.db import Database, upgrade
from storage.directory import DirectoryCache
from storage.tables import MessageRow
from testkit.fake_twilio import FakeTwilio
from testkit.settings import settings_for

LIFTED_RATE = 100_000.0
MOST_SETTINGS_ALLOW = "1000"
TEXT = "Your Community Link Worker will text you back soon."
BATCH = 500  # clients and messages written per transaction
WARMUP_SECONDS = 1.0


def number(i: int) -> str:
    return f"+447700{i:06d}"  # clear of FROM_NUMBER (+447700900001) for i below 900,000


async def queue(db: Database, first: int, count: int) -> None:
    """``count`` new SMS clients, each with one ordinary reply waiting in the outbox."""
    now = SystemClock().now()
    reply = Reply(TEXT, "bench", Priority.REPLY)
    directory = DirectoryCache()
    for start in range(first, first + count, BATCH):
        async with unit.write(db, directory, WorkingDays(None, UTC)) as uow:
            for i in range(start, min(start + BATCH, first + count)):
                client = await uow.clients.add(Address(f"tel:{number(i)}"), number(i), now)
                await to_client(uow, client, reply, now)


async def outbox_for(url: str, rate: str) -> tuple[FakeTwilio, Services]:
    twilio = FakeTwilio()
    await twilio.start()
    settings = settings_for(
        url, twilio, TWILIO_MAX_RATE=rate, LINKBOT_SIMULATOR="off", LOG_LEVEL="WARNING"
    )
    return twilio, build(settings)  # the real clock


def lift(services: Services, rate: float = LIFTED_RATE) -> None:
    """The same outbox as ``build`` wires for SMS alone, with Twilio's rate at ``rate``."""
    settings = services.settings
    services.outbox = Outbox(
        services.db,
        services.clock,
        {Channel.SMS: [services.senders[Channel.SMS]]},
        settings.window,
        {"twilio": rate},
        calendar=services.calendar,
        directory=services.directory,
        deadline=settings.delivery_deadline_delta,
        failover_after=settings.sms_failover_after,
    )


async def lifted(url: str, n: int, rate: float) -> dict[str, float]:
    twilio, services = await outbox_for(url, MOST_SETTINGS_ALLOW)
    lift(services, rate)
    try:
        await queue(services.db, 0, n)
        started = time.perf_counter()
        tried = await services.outbox.send_due()
        seconds = time.perf_counter() - started
    finally:
        await services.close()
        await twilio.stop()
    received = len(twilio.sent)
    return {"n": n, "tried": tried, "received": received, "seconds": seconds}


async def paced(url: str, first: int, rate: float, seconds: float) -> dict[str, float]:
    twilio, services = await outbox_for(url, f"{rate:g}")
    try:
        # Enough that the queue never runs dry, with room for a slow start.
        await queue(services.db, first, int(rate * (seconds + WARMUP_SECONDS + 3)) + 10)
        sending = asyncio.create_task(services.outbox.send_due())
        limit = time.perf_counter() + 30
        # The fake records each message in its own handler: poll for the first.
        while not twilio.sent and time.perf_counter() < limit and not sending.done():  # noqa: ASYNC110  (the fake records in its own task)
            await asyncio.sleep(0.01)
        if not twilio.sent:
            raise RuntimeError("the fake Twilio received nothing in 30 s")
        start = twilio.sent[0].at + WARMUP_SECONDS
        end = start + seconds
        await asyncio.sleep(max(0.0, end - time.perf_counter()) + 0.05)
        # Stop cleanly: what is still waiting is set aside, and the batch in hand finishes.
        async with services.db.write() as session:
            await session.execute(
                sa.update(MessageRow)
                .where(col(MessageRow.status) == "pending")
                .values(status="expired")
            )
        await asyncio.wait_for(sending, timeout=60)
    finally:
        await services.close()
        await twilio.stop()
    counted = sum(start <= m.at < end for m in twilio.sent)
    achieved = counted / seconds
    return {
        "max_rate": rate,
        "achieved": achieved,
        "off_by_percent": (achieved - rate) / rate * 100,
        "counted": counted,
        "seconds": seconds,
    }


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    kind = "postgresql" if url.startswith("postgres") else "sqlite"
    print("linkbot outbox benchmark (real clock, fake Twilio on loopback)")
    print(f"  database: {kind}; cores: {os.cpu_count()}; Python {sys.version.split()[0]}")
    up = await lifted(url, args.messages, args.lifted_rate)
    sends = up["received"] / up["seconds"]
    print(
        f"  lifted (Twilio's rate {args.lifted_rate:,.0f}/s): {up['received']:,} of "
        f"{args.messages:,} received by the fake Twilio in {up['seconds']:.2f} s "
        f"= {sends:,.0f} sends/s",
        flush=True,
    )
    pace = await paced(url, args.messages, args.max_rate, args.seconds)
    print(
        f"  paced (TWILIO_MAX_RATE={args.max_rate:g}): {pace['counted']:,} received in "
        f"{args.seconds:g} s after a {WARMUP_SECONDS:g} s warm-up = {pace['achieved']:.2f}/s, "
        f"{pace['off_by_percent']:+.1f}% from the limit"
    )
    return {
        "bench": "outbox",
        "database": kind,
        "lifted": {
            "sends_per_s": sends,
            "n": up["received"],
            "seconds": up["seconds"],
            "rate": args.lifted_rate,
        },
        "paced": {k: pace[k] for k in ("max_rate", "achieved", "off_by_percent", "seconds")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=3000, metavar="N")
    parser.add_argument(
        "--lifted-rate", type=float, default=LIFTED_RATE, metavar="R", help="the lifted limit"
    )
    parser.add_argument("--max-rate", type=float, default=20.0, metavar="R")
    parser.add_argument("--seconds", type=float, default=10.0, metavar="S")
    parser.add_argument("--database-url", default="", metavar="URL")
    parser.add_argument("--json", default="", metavar="FILE", help="write the figures here")
    args = parser.parse_args()
    if not 0 < args.messages < 500_000 or min(args.max_rate, args.lifted_rate, args.seconds) <= 0:
        parser.error("need 0 < --messages < 500000 and --max-rate, --lifted-rate, --seconds > 0")
    logs.setup("WARNING")
    with tempfile.TemporaryDirectory(prefix="linkbot-bench-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        figures = asyncio.run(run(args, url))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
