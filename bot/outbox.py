"""Sends due outgoing messages: send window, opt-outs, rate limits, retries until each message's
deadline, failover to a second provider, delivery state.

Every outgoing message is a row before anything is sent, so a crash loses nothing: a row that
was claimed but never recorded as sent is claimed again when its lease runs out, and a result
is recorded only by the sender that still holds the claim. A message is tried until its
deadline (its own, or ``deadline`` after it was written); one that cannot be sent by then, or
that a provider refuses for good, is failed and a case opened for a person in the same
transaction. A provider that keeps failing is marked down (``storage.provider_health``): its
messages go by the channel's next provider, or wait for it to answer a probe.

Its own writes are urgent (``storage.db.Database.write``): under a burst of webhooks, what is
already written keeps going out instead of waiting behind every message still coming in.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.channels import SEND_TIMEOUT_SECONDS, Sender, SendError
from bot.clock import Clock
from bot.routes import Routes
from flows.calendar import WorkingDays
from flows.engine.delivery import undelivered
from flows.messages import Address, Channel
from flows.sendwindow import SendWindow
from storage import claims, unit
from storage import outbox as sql
from storage.db import Database, fault_reason
from storage.directory import DirectoryCache

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=15)
UNEXPECTED_TRIES = 3  # an error no adapter expected: tried this often, then failed
SETTLE_EVERY = timedelta(seconds=30)  # how often messages past their deadline are failed
IDLE_POLL_SECONDS = 1.0
# Sends of one batch in flight at once, to different people (one person's go in turn): as many
# as the slowest provider's rate needs to keep going while each waits ROUND_TRIP_SECONDS for
# its answer, at most SENDS_IN_FLIGHT. At the default rates that is one, as it always was.
SENDS_IN_FLIGHT = 16
LEASE_SPARE_SECONDS = 2.0  # what a batch's claim lasts beyond a send's timeout, twice, at least
ROUND_TRIP_SECONDS = 0.05


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... at most 15 minutes."""
    delay: timedelta = FIRST_RETRY * (2 ** min(10, max(0, attempts - 1)))
    return min(delay, LONGEST_RETRY)


