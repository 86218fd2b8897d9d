"""Delivery problems: what did not reach people, and what is stuck, so nothing fails silently.

A link worker sees the messages and timers of the clients they may see (``storage.access``);
admins see all of them, and the inbound messages kept because they could not be handled when
they came. Showing a kept message's sender to an admin is audited; its words are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.actions.errors import Invalid
from bot.actions.unit import look, viewed
from bot.bootstrap import Services
from flows.model import StaffUser
from storage import delivery_problems
from storage.delivery_problems import Counts, KeptInbound, Listed, MessageProblem, TimerProblem

LIMIT = 200  # rows of each list shown; the rest are counted
MAX_LIMIT = 500
MARK_DAYS = 14  # the queue's mark counts the problems of this many days


@dataclass(frozen=True, slots=True)
class Problems:
    not_delivered: Listed[MessageProblem]
    waiting: Listed[MessageProblem]
    timers: Listed[TimerProblem]
    inbound: Listed[KeptInbound] | None  # None: not the user's to see (admins only)

    @property
    def any(self) -> bool:
        lists = (self.not_delivered, self.waiting, self.timers, self.inbound)
        return any(listed is not None and listed.total for listed in lists)


def sees_kept_inbound(user: StaffUser) -> bool:
    """Kept inbound messages belong to no client yet, so they are the service's: admins'."""
    return user.is_admin


async def problems(services: Services, user: StaffUser, limit: int = LIMIT) -> Problems:
    """Every delivery problem the user may see, each list up to ``limit`` long."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit: a whole number from 1 to {MAX_LIMIT}.")
    now = services.clock.now()
    async with viewed(services, user.id, "view_kept_inbound") as viewing:
        session = viewing.uow.session
        inbound = None
        if sees_kept_inbound(user):
            inbound = await delivery_problems.kept_inbound(session, now, limit)
            if inbound.rows:
                viewing.saw("inbound_spool")
        return Problems(
            not_delivered=await delivery_problems.not_delivered(session, user, limit),
            waiting=await delivery_problems.waiting_long(session, user, now, limit),
            timers=await delivery_problems.timers(session, user, limit),
            inbound=inbound,
        )


async def recent(services: Services, user: StaffUser) -> Counts:
    """What the queue's mark counts: the problems of the last ``MARK_DAYS`` days the user may
    see. One statement: the queue page is open all day."""
    since = services.clock.now() - timedelta(days=MARK_DAYS)
    async with look(services) as uow:
        return await delivery_problems.counts(
            uow.session, user, since, inbound=sees_kept_inbound(user)
        )
