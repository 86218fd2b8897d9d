"""Firing the timers that are due: reminders, check-ins, nudges, campaign sends."""

from __future__ import annotations

import logging

from bot.actions.unit import change
from bot.bootstrap import Services
from flows import engine

log = logging.getLogger(__name__)


async def fire_due(services: Services) -> int:
    """Fire every timer due now, each in its own transaction. Returns how many fired.

    A timer whose handling fails is marked failed (and logged) rather than retried for ever;
    the others still fire."""
    fired = 0
    while True:
        now = services.clock.now()
        timer_id: int | None = None
        try:
            async with change(services) as uow:
                timer = await uow.timers.claim_next(now)
                if timer is None:
                    break
                timer_id = timer.id
                await engine.fire_timer(uow, timer, services.settings.service, now)
        except Exception:
            if timer_id is None:
                log.exception("could not claim due timers; trying again at the next tick")
                break
            log.exception("timer %s failed; marking it failed", timer_id)
            async with change(services) as uow:
                await uow.timers.mark(timer_id, "failed")
            continue
        fired += 1
    return fired