class Outbox:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        routes: Mapping[Channel, Sequence[Sender]],
        window: SendWindow,
        rates: Mapping[str, float],
        per_address_rates: Mapping[Channel, float] | None = None,
        *,
        calendar: WorkingDays,
        directory: DirectoryCache | None = None,
        deadline: timedelta = timedelta(hours=72),
        failover_after: int = 2,
    ) -> None:
        """``routes``: each channel's providers, first choice first. ``rates``: messages a
        second, by provider name, shared across instances."""
        self._db = db
        self._clock = clock
        self._routes = Routes(routes, failover_after)
        self._window = window
        self._rates = rates
        self._per_address_rates = per_address_rates or {}
        self._directory = directory or DirectoryCache()
        self._calendar = calendar
        self._deadline = deadline
        # Claim about a second's worth at a time, so that an answer written while bulk messages
        # are going out waits for at most that much of them.
        # Calls to landlines (session news only) are few and each waits for its own rate slot:
        # their slower rate does not size the batches of everything else.
        calls = {sender.name for sender in routes.get(Channel.VOICE, ())}
        sizing = [rate for name, rate in rates.items() if name not in calls]
        slowest = min(sizing or rates.values(), default=10.0)
        self._batch = max(1, min(50, int(slowest)))
        # Long enough for the batch and a last send to time out; at high rates, at least
        # LEASE_SPARE_SECONDS over that, or the claim is renewed before nearly every send.
        spare = max(self._batch / slowest * 2, LEASE_SPARE_SECONDS)
        self._lease = timedelta(seconds=SEND_TIMEOUT_SECONDS * 2 + spare)
        self._in_flight = max(1, min(SENDS_IN_FLIGHT, math.ceil(slowest * ROUND_TRIP_SECONDS)))
        self._wake = asyncio.Event()
        self._claims = (f"{uuid.uuid4().hex[:12]}-{n}" for n in itertools.count())
        self._settled_at: datetime | None = None

    def senders(self) -> list[Sender]:
        """Every provider it sends through (to close them at shutdown)."""
        return self._routes.senders()

    def wake(self) -> None:
        """Something was written: look for due messages now instead of at the next poll."""
        self._wake.set()

    async def send_due(self) -> int:
        """Send everything due now, most urgent first. Returns how many sends were tried."""
        tried = 0
        while True:
            now = self._clock.now()
            if self._settled_at is None or now - self._settled_at >= SETTLE_EVERY:
                await self.settle_overdue()
            claim = next(self._claims)
            async with self._db.write(urgent=True) as session:
                closed, probes = await self._routes.look(session, now)
                taken = await claims.claim_due(
                    session,
                    now,
                    window_open=self._window.contains(now),
                    limit=self._batch,
                    lease=self._lease,
                    claim=claim,
                    deadline=self._deadline,
                    closed=closed,
                    probes=probes,
                )
            if not taken.settled:
                return tried
            await self._send_batch(taken.messages, now + self._lease)
            tried += len(taken.messages)

    async def settle_overdue(self) -> int:
        """Fail the messages past their deadline, each with a case for a person."""
        now = self._clock.now()
        self._settled_at = now
        failed = 0
        while True:
            async with unit.write(self._db, self._directory, self._calendar, urgent=True) as uow:
                overdue = await claims.settle_overdue(uow.session, now, self._deadline)
                for message in overdue:
                    await undelivered(uow, message, now)
            failed += len(overdue)
            if overdue:
                log.warning("%d messages were not sent before their deadline", len(overdue))
            if len(overdue) < 500:
                return failed

    async def _send_batch(self, messages: list[claims.Claimed], lease_ends: datetime) -> None:
        """Send the batch: each person's messages in turn, in the order claimed, and several
        people at once when the rate needs it (``SENDS_IN_FLIGHT``); the claim on those not yet
        done is renewed before it could run out. One message that cannot be handled never
        stops the others."""
        lease = _Lease(self._db, self._clock, self._lease, messages, lease_ends)
        by_person: dict[str, list[claims.Claimed]] = {}
        for message in messages:
            by_person.setdefault(message.address.value, []).append(message)
        people = iter(by_person.values())

        async def sender() -> None:
            for theirs in people:  # shared: each person's messages go with one sender
                await self._send_in_turn(theirs, lease)

        if self._in_flight == 1:
            await sender()
            return
        async with asyncio.TaskGroup() as group:
            for _ in range(min(self._in_flight, len(by_person))):
                group.create_task(sender())

    async def _send_in_turn(self, theirs: list[claims.Claimed], lease: _Lease) -> None:
        for message in theirs:
            try:
                held = await lease.still_held(message)
            except Exception as exc:  # the rest are taken again after the lease
                log.warning("the outbox could not renew its claim (%s)", fault_reason(exc))
                return
            if not held:
                log.warning("message %s was taken over by another sender", message.id)
                continue
            try:
                await self._send_one(message)
            except Exception:
                log.exception(
                    "message %s: not recorded; it is taken again after its lease", message.id
                )
            lease.done(message)

    async def _send_one(self, message: claims.Claimed) -> None:
        channel = message.address.channel
        if not self._routes.has(channel):
            await self._record_error(
                message,
                None,
                SendError(
                    f"the {channel} channel is not configured", code="no_channel", transient=False
                ),
            )
            return
        sender = self._routes.choose(message.address, message.priority, message.attempts)
        if sender is None:
            async with self._db.write(urgent=True) as session:
                await claims.release(session, message.id, message.claim)
            return
        await self._wait_for_rate_slot(sender, message.address)
        now = self._clock.now()
        validity = None
        if message.expires_at is not None:
            validity = int((message.expires_at - now).total_seconds())
        try:
            sent = await sender.send(
                message.address, message.text, validity_seconds=validity, buttons=message.buttons
            )
        except SendError as exc:
            await self._record_error(message, sender, exc)
            return
        except Exception as exc:
            log.warning("message %s: %s raised %s", message.id, sender.name, type(exc).__name__)
            unexpected = SendError(
                f"unexpected error: {type(exc).__name__}",
                code="error",
                transient=message.attempts < UNEXPECTED_TRIES,
            )
            await self._record_error(message, sender, unexpected, counts_as_down=False)
            return
        async with self._db.write(urgent=True) as session:
            await self._routes.answered(session, sender.name, now)
            recorded = await sql.record_sent(
                session,
                message.id,
                message.claim,
                sender.name,
                sent.provider_id,
                sent.status,
                self._clock.now(),
            )
        if recorded:
            log.info("sent message %s by %s", message.id, sender.name)
        else:
            log.warning("message %s was sent after another sender took it over", message.id)

    async def _wait_for_rate_slot(self, sender: Sender, address: Address) -> None:
        """Wait for the provider's shared slot and, where the channel limits each chat, the
        chat's own (Telegram: about 30 a second in all, one a second per chat)."""
        slots: list[tuple[str, float]] = []
        if rate := self._rates.get(sender.name):
            slots.append((sender.name, rate))
        if rate := self._per_address_rates.get(address.channel):
            slots.append((address.value, rate))
        for name, per_second in slots:
            async with self._db.write(urgent=True) as session:
                slot = await sql.take_rate_slot(
                    session,
                    name,
                    self._clock.now(),
                    # Rounded up to the microsecond, so that it never runs faster than the rate.
                    timedelta(microseconds=math.ceil(1_000_000 / per_second)),
                )
            wait = (slot - self._clock.now()).total_seconds()
            if wait > 0:
                await self._clock.sleep(wait)

    async def _record_error(
        self,
        message: claims.Claimed,
        sender: Sender | None,
        exc: SendError,
        *,
        counts_as_down: bool = True,
    ) -> None:
        """A passing fault is tried again later (the deadline ends it); anything else fails
        the message, with a case for a person, in the same transaction."""
        now = self._clock.now()
        name = sender.name if sender is not None else None
        async with unit.write(self._db, self._directory, self._calendar, urgent=True) as uow:
            if name is not None and counts_as_down and exc.transient:
                await self._routes.failed(uow.session, name, now)
            if exc.transient:
                wait = backoff(message.attempts)
                if exc.retry_after is not None:  # the provider said how long: wait that long
                    wait = max(wait, timedelta(seconds=exc.retry_after))
                await sql.record_retry(
                    uow.session, message.id, message.claim, name, exc.code, str(exc), now + wait
                )
                log.warning("message %s: %s; trying again at %s", message.id, exc, now + wait)
                return
            failed = await sql.record_failed(
                uow.session,
                message.id,
                message.claim,
                name,
                exc.code,
                str(exc),
                now,
                opt_out_client=exc.opted_out,
            )
            if failed is not None:
                await undelivered(uow, failed, now)
            log.warning("message %s failed: %s (code %s)", message.id, exc, exc.code)

    async def run(self, stop: asyncio.Event) -> None:
        """Send as messages fall due, until ``stop`` is set."""
        while not stop.is_set():
            self._wake.clear()  # before the pass: a wake during it starts another at once
            try:
                await self.send_due()
            except Exception:
                log.exception("outbox pass failed; trying again shortly")
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=IDLE_POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            for task in (waiter, stopper):
                task.cancel()


class _Lease:
    """A batch's claim, renewed for the messages not yet done whenever it could run out before
    a send starting now has ended; one renewal at a time."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        length: timedelta,
        messages: Sequence[claims.Claimed],
        ends: datetime,
    ) -> None:
        self._db, self._clock, self._length, self._ends = db, clock, length, ends
        self._claim = messages[0].claim if messages else ""
        self._waiting = {message.id for message in messages}  # held and not yet done
        self._renewing = asyncio.Lock()

    async def still_held(self, message: claims.Claimed) -> bool:
        """Whether the claim on ``message`` still holds for a whole send (renewed if need be)."""
        async with self._renewing:
            now = self._clock.now()
            if self._waiting and self._ends - now < timedelta(seconds=SEND_TIMEOUT_SECONDS * 2):
                self._ends = now + self._length
                async with self._db.write(urgent=True) as session:
                    self._waiting = await claims.renew(
                        session, self._waiting, self._claim, self._ends
                    )
        return message.id in self._waiting

    def done(self, message: claims.Claimed) -> None:
        self._waiting.discard(message.id)
