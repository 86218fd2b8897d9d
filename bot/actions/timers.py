"""Firing the timers that are due: reminders, check-ins, nudges, campaign sends.

Each timer fires in a transaction of its own. A passing database fault (``storage.db.
is_transient``: a lock, a deadlock, a lost connection) leaves it pending, due again a little
later; any other error is a fault in the work, and the timer is marked failed in a fresh
transaction. Either way the others still fire. What a timer is for is checked again each time
it fires (a reminder after its session has started is dropped, not sent), so a late retry
never sends what is no longer of use. The lock order is in storage/timers.py.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime

from bot.actions.unit import change
from bot.bootstrap import Services
from flows import engine
from flows.model import DueTimer
from storage.db import fault_reason, is_transient

log = logging.getLogger(__name__)


class _Next(enum.Enum):
    FIRED = "fired"
    PASSED = "passed"  # nothing of this client's could be taken after all
    RETRY = "retry"
    FAILED = "failed"
    STOP = "stop"  # nothing more is due, or the database cannot be reached this tick


async def fire_due(services: Services) -> int:
    """Fire every timer due now, each in its own transaction. Returns how many fired.

    A client someone else holds (a message of theirs being handled, another instance firing
    one of theirs) is passed over: their timers fire at the next tick."""
    fired = 0
    passed: set[int] = set()
    while (done := await _fire_next(services, passed)) is not _Next.STOP:
        fired += done is _Next.FIRED
    return fired


async def _fire_next(services: Services, passed: set[int]) -> _Next:
    now = services.clock.now()
    timer: DueTimer | None = None
    try:
        async with change(services) as uow:
            claim = await uow.timers.claim_next(now, passed)
            if claim is None:
                return _Next.STOP
            if claim.timer is None:
                passed.add(claim.client_id)
                return _Next.PASSED
            timer = claim.timer
            await engine.fire_timer(uow, timer, services.settings.service, now)
    except Exception as exc:
        if timer is None:
            log.warning(
                "could not look for due timers (%s); trying at the next tick", fault_reason(exc)
            )
            return _Next.STOP
        return await _after_fault(services, timer, exc, now)
    return _Next.FIRED


async def _after_fault(services: Services, timer: DueTimer, exc: Exception, now: datetime) -> _Next:
    """Record why the timer did not fire, in a fresh transaction: tried again later after a
    passing fault, failed for good after any other."""
    why, passing = fault_reason(exc), is_transient(exc)
    try:
        async with change(services) as uow:
            if passing:
                attempts = await uow.timers.retry(timer.id, now, why)
            else:
                attempts = 0 if await uow.timers.fail(timer.id, why) else None
    except Exception as again:
        log.warning(
            "timer %s (%s): %s, and recording it met %s; trying at the next tick",
            timer.id,
            timer.kind,
            why,
            fault_reason(again),
        )
        return _Next.STOP
    if attempts is None:  # it fired after all (the fault came after the commit), or was changed
        log.warning("timer %s (%s): %s; it is no longer pending", timer.id, timer.kind, why)
        return _Next.PASSED
    if passing:
        log.warning(
            "timer %s (%s) met a passing fault (%s); try %s, trying again later",
            timer.id,
            timer.kind,
            why,
            attempts,
        )
        return _Next.RETRY
    log.error("timer %s (%s) failed: %s; marked failed", timer.id, timer.kind, why, exc_info=exc)
    return _Next.FAILED
