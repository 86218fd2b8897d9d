"""Sends due outgoing messages: send window, opt-outs, rate limits, retries, delivery state.

Every outgoing message is a row before anything is sent, so a crash loses nothing: a row that
was claimed but never recorded as sent is claimed again when its lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from datetime import timedelta

from bot.channels import SEND_TIMEOUT_SECONDS, Sender, SendError
from bot.clock import Clock
from flows.messages import Address, Channel
from flows.sendwindow import SendWindow
from storage import outbox as sql
from storage.db import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=15)
IDLE_POLL_SECONDS = 1.0


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... at most 15 minutes."""
    delay: timedelta = FIRST_RETRY * (2 ** max(0, attempts - 1))
    return min(delay, LONGEST_RETRY)


class Outbox:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        senders: Mapping[Channel, Sender],
        window: SendWindow,
        rates: Mapping[Channel, float],
        per_address_rates: Mapping[Channel, float] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._senders = senders
        self._window = window
        self._rates = rates
        self._per_address_rates = per_address_rates or {}
        # Claim about a second's worth at a time, so that an answer written while bulk messages
        # are going out waits for at most that much of them.
        slowest = min(rates.values(), default=10.0)
        self._batch = max(1, min(50, int(slowest)))
        self._lease = timedelta(seconds=SEND_TIMEOUT_SECONDS * 2 + self._batch / slowest * 2)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was written: look for due messages now instead of at the next poll."""
        self._wake.set()

    async def send_due(self) -> int:
        """Send everything due now, most urgent first. Returns how many sends were tried."""
        tried = 0
        while True:
            now = self._clock.now()
            async with self._db.write() as session:
                claimed, settled = await sql.claim_due(
                    session,
                    now,
                    window_open=self._window.contains(now),
                    limit=self._batch,
                    lease=self._lease,
                )
            if not settled:
                return tried
            for message in claimed:
                await self._send_one(message)
                tried += 1

    async def _send_one(self, message: sql.Claimed) -> None:
        channel = message.address.channel
        sender = self._senders.get(channel)
        if sender is None:
            async with self._db.write() as session:
                await sql.record_failed(
                    session,
                    message.id,
                    "no_channel",
                    f"the {channel} channel is not configured",
                    self._clock.now(),
                    opt_out_client=False,
                )
            return
        await self._wait_for_rate_slot(channel, message.address)
        now = self._clock.now()
        validity = None
        if message.expires_at is not None:
            validity = int((message.expires_at - now).total_seconds())
        try:
            sent = await sender.send(
                message.address, message.text, validity_seconds=validity, buttons=message.buttons
            )
        except SendError as exc:
            await self._record_error(message, exc)
            return
        async with self._db.write() as session:
            await sql.record_sent(
                session, message.id, sent.provider_id, sent.status, self._clock.now()
            )
        log.info("sent message %s on %s", message.id, channel)

    async def _wait_for_rate_slot(self, channel: Channel, address: Address) -> None:
        """Wait for the channel's shared slot and, where the channel limits each chat, the
        chat's own (Telegram: about 30 a second in all, one a second per chat)."""
        slots: list[tuple[str, float]] = []
        if rate := self._rates.get(channel):
            slots.append((channel.value, rate))
        if rate := self._per_address_rates.get(channel):
            slots.append((address.value, rate))
        for name, per_second in slots:
            async with self._db.write() as session:
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

    async def _record_error(self, message: sql.Claimed, exc: SendError) -> None:
        now = self._clock.now()
        async with self._db.write() as session:
            if exc.transient and message.attempts < MAX_ATTEMPTS:
                wait = backoff(message.attempts)
                if exc.retry_after is not None:  # the provider said how long: wait that long
                    wait = max(wait, timedelta(seconds=exc.retry_after))
                retry_at = now + wait
                await sql.record_retry(session, message.id, exc.code, str(exc), retry_at)
                log.warning("message %s: %s; retrying at %s", message.id, exc, retry_at)
            else:
                await sql.record_failed(
                    session, message.id, exc.code, str(exc), now, opt_out_client=exc.opted_out
                )
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
