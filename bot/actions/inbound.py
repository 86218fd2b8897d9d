"""A message from a person, by any channel: through the engine in one transaction, or, when
the database will not take it, kept in the inbound spool (``storage.inbound_spool``) and
handled by a tick once it will.

A webhook answers the provider 200 only once the message is stored one way or the other: as
the engine's message row, or as a spool row. When neither can be written ``receive`` raises
``NotStored`` and the webhook answers 503, so that the provider sends it again.

A message handled twice has one effect: the engine drops a repeated provider id, and a spooled
message is marked done in the very transaction that handles it, so one without a provider id
(the simulator's) is handled once too.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from bot.actions.unit import change
from bot.bootstrap import Services
from flows import engine, safety
from flows.messages import Inbound
from storage import inbound_spool
from storage.db import is_transient
from storage.inbound_spool import Spooled

log = logging.getLogger(__name__)

ATTEMPTS = 3  # tries through the engine while the webhook waits
BACKOFF_SECONDS = 0.05  # before the second try; doubled before each next one
SPOOL_BATCH = 50
SPOOL_LEASE = timedelta(minutes=2)  # a claimed row not settled by then is taken again
SPOOL_FIRST_RETRY = timedelta(seconds=15)  # doubled after each try ...
SPOOL_LONGEST_RETRY = timedelta(minutes=5)  # ... up to this
SPOOL_TRIES = 5  # a row failing for a reason of its own this often is given up on


class NotStored(Exception):
    """Neither the engine nor the spool could store the message: the provider must send it
    again (the webhook answers 503)."""


def _worth_again(exc: BaseException) -> bool:
    """A passing database fault, or the unique-address race of two first messages from one
    new number on PostgreSQL (the loser, run again, finds the client made)."""
    return isinstance(exc, IntegrityError) or is_transient(exc)


async def _through_engine(
    services: Services, inbound: Inbound, spool_id: int | None = None
) -> engine.InboundResult:
    """One transaction: the engine, and the spool row marked done when it came from there. A
    message that suggests a risk of harm goes before the ordinary ones waiting."""
    async with change(services, urgent=bool(safety.concerns(inbound.text))) as uow:
        result = await engine.handle_inbound(
            uow, inbound, services.settings.service, services.clock.now()
        )
        if spool_id is not None:
            await inbound_spool.mark_done(uow.session, spool_id)
        return result


async def receive(services: Services, inbound: Inbound) -> engine.InboundResult | None:
    """Run one inbound message through the engine (its outbox woken once it commits), trying a
    passing fault again after a short back-off. If it still fails, for any reason, keep the
    message in the spool instead and return None; raise ``NotStored`` if even that fails."""
    reason = "unknown"
    for attempt in range(ATTEMPTS):
        try:
            return await _through_engine(services, inbound)
        except Exception as exc:
            reason = type(exc).__name__
            if attempt + 1 == ATTEMPTS or not _worth_again(exc):
                break
            await services.clock.sleep(BACKOFF_SECONDS * 2**attempt)
    await _spool(services, inbound, reason)
    return None


async def _spool(services: Services, inbound: Inbound, reason: str) -> None:
    """Keep the message in a transaction of its own (tried twice on a passing fault)."""
    channel = inbound.address.channel.value
    for attempt in range(2):
        try:
            async with services.db.write() as session:
                await inbound_spool.add(session, inbound, reason, services.clock.now())
        except Exception as exc:
            if attempt == 0 and is_transient(exc):
                await services.clock.sleep(BACKOFF_SECONDS)
                continue
            log.error(
                "an inbound %s message could not be handled (%s) nor kept (%s): "
                "the provider is asked to send it again",
                channel,
                reason,
                type(exc).__name__,
            )
            raise NotStored from None
        log.warning("an inbound %s message was kept in the spool (%s)", channel, reason)
        return


async def handle_spooled(services: Services) -> int:
    """The tick: handle the spooled messages that are due, each through the engine as
    ``receive`` does. A passing fault keeps a message pending, tried again with a growing
    back-off; one failing for a reason of its own is given up on (``failed``) after
    ``SPOOL_TRIES`` tries. Returns how many were handled."""
    try:
        async with services.db.write() as session:
            due = await inbound_spool.claim_due(
                session, services.clock.now(), limit=SPOOL_BATCH, lease=SPOOL_LEASE
            )
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("the inbound spool could not be read (%s)", type(exc).__name__)
        return 0
    handled = 0
    for item in due:
        try:
            await _through_engine(services, item.inbound, item.id)
        except Exception as exc:
            await _not_yet(services, item, exc)
        else:
            handled += 1
    if handled:
        log.info("handled %d spooled inbound messages", handled)
    return handled


async def _not_yet(services: Services, item: Spooled, exc: Exception) -> None:
    """Settle a spooled message that failed again: later, or given up on."""
    reason = type(exc).__name__
    passing = is_transient(exc)
    try:
        async with services.db.write() as session:
            if passing or item.attempts < SPOOL_TRIES:
                doubled = SPOOL_FIRST_RETRY * 2 ** min(10, max(0, item.attempts - 1))
                wait = min(doubled, SPOOL_LONGEST_RETRY)
                at = services.clock.now() + wait
                await inbound_spool.retry_later(session, item.id, reason, at)
            else:
                await inbound_spool.mark_failed(session, item.id, reason)
    except Exception as again:
        # Its lease runs out and it is taken again.
        log.warning(
            "spooled inbound message %d failed (%s) and could not be updated (%s)",
            item.id,
            reason,
            type(again).__name__,
        )
        return
    if passing or item.attempts < SPOOL_TRIES:
        log.warning(
            "spooled inbound message %d failed (%s); try %d", item.id, reason, item.attempts
        )
    else:
        log.error(
            "spooled inbound message %d failed %d times (%s): given up",
            item.id,
            item.attempts,
            reason,
        )
