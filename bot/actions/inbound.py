"""A message from a person, by any channel: through the engine in one transaction."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.actions.unit import change
from bot.bootstrap import Services
from flows import engine
from flows.messages import Inbound


async def receive(services: Services, inbound: Inbound) -> engine.InboundResult:
    """Run one inbound message through the engine, then wake the outbox.

    Two first messages from one new number can race on PostgreSQL; the loser's transaction
    fails on the unique address and is simply run again, finding the client made.
    """
    for attempt in range(3):
        try:
            async with change(services) as uow:
                return await engine.handle_inbound(
                    uow, inbound, services.settings.service, services.clock.now()
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
