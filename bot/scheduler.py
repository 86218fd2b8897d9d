"""APScheduler drives the ticks; every schedule itself lives in the database.

Ticks: fire due timers (nudges now; reminders and check-ins later), nudge the outbox (a safety
net beside its own wake-ups) and prune old housekeeping rows.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import col

from bot.bootstrap import Services
from storage import rights, web_sessions
from storage.db import rows_changed
from storage.tables import ProcessedUpdateRow

log = logging.getLogger(__name__)

# Twilio and Telegram redeliver within minutes or hours; a fortnight is ample for dedupe.
KEEP_PROCESSED_IDS = timedelta(days=14)


async def prune_processed_ids(services: Services) -> int:
    cutoff = services.clock.now() - KEEP_PROCESSED_IDS
    async with services.db.write() as session:
        result = await session.execute(
            sa.delete(ProcessedUpdateRow).where(col(ProcessedUpdateRow.at) < cutoff)
        )
    return rows_changed(result)


async def apply_retention(services: Services) -> int:
    """Erase the personal data of clients with no activity for ``RETENTION_YEARS``."""
    years = services.settings.retention_years
    if not years:
        return 0
    now = services.clock.now()
    cutoff = (
        now.replace(year=now.year - years)
        if not (now.month == 2 and now.day == 29)
        else (now.replace(year=now.year - years, day=28))
    )
    async with services.db.write() as session:
        due = await rights.inactive_since(session, cutoff)
        for client_id in due:
            await rights.erase_client(session, client_id, now)
            await web_sessions.audit(
                session, None, "erase_client:retention", f"client:{client_id}", now
            )
    if due:
        log.info("retention: erased the personal data of %d clients", len(due))
    return len(due)


def start(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(services.outbox.wake, "interval", seconds=5, id="outbox-nudge")
    scheduler.add_job(
        services.fire_due,
        "interval",
        seconds=5,
        id="fire-due-timers",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        prune_processed_ids,
        "interval",
        hours=1,
        args=[services],
        id="prune-processed-ids",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        apply_retention,
        "interval",
        hours=24,
        args=[services],
        id="retention",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=5),
    )
    scheduler.start()
    return scheduler
