"""No inbound message is lost to database trouble: real faults in the real database (triggers
that fail an insert: ``tests.support.db_faults``), never a mock of linkbot.

A text that cannot be handled is kept in the inbound spool and answered 200; once the fault
clears, the tick handles it and the reply goes out, once. One that keeps failing for a reason
of its own ends ``failed``; a passing fault keeps it pending with a capped back-off. When even
the spool cannot be written the webhook answers 503 and leaves nothing half-done.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from twilio.request_validator import RequestValidator

from bot.actions.inbound import SPOOL_LONGEST_RETRY, SPOOL_TRIES, handle_spooled
from bot.web.hooks.twilio import RETRY_FRAGMENT
from flows import texts
from storage.tables import ClientRow, InboundSpoolRow, MessageRow, ProcessedUpdateRow
from testkit.fake_twilio import AUTH_TOKEN, sign
from tests.conftest import Bot
from tests.support.db_faults import Fault
from tests.support.dialog import WEBHOOK_SECRET, TelegramPhone

PHONE = "+447700900123"
SID = "SM" + "d" * 32
CHAT = 900456
EMPTY_TWIML = "<Response></Response>"


async def _fault(bot: Bot) -> Fault:
    return Fault(bot.services.db)


async def _rows(bot: Bot, table: Any) -> list[Any]:
    async with bot.services.db.read() as session:
        return list((await session.execute(select(table))).scalars())


async def _spool(bot: Bot) -> list[InboundSpoolRow]:
    async with bot.services.db.read() as session:
        stmt = select(InboundSpoolRow).order_by(col(InboundSpoolRow.id))
        return list((await session.execute(stmt)).scalars())


async def _inbound_texts(bot: Bot) -> list[str]:
    return [m.text for m in await _rows(bot, MessageRow) if m.direction == "in"]


def _welcome(bot: Bot) -> str:
    return texts.welcome(bot.services.settings.service)


def _data_free(row: InboundSpoolRow, *words: str) -> None:
    """The reason kept is short and names no one: a class name, not a number or the text."""
    assert row.error is not None and 0 < len(row.error) <= 200
    assert row.error.isidentifier(), row.error
    for word in words:
        assert word not in row.error


async def test_a_text_during_a_fault_is_kept_answered_and_handled_once_it_clears(
    bot: Bot,
) -> None:
    fault = await _fault(bot)
    await fault.on("message")
    response = await bot.webhooks.sms(PHONE, "Hello, I need help", sid=SID)
    assert response.status == 200
    assert await response.text() == EMPTY_TWIML
    [kept] = await _spool(bot)
    assert (kept.status, kept.channel, kept.provider_id) == ("pending", "sms", SID)
    assert kept.attempts == 0
    _data_free(kept, PHONE, "Hello")
    assert await _rows(bot, MessageRow) == []  # nothing half-done beside the spool row
    assert await _rows(bot, ClientRow) == []

    await bot.services.outbox.send_due()
    assert bot.twilio.sent == []
    await fault.clear()
    assert await handle_spooled(bot.services) == 1
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [_welcome(bot)]
    assert await _inbound_texts(bot) == ["Hello, I need help"]
    [done] = await _spool(bot)
    assert (done.status, done.error, done.attempts) == ("done", None, 1)

    # Twilio delivering the same MessageSid again, and the tick running again: no effect.
    again = await bot.webhooks.sms(PHONE, "Hello, I need help", sid=SID)
    assert again.status == 200
    assert await handle_spooled(bot.services) == 0
    await bot.services.outbox.send_due()
    assert len(bot.twilio.sent) == 1
    assert await _inbound_texts(bot) == ["Hello, I need help"]


async def test_a_spooled_text_repeated_while_it_waits_is_handled_once(bot: Bot) -> None:
    """Twilio sends the same message again after the fault clears and before the tick: the
    engine takes the repeat, and the spooled copy is then dropped as a repeat."""
    fault = await _fault(bot)
    await fault.on("message")
    assert (await bot.webhooks.sms(PHONE, "Hello", sid=SID)).status == 200
    await fault.clear()
    assert (await bot.webhooks.sms(PHONE, "Hello", sid=SID)).status == 200
    assert await handle_spooled(bot.services) == 1
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [_welcome(bot)]
    assert await _inbound_texts(bot) == ["Hello"]
    assert [row.status for row in await _spool(bot)] == ["done"]


async def test_a_fault_that_never_clears_ends_failed_and_is_not_taken_again(bot: Bot) -> None:
    fault = await _fault(bot)
    await fault.on("message")
    assert (await bot.webhooks.sms(PHONE, "Hello", sid=SID)).status == 200
    for _ in range(SPOOL_TRIES):
        bot.clock.advance(SPOOL_LONGEST_RETRY)
        assert await handle_spooled(bot.services) == 0
    [row] = await _spool(bot)
    assert (row.status, row.attempts) == ("failed", SPOOL_TRIES)
    _data_free(row, PHONE, "Hello")

    bot.clock.advance(timedelta(hours=1))
    await fault.clear()
    assert await handle_spooled(bot.services) == 0
    [still] = await _spool(bot)
    assert (still.status, still.attempts) == ("failed", SPOOL_TRIES)
    await bot.services.outbox.send_due()
    assert bot.twilio.sent == []


async def test_a_passing_fault_keeps_it_pending_with_a_capped_back_off(bot: Bot) -> None:
    fault = await _fault(bot)
    await fault.on("message", passing=True)
    before = len(bot.clock.slept)
    assert (await bot.webhooks.sms(PHONE, "Hello", sid=SID)).status == 200
    assert len(bot.clock.slept) - before == 2  # tried three times, waiting a moment between
    waits = []
    for _ in range(SPOOL_TRIES * 2):
        [row] = await _spool(bot)
        assert row.status == "pending"
        bot.clock.set(row.next_at)
        assert await handle_spooled(bot.services) == 0
        [row] = await _spool(bot)
        waits.append(row.next_at - bot.clock.now())
    assert row.status == "pending" and row.attempts == SPOOL_TRIES * 2
    assert waits == sorted(waits) and waits[0] < waits[-1] == SPOOL_LONGEST_RETRY
    _data_free(row, PHONE, "Hello")

    await fault.clear()
    bot.clock.set(row.next_at)
    assert await handle_spooled(bot.services) == 1
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [_welcome(bot)]


@pytest.mark.parametrize("passing", [False, True], ids=["error", "passing"])
async def test_when_even_the_spool_fails_the_answer_is_503_and_nothing_is_left(
    bot: Bot, passing: bool
) -> None:
    fault = await _fault(bot)
    await fault.on("message", "inbound_spool", passing=passing)
    response = await bot.webhooks.sms(PHONE, "Hello", sid=SID)
    assert response.status == 503
    for table in (MessageRow, ClientRow, ProcessedUpdateRow, InboundSpoolRow):
        assert await _rows(bot, table) == [], table.__tablename__

    # Twilio sends it again (the URL's connection overrides ask it to): now it is handled.
    await fault.clear()
    assert (await bot.webhooks.sms(PHONE, "Hello", sid=SID)).status == 200
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [_welcome(bot)]


async def test_telegram_updates_during_a_fault_are_kept_then_answered_once(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    assert bot.telegram is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    update = bot.telegram.message_update(CHAT, "Hello")
    fault = await _fault(bot)

    await fault.on("message", "inbound_spool")
    response = await bot.client.post("/telegram/webhook", json=update, headers=headers)
    assert response.status == 503  # Telegram delivers it again by itself
    assert await _rows(bot, InboundSpoolRow) == []
    await fault.clear()

    await fault.on("message")
    response = await bot.client.post("/telegram/webhook", json=update, headers=headers)
    assert response.status == 200
    [kept] = await _spool(bot)
    assert (kept.channel, kept.provider_id) == ("telegram", str(update["update_id"]))
    await fault.clear()
    assert await handle_spooled(bot.services) == 1
    await bot.services.outbox.send_due()
    assert bot.telegram.to(CHAT) == [_welcome(bot)]

    response = await bot.client.post("/telegram/webhook", json=update, headers=headers)
    assert response.status == 200
    await bot.services.outbox.send_due()
    assert bot.telegram.to(CHAT) == [_welcome(bot)]
    assert await _inbound_texts(bot) == ["Hello"]


async def test_a_simulator_message_without_a_provider_id_is_handled_once(make_bot: Any) -> None:
    """No provider id to drop a repeat by: marking the spool row done in the transaction that
    handles it is what keeps it to one effect, however often the tick runs."""
    bot: Bot = await make_bot(LINKBOT_SIMULATOR="on")
    fault = await _fault(bot)
    await fault.on("message")
    response = await bot.client.post("/simulator/send", json={"from": PHONE, "text": "Hello"})
    assert response.status == 200
    assert await handle_spooled(bot.services) == 0  # still failing: tried, kept
    await fault.clear()
    bot.clock.advance(SPOOL_LONGEST_RETRY)
    assert await handle_spooled(bot.services) == 1
    bot.clock.advance(timedelta(hours=1))
    assert await handle_spooled(bot.services) == 0
    assert await _inbound_texts(bot) == ["Hello"]
    [row] = await _spool(bot)
    assert (row.status, row.provider_id, row.channel) == ("done", None, "simulator")


async def test_a_spooled_message_is_handled_and_marked_done_together(make_bot: Any) -> None:
    """If marking the spool row done fails, the engine's work is undone with it: the message
    is handled later, once, not twice (a simulator message has no provider id to save it)."""
    bot: Bot = await make_bot(LINKBOT_SIMULATOR="on")
    fault = await _fault(bot)
    await fault.on("message")
    response = await bot.client.post("/simulator/send", json={"from": PHONE, "text": "Hello"})
    assert response.status == 200
    await fault.clear()
    await fault.on("inbound_spool", done=True)
    assert await handle_spooled(bot.services) == 0
    assert await _rows(bot, MessageRow) == []
    [row] = await _spool(bot)
    assert (row.status, row.attempts) == ("pending", 1)
    await fault.clear()
    bot.clock.set(row.next_at)
    assert await handle_spooled(bot.services) == 1
    bot.clock.advance(timedelta(hours=1))
    assert await handle_spooled(bot.services) == 0
    assert await _inbound_texts(bot) == ["Hello"]


async def test_a_signature_over_the_url_with_twilios_retry_overrides_is_accepted(bot: Bot) -> None:
    """Twilio is told to retry a 503 by a fragment on the webhook URL, which never reaches the
    server; whether Twilio signs the URL with it or without, the webhook accepts it, and
    nothing else."""
    assert RETRY_FRAGMENT == "#rc=3&rp=5xx,ct,rt"
    url = bot.webhooks.base + "/sms/inbound"
    params = {"MessageSid": SID, "From": PHONE, "To": "+447700900001", "Body": "Hello"}
    with_fragment = sign(AUTH_TOKEN, url + RETRY_FRAGMENT, params)
    # The library signs exactly the URL it is given: the fragment changes the signature.
    assert not RequestValidator(AUTH_TOKEN).validate(url, params, with_fragment)
    response = await bot.webhooks.post("/sms/inbound", params, signature=with_fragment)
    assert response.status == 200
    again = {**params, "MessageSid": "SM" + "9" * 32}
    other = sign(AUTH_TOKEN, url + "#rc=5", again)
    response = await bot.webhooks.post("/sms/inbound", again, signature=other)
    assert response.status == 403
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [_welcome(bot)]


async def test_a_polled_update_that_cannot_be_stored_is_not_confirmed(make_bot: Any) -> None:
    """Polling: an update neither handled nor spooled is fetched again until it is stored."""
    bot: Bot = await make_bot(telegram="polling")
    fake = bot.telegram
    assert fake is not None
    fault = await _fault(bot)
    await fault.on("message", "inbound_spool")
    fetched = fake.requests["getUpdates"]
    update = fake.message_update(CHAT, "Hello")
    fake.push(update)
    async with asyncio.timeout(20):
        while fake.requests["getUpdates"] < fetched + 3:  # noqa: ASYNC110  (the poller works)
            await asyncio.sleep(0.01)
    assert await _rows(bot, MessageRow) == [] and await _rows(bot, InboundSpoolRow) == []
    await fault.clear()
    await TelegramPhone(bot, fake, CHAT, polling=True, press=False).deliver(update)
    await bot.services.outbox.send_due()
    assert fake.to(CHAT) == [_welcome(bot)]
    assert await _inbound_texts(bot) == ["Hello"]
