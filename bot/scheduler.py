"""APScheduler drives the ticks; every schedule itself lives in the database.

Ticks: fire due timers (nudges now; reminders and check-ins later), nudge the outbox (a safety
net beside its own wake-ups) and prune old housekeeping rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import col

from bot.bootstrap import Services
from storage.tables import ProcessedUpdate

log = logging.getLogger(__name__)

# Twilio and Telegram redeliver within minutes or hours; a fortnight is ample for dedupe.
KEEP_PROCESSED_IDS = timedelta(days=14)


async def prune_processed_ids(services: Services) -> int:
    cutoff = services.clock.now() - KEEP_PROCESSED_IDS
    async with services.db.write() as session:
        result = await session.execute(
            sa.delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < cutoff)
        )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult has rowcount


def start(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(services.outbox.wake, "interval", seconds=5, id="outbox-nudge")
    scheduler.add_job(
        services.fire_due, "interval", seconds=5, id="fire-due-timers", max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        prune_processed_ids, "interval", hours=1, args=[services], id="prune-processed-ids",
        max_instances=1, coalesce=True,
    )
    scheduler.start()
    return scheduler
