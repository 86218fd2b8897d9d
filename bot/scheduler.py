"""APScheduler drives the ticks; every schedule itself lives in the database.

Ticks: fire due timers, handle inbound messages kept in the spool while the database was in
trouble, nudge the outbox (a safety net beside its own wake-ups), alert the duty contact about
urgent cases nobody has taken in time, prune old housekeeping rows and apply the retention
rule. Each tick is an action.
"""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.actions import duty
from bot.actions.housekeeping import prune_processed_ids
from bot.actions.inbound import handle_spooled
from bot.actions.rights import apply_retention
from bot.actions.timers import fire_due
from bot.bootstrap import Services

TICK_SECONDS = 5


def start(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    once = {"max_instances": 1, "coalesce": True}
    scheduler.add_job(services.outbox.wake, "interval", seconds=TICK_SECONDS, id="outbox-nudge")
    scheduler.add_job(
        fire_due, "interval", seconds=TICK_SECONDS, args=[services], id="fire-due-timers", **once
    )
    scheduler.add_job(
        handle_spooled,
        "interval",
        seconds=TICK_SECONDS,
        args=[services],
        id="handle-spooled-inbound",
        **once,
    )
    scheduler.add_job(
        duty.alert_overdue,
        "interval",
        seconds=duty.EVERY_SECONDS,
        args=[services],
        id="duty-alerts",
        **once,
    )
    scheduler.add_job(
        prune_processed_ids, "interval", hours=1, args=[services], id="prune-processed-ids", **once
    )
    scheduler.add_job(
        apply_retention,
        "interval",
        hours=24,
        args=[services],
        id="retention",
        next_run_time=services.clock.now() + timedelta(minutes=5),
        **once,
    )
    scheduler.start()
    return scheduler
