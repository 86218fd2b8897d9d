"""Delivery problems for the tests: for a client of each of two practices, messages not
delivered, waiting long or only held back, timers failed or being tried again; and inbound
messages kept. Written through storage as the engine and the outbox write them; the fields the
outbox sets on a claim (the provider, the tries) are set on the row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from flows.messages import Address, OutgoingDraft, Priority
from storage import outbox
from storage.tables import ClientRow, InboundSpoolRow, MessageRow, ReferralRow, TimerRow
from storage.unit import SqlUnit
from tests.conftest import Bot
from tests.support.staff_web import referred_case

ANN, BEA = "+447700900201", "+447700900202"
KEPT_FROM = "+447700900777"
WORDS = "my neighbour Jim keeps shouting"  # what a kept message says: never shown


@dataclass
class World:
    ann: int  # Pemberton's client (P92001)
    ann_case: int
    bea: int  # Standish's client (P92002)
    bea_case: int


async def _client(bot: Bot, phone: str) -> int:
    async with bot.services.db.read() as session:
        row = (
            await session.execute(select(ClientRow).where(ClientRow.phone == phone))
        ).scalar_one()
    assert row.id is not None
    return row.id


async def message(
    bot: Bot,
    client_id: int | None,
    *,
    written: datetime,
    not_before: datetime | None = None,
    case_id: int | None = None,
    referral_id: int | None = None,
    address: str = "tel:" + ANN,
) -> int:
    """An outgoing message, written as the engine writes one."""
    async with bot.services.db.write() as session:
        uow = SqlUnit(session, bot.services.directory, bot.services.calendar)
        return await uow.messages.add_outgoing(
            OutgoingDraft(
                client_id=client_id,
                address=Address(address),
                text="See you on Tuesday",
                kind="staff_reply",
                priority=Priority.REPLY,
                not_before=not_before or written,
                written_at=written,
                case_id=case_id,
                referral_id=referral_id,
            )
        )


CLAIM = "a test's claim"  # as the outbox holds a message while it tries it


async def failed(bot: Bot, message_id: int, provider: str, code: str) -> None:
    """Every try failed, the last with ``provider`` (which the outbox records on its claim)."""
    async with bot.services.db.write() as session:
        row = await session.get(MessageRow, message_id)
        assert row is not None
        row.attempts, row.status, row.claimed_by = 3, "sending", CLAIM
        await outbox.record_failed(
            session,
            message_id,
            CLAIM,
            provider,
            code,
            "The number is not reachable",
            bot.clock.now(),
            opt_out_client=False,
        )


async def _tried(bot: Bot, message_id: int, provider: str, retry_at: datetime) -> None:
    """Tried twice, and due to be tried again."""
    async with bot.services.db.write() as session:
        row = await session.get(MessageRow, message_id)
        assert row is not None
        row.attempts, row.status, row.claimed_by = 2, "sending", CLAIM
        await outbox.record_retry(
            session, message_id, CLAIM, provider, "20429", "Too many requests", retry_at
        )


async def _timer(
    bot: Bot, client_id: int, kind: str, status: str, attempts: int, error: str
) -> None:
    now = bot.clock.now()
    async with bot.services.db.write() as session:
        await SqlUnit(session, bot.services.directory, bot.services.calendar).timers.set(
            client_id, kind, now - timedelta(hours=1), now
        )
        row = (
            await session.execute(
                select(TimerRow).where(TimerRow.client_id == client_id, TimerRow.kind == kind)
            )
        ).scalar_one()
        row.status, row.attempts, row.error = status, attempts, error


async def _kept(bot: Bot, status: str, attempts: int, error: str) -> None:
    """An inbound text kept because the database was in trouble when it came."""
    now = bot.clock.now()
    payload = {"address": "tel:" + KEPT_FROM, "text": WORDS, "provider_id": "SM1"}
    async with bot.services.db.write() as session:
        session.add(
            InboundSpoolRow(
                channel="sms",
                provider_id="SM" + str(attempts),
                payload=json.dumps(payload),
                status=status,
                attempts=attempts,
                next_at=now + timedelta(minutes=1),
                error=error,
                received_at=now - timedelta(minutes=30),
            )
        )


async def world_of(bot: Bot) -> World:
    """For each practice's client: a failed message, one waiting long, one only held back by
    the send window, a failed timer and one being tried again; and kept inbound messages."""
    ann_case = int(await referred_case(bot, "P92001", ANN, "Ann Lee"))
    bea_case = int(await referred_case(bot, "P92002", BEA, "Bea Park"))
    ann, bea = await _client(bot, ANN), await _client(bot, BEA)
    now = bot.clock.now()
    await failed(
        bot,
        await message(bot, ann, written=now - timedelta(hours=3), case_id=ann_case),
        "vonage",
        "30003",
    )
    await failed(bot, await message(bot, bea, written=now - timedelta(hours=2)), "twilio", "30005")
    async with bot.services.db.read() as session:
        referral = (
            await session.execute(select(ReferralRow.id).where(ReferralRow.client_id == bea))
        ).scalar_one()
    to_referrer = await message(
        bot,
        None,
        written=now - timedelta(hours=1),
        referral_id=referral,
        address="tel:+447700900999",
    )
    await failed(bot, to_referrer, "twilio", "30006")
    waiting = await message(bot, ann, written=now - timedelta(minutes=40))
    await _tried(bot, waiting, "twilio", now + timedelta(minutes=5))
    await _tried(
        bot,
        await message(bot, bea, written=now - timedelta(minutes=50)),
        "vonage",
        now + timedelta(minutes=5),
    )
    # Held until the window opens, never tried: not a problem.
    await message(bot, ann, written=now - timedelta(hours=2), not_before=now + timedelta(hours=9))
    await _timer(bot, ann, "reminder", "failed", 0, "ann-timer-trouble")
    await _timer(bot, ann, "follow_up", "pending", 2, "database is locked")
    await _timer(bot, bea, "reminder", "failed", 0, "bea-timer-trouble")
    await _kept(bot, "failed", 5, "database unavailable")
    await _kept(bot, "pending", 1, "deadlock detected")
    return World(ann, ann_case, bea, bea_case)
