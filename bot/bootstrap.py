"""``build()``: the one place where settings, database, clock, channels and outbox are wired.

``bot.runtime`` runs what is built here (the web server, the outbox, Telegram, the
scheduler); ``bot.actions`` does the work with it."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

from bot.channels import Sender, telegram
from bot.channels.email import SmtpEmail
from bot.channels.simulator import SimulatorSender
from bot.channels.sms import TwilioSms
from bot.channels.telegram import TelegramChannel
from bot.channels.voice import VOICE_RATE, TwilioVoice
from bot.channels.vonage import VonageSms
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.outbox import Outbox
from bot.signals import InboundBacklog, SessionsEnded
from flows import texts
from flows.calendar import WorkingDays
from flows.messages import Channel
from storage.db import Database
from storage.directory import DirectoryCache


@dataclass
class Services:
    """What the running bot is made of, built once by ``build``. Everything that uses them gets
    them passed in: there are no module-level engines, clients or settings."""

    settings: Settings
    clock: Clock
    db: Database
    senders: dict[Channel, Sender]
    outbox: Outbox
    calendar: WorkingDays
    directory: DirectoryCache = field(default_factory=DirectoryCache)
    sessions_ended: SessionsEnded = field(default_factory=SessionsEnded)
    inbound_backlog: InboundBacklog = field(default_factory=InboundBacklog)

    async def close(self) -> None:
        every = {id(s): s for s in [*self.senders.values(), *self.outbox.senders()]}
        for sender in every.values():
            await sender.close()
        await self.db.dispose()


def build(
    settings: Settings, *, clock: Clock | None = None, ssl_context: ssl.SSLContext | None = None
) -> Services:
    """Wire everything from settings. Call inside a running event loop (HTTP clients need one).

    ``ssl_context`` is for e-mail and Vonage: tests pass one that trusts their own servers."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    senders: dict[Channel, Sender] = {}
    rates: dict[str, float] = {}
    if settings.sms_enabled:
        senders[Channel.SMS] = TwilioSms(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from,
            settings.twilio_api_base_url,
            f"{settings.public_base_url}/sms/status",
        )
        rates["twilio"] = settings.twilio_max_rate
    per_address: dict[Channel, float] = {}
    if settings.telegram_enabled:
        senders[Channel.TELEGRAM] = TelegramChannel(
            settings.telegram_bot_token, settings.telegram_api_base_url
        )
        rates["telegram"] = telegram.GLOBAL_RATE
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
    routes: dict[Channel, list[Sender]] = {channel: [sender] for channel, sender in senders.items()}
    if settings.voice_enabled:  # calls to landlines, from the same Twilio number
        routes[Channel.VOICE] = [
            TwilioVoice(
                settings.twilio_account_sid,
                settings.twilio_auth_token,
                settings.twilio_from,
                settings.twilio_api_base_url,
                settings.public_base_url,
            )
        ]
        rates["twilio_voice"] = VOICE_RATE
    if settings.vonage_enabled:
        routes[Channel.SMS].append(
            VonageSms(
                settings.vonage_api_key,
                settings.vonage_api_secret,
                settings.vonage_from,
                settings.vonage_api_base_url,
                f"{settings.public_base_url}/sms/vonage/status",
                ssl_context=ssl_context,
            )
        )
        rates["vonage"] = settings.vonage_max_rate
    directory = DirectoryCache()
    calendar = settings.calendar
    outbox = Outbox(
        db,
        clock,
        routes,
        settings.window,
        rates,
        per_address,
        calendar=calendar,
        directory=directory,
        deadline=settings.delivery_deadline_delta,
        failover_after=settings.sms_failover_after,
    )
    return Services(settings, clock, db, senders, outbox, calendar, directory)
