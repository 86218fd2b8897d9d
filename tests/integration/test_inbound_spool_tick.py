"""The scheduler runs the inbound spool's tick every few seconds, one at a time."""

from __future__ import annotations

from apscheduler.triggers.interval import IntervalTrigger

from bot import scheduler
from bot.actions.inbound import handle_spooled
from tests.conftest import Bot


async def test_the_spool_tick_is_scheduled_every_few_seconds_one_at_a_time(bot: Bot) -> None:
    ticks = scheduler.start(bot.services)
    try:
        job = ticks.get_job("handle-spooled-inbound")
        assert job is not None
        assert job.func is handle_spooled and job.args == (bot.services,)
        assert job.max_instances == 1
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval.total_seconds() == scheduler.TICK_SECONDS <= 10
    finally:
        ticks.shutdown(wait=False)
