"""``build()``: the one place where settings, database, clock, channels and outbox are wired."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from bot.channels import Sender, telegram
from bot.channels.email import SmtpEmail
from bot.channels.simulator import SimulatorSender
from bot.channels.sms import TwilioSms
from bot.channels.telegram import TelegramChannel
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.outbox import Outbox
from flows import engine, texts
from flows.messages import Channel, Inbound
from storage.db import Database
from storage.directory import DirectoryCache
from storage.timers import SqlTimers
from storage.unit import SqlUnit

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    senders: dict[Channel, Sender]
    outbox: Outbox
    directory: DirectoryCache = field(default_factory=DirectoryCache)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def receive(self, inbound: Inbound) -> engine.InboundResult:
        """Run one inbound message through the engine in a transaction, then nudge the outbox.

        Two first messages from one new number can race on PostgreSQL; the loser's transaction
        fails on the unique address and is simply run again, finding the client made.
        """
        for attempt in range(3):
            try:
                async with self.db.write() as session:
                    result = await engine.handle_inbound(
                        SqlUnit(session, self.directory),
                        inbound,
                        self.settings.service,
                        self.clock.now(),
                    )
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        self.outbox.wake()
        return result

    async def fire_due(self) -> int:
        """Fire every timer due now, each in its own transaction. Returns how many fired.

        A timer whose handling fails is marked failed (and logged) rather than retried for
        ever; the others still fire."""
        fired = 0
        while True:
            now = self.clock.now()
            timer_id: int | None = None
            try:
                async with self.db.write() as session:
                    uow = SqlUnit(session, self.directory)
                    timer = await uow.timers.claim_next(now)
                    if timer is None:
                        break
                    timer_id = timer.id
                    await engine.fire_timer(uow, timer, self.settings.service, now)
            except Exception:
                if timer_id is None:
                    log.exception("could not claim due timers; trying again at the next tick")
                    break
                log.exception("timer %s failed; marking it failed", timer_id)
                async with self.db.write() as session:
                    await SqlTimers(session).mark(timer_id, "failed")
                continue
            fired += 1
        if fired:
            self.outbox.wake()
        return fired

    def start_background(self) -> None:
        """Start sending, and the channels that need a task of their own."""
        self._tasks.append(asyncio.create_task(self.outbox.run(self._stop), name="outbox"))
        self.start_channels()

    def start_channels(self) -> None:
        """Telegram: register its webhook, or start long polling."""
        channel = self.senders.get(Channel.TELEGRAM)
        if isinstance(channel, TelegramChannel):
            secret = self.settings.telegram_webhook_secret
            if secret:
                url = f"{self.settings.public_base_url}/telegram/webhook"
                self._tasks.append(
                    asyncio.create_task(
                        self._register_webhook(channel, url, secret), name="telegram-webhook"
                    )
                )
            else:
                self._tasks.append(
                    asyncio.create_task(
                        channel.poll(self.receive, self.clock.now, self._stop), name="telegram-poll"
                    )
                )

    async def _register_webhook(self, channel: TelegramChannel, url: str, secret: str) -> None:
        try:
            await channel.register_webhook(url, secret)
            log.info("Telegram webhook registered")
        except Exception:
            log.exception("could not register the Telegram webhook; Telegram will not deliver")

    async def close(self) -> None:
        self._stop.set()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sender in self.senders.values():
            await sender.close()
        await self.db.dispose()


def build(
    settings: Settings, *, clock: Clock | None = None, ssl_context: ssl.SSLContext | None = None
) -> Services:
    """Wire everything from settings. Call inside a running event loop (HTTP clients need one).

    ``ssl_context`` is for e-mail: tests pass one that trusts their own SMTP server."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    senders: dict[Channel, Sender] = {}
    rates: dict[Channel, float] = {}
    if settings.sms_enabled:
        senders[Channel.SMS] = TwilioSms(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from,
            settings.twilio_api_base_url,
            f"{settings.public_base_url}/sms/status",
        )
        rates[Channel.SMS] = settings.twilio_max_rate
    per_address: dict[Channel, float] = {}
    if settings.telegram_enabled:
        senders[Channel.TELEGRAM] = TelegramChannel(
            settings.telegram_bot_token, settings.telegram_api_base_url
        )
        rates[Channel.TELEGRAM] = telegram.GLOBAL_RATE
        per_address[Channel.TELEGRAM] = telegram.PER_CHAT_RATE
    if settings.simulator_enabled:
        senders[Channel.SIMULATOR] = SimulatorSender()
    if settings.email_enabled:
        senders[Channel.EMAIL] = SmtpEmail(
            settings.smtp_url,
            settings.email_from,
            texts.EMAIL_SUBJECT.format(service=settings.service_name),
            ssl_context=ssl_context,
        )
    outbox = Outbox(db, clock, senders, settings.window, rates, per_address)
    return Services(settings, clock, db, senders, outbox)
