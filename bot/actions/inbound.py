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

import asyncio
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
# Writes waiting in this process beyond which an ordinary message is kept in the spool first.
BURST_WAITING = 32
BURST_REASON = "kept under a burst"


class NotStored(Exception):
    """Neither the engine nor the spool could store the message: the provider must send it
    again (the webhook answers 503)."""


def _worth_again(exc: BaseException) -> bool:
    """A passing database fault, or the unique-address race of two first messages from one
    new number on PostgreSQL (the loser, run again, finds the client made)."""
    return isinstance(exc, IntegrityError) or is_transient(exc)


async def _through_engine(
    services: Services, inbound: Inbound, spool_id: int | None = None, *, urgent: bool = False
) -> engine.InboundResult:
    """One transaction: the engine, and the spool row marked done when it came from there. An
    ``urgent`` one (a message that suggests a risk of harm) goes before the ordinary ones
    waiting."""
    async with change(services, urgent=urgent) as uow:
        result = await engine.handle_inbound(
            uow, inbound, services.settings.service, services.clock.now()
        )
        if spool_id is not None:
            await inbound_spool.mark_done(uow.session, spool_id)
        return result


async def receive(services: Services, inbound: Inbound) -> engine.InboundResult | None:
    """Run one inbound message through the engine (its outbox woken once it commits), trying a
    passing fault again after a short back-off. If it still fails, for any reason, keep the
    message in the spool instead and return None; raise ``NotStored`` if even that fails.

    Under a burst (``BURST_WAITING`` writes already waiting in this process, or a backlog not
    yet caught up: ``bot.signals.InboundBacklog``) an ordinary message is kept in the spool at
    once, which is quick, and handled in its turn by ``drain_backlog``; a message that
    suggests a risk of harm is handled at once, ahead of the rest."""
    urgent = bool(safety.concerns(inbound.text))
    backlog = services.inbound_backlog
    if not urgent and (backlog.behind or services.db.writes_waiting() >= BURST_WAITING):
        await _spool(services, inbound, BURST_REASON, kept_back=True)
        backlog.keep()
        return None
    reason = "unknown"
    for attempt in range(ATTEMPTS):
        try:
            return await _through_engine(services, inbound, urgent=urgent)
        except Exception as exc:
            reason = type(exc).__name__
            if attempt + 1 == ATTEMPTS or not _worth_again(exc):
                break
            await services.clock.sleep(BACKOFF_SECONDS * 2**attempt)
    await _spool(services, inbound, reason)
    return None


async def _spool(
    services: Services, inbound: Inbound, reason: str, *, kept_back: bool = False
) -> None:
    """Keep the message in a transaction of its own (tried twice on a passing fault), logged
    as a warning. One ``kept_back`` under a burst is no fault, so not logged, and its write
    is urgent: it is quick, and answering frees the provider's connection."""
    channel = inbound.address.channel.value
    for attempt in range(2):
        try:
            async with services.db.write(urgent=kept_back) as session:
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
        if not kept_back:
            log.warning("an inbound %s message was kept in the spool (%s)", channel, reason)
        return


async def drain_backlog(services: Services, stop: asyncio.Event) -> None:
    """Handle what a burst kept in the spool as soon as it is kept, until ``stop`` is set; once
    nothing is due and nothing more was kept meanwhile, the process has caught up."""
    backlog = services.inbound_backlog
    while not stop.is_set():
        backlog.woken.clear()
        kept = backlog.kept
        try:
            handled = await handle_spooled(services)
        except Exception:
            log.exception("the inbound backlog could not be handled; trying again shortly")
            handled = 0
        if handled:
            continue
        if backlog.kept == kept:
            backlog.behind = False
        waiter = asyncio.ensure_future(backlog.woken.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper}, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiter, stopper):
            task.cancel()


async def handle_spooled(services: Services) -> int:
    """The tick: handle the spooled messages that are due, each through the engine as
    ``receive`` does, one batch at a time in a process (so that they keep their order). A
    passing fault keeps a message pending, tried again with a growing back-off; one failing
    for a reason of its own is given up on (``failed``) after ``SPOOL_TRIES`` tries. Returns
    how many were handled."""
    async with services.inbound_backlog.draining:
        return await _handle_spooled(services)


async def _handle_spooled(services: Services) -> int:
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
