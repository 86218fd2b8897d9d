"""The outbox: delivery states, retries, opt-outs from Twilio, send window, rate and priority."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from flows import texts
from flows.delivery import Delivery
from flows.messages import Address, OutgoingDraft, Priority
from storage import outbox
from storage.tables import ClientRow, DeliveryEventRow, MessageRow
from storage.unit import SqlUnit
from tests.conftest import Bot
from tests.support.delivery import claim_as

PHONE = "+447700900123"


async def _messages(bot: Bot, phone: str = PHONE) -> list[MessageRow]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(MessageRow)
            .where(MessageRow.address == f"tel:{phone}", MessageRow.direction == "out")
            .order_by(col(MessageRow.id))
        )
        return list(rows.scalars())


async def _queue(bot: Bot, text: str, priority: Priority, *, phone: str = PHONE) -> int:
    """Write an outgoing message the way later flows (reminders, campaigns) will."""
    async with bot.services.db.write() as session:
        uow = SqlUnit(session, bot.services.directory, bot.services.calendar)
        client = await uow.clients.by_address(Address(f"tel:{phone}"))
        if client is None:
            client = await uow.clients.add(Address(f"tel:{phone}"), phone, bot.clock.now())
        return await uow.messages.add_outgoing(
            OutgoingDraft(client.id, client.address, text, "test", priority, bot.clock.now())
        )


async def test_status_callbacks_record_every_state_and_never_move_back(bot: Bot) -> None:
    """Each callback is kept; a late 'sent' after 'delivered' does not undo delivery."""
    await bot.text(PHONE, "Hello")
    [message] = await _messages(bot)
    assert message.status == "queued" and message.provider_id == bot.twilio.sent[0].sid
    for state in ("sent", "delivered", "sent"):
        response = await bot.webhooks.status(message.provider_id, state)
        assert response.status == 200
    [message] = await _messages(bot)
    assert message.status == "delivered" and message.delivered_at is not None
    async with bot.services.db.read() as session:
        events = (
            await session.execute(
                select(DeliveryEventRow.status)
                .where(DeliveryEventRow.message_id == message.id)
                .order_by(col(DeliveryEventRow.id))
            )
        ).scalars()
        assert list(events) == ["queued", "sent", "delivered", "sent"]


async def test_status_callback_needs_a_valid_signature(bot: Bot) -> None:
    await bot.text(PHONE, "Hello")
    [message] = await _messages(bot)
    params = {"MessageSid": message.provider_id or "", "MessageStatus": "failed"}
    response = await bot.webhooks.post("/sms/status", params, signature="forged")
    assert response.status == 403
    [message] = await _messages(bot)
    assert message.status == "queued"


async def test_callback_that_overtakes_the_api_answer_is_applied(bot: Bot) -> None:
    """A status callback arriving before the send was recorded is kept and applied after."""
    response = await bot.webhooks.status("SM" + "f" * 32, "delivered")
    assert response.status == 200
    message_id = await _queue(bot, "Hi", Priority.REPLY)
    taken = await claim_as(bot, "mine", limit=1)
    assert [m.id for m in taken] == [message_id]
    async with bot.services.db.write() as session:
        assert await outbox.record_sent(
            session,
            message_id,
            "mine",
            "twilio",
            "SM" + "f" * 32,
            Delivery.QUEUED,
            bot.clock.now(),
        )
    [message] = await _messages(bot)
    assert message.status == "delivered"


async def test_server_errors_and_429_are_retried_with_backoff(bot: Bot) -> None:
    """5xx and 429 are retried later; the message gets through once Twilio recovers."""
    bot.twilio.fail_next(503, None)
    bot.twilio.fail_next(429, 20429)
    await bot.text(PHONE, "Hello")
    [message] = await _messages(bot)
    assert message.status == "pending" and message.attempts == 1
    assert message.not_before is not None and message.not_before > bot.clock.now()
    await bot.services.outbox.send_due()  # not due yet: nothing is tried
    assert bot.twilio.requests == 1
    bot.clock.advance(timedelta(seconds=6))
    await bot.services.outbox.send_due()
    assert bot.twilio.requests == 2  # the 429
    bot.clock.advance(timedelta(seconds=11))
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [texts.welcome(bot.services.settings.service)]
    [message] = await _messages(bot)
    assert message.status == "queued" and message.attempts == 3


async def test_client_errors_are_never_retried(bot: Bot) -> None:
    """A 4xx from Twilio fails the message at once, with its error code kept."""
    bot.twilio.fail_next(400, 21408)
    await bot.text(PHONE, "Hello")
    bot.clock.advance(timedelta(hours=1))
    await bot.services.outbox.send_due()
    assert bot.twilio.requests == 1
    [message] = await _messages(bot)
    assert message.status == "failed" and message.error_code == "21408"


async def test_unsubscribed_error_marks_the_client_opted_out(bot: Bot) -> None:
    """Twilio's 21610 means the person opted out at Twilio: linkbot stops messaging them too."""
    bot.twilio.unsubscribed.add(PHONE)
    await bot.text(PHONE, "Hello")
    async with bot.services.db.read() as session:
        client = (await session.execute(select(ClientRow))).scalars().one()
        assert client.opted_out
    [message] = await _messages(bot)
    assert message.status == "failed" and message.error_code == "21610"


async def test_network_errors_are_retried(bot: Bot) -> None:
    """Twilio out of reach (connection refused) is a transient error, retried later."""
    await bot.twilio.stop()
    await bot.text(PHONE, "Hello")
    [message] = await _messages(bot)
    assert message.status == "pending" and message.error_message.startswith("network")
    await bot.twilio.start(bot.twilio.port)
    bot.clock.advance(timedelta(seconds=6))
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [texts.welcome(bot.services.settings.service)]


async def test_keeps_trying_until_the_deadline_then_fails_with_a_case(bot: Bot) -> None:
    """Twilio failing for three days: the message is tried until DELIVERY_DEADLINE (72 h),
    then failed, and a case opened for a person; it is never given up earlier."""
    bot.twilio.fail_next(500, None, times=100_000)
    await bot.text(PHONE, "Hello")
    start = bot.clock.now()
    while bot.clock.now() - start < timedelta(hours=71, minutes=30):
        bot.clock.advance(timedelta(minutes=30))
        await bot.services.outbox.send_due()
    [message] = await _messages(bot)
    assert message.status == "pending" and message.attempts > 8
    bot.clock.advance(timedelta(hours=1))
    await bot.services.outbox.send_due()
    [message] = await _messages(bot)
    assert message.status == "failed" and message.error_code == "deadline"
    token = await bot.staff_token()
    status, cases = await bot.api("GET", "/api/v1/cases?status=open", token)
    assert status == 200
    assert [case["reason"] for case in cases["items"]] == ["undelivered"]


async def test_scheduled_messages_wait_for_the_send_window_but_answers_do_not(
    bot: Bot,
) -> None:
    """At 22:00 a reminder waits for 08:00; an answer to the person's own text goes at once."""
    bot.clock.set(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))  # 22:00 in London (GMT)
    await _queue(bot, "Reminder: your session is tomorrow at 10:00.", Priority.SCHEDULED)
    await bot.text(PHONE, "Hello")
    assert bot.twilio.to(PHONE) == [texts.acknowledge(bot.services.settings.service)]
    bot.clock.set(datetime(2026, 11, 25, 7, 59, tzinfo=UTC))
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(PHONE)) == 1
    bot.clock.set(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE)[-1] == "Reminder: your session is tomorrow at 10:00."


async def test_answers_and_crisis_go_before_bulk_messages(bot: Bot) -> None:
    """A campaign already queued never delays an answer: priority beats age."""
    for n in range(5):
        await _queue(bot, f"Campaign message {n}", Priority.BULK, phone=f"+4477009003{n:02d}")
    response = await bot.webhooks.sms(PHONE, "I want to kill myself")
    assert response.status == 200
    await bot.services.outbox.send_due()
    first = bot.twilio.sent[0]
    assert first.to == PHONE and "116 123" in first.body
    assert [m.body for m in bot.twilio.sent[1:]] == [f"Campaign message {n}" for n in range(5)]


async def test_rate_limit_spaces_sends(make_bot) -> None:  # type: ignore[no-untyped-def]
    """TWILIO_MAX_RATE=2 sends at most two a second, by the shared clock."""
    bot = await make_bot(TWILIO_MAX_RATE="2")
    for n in range(5):
        await _queue(bot, f"Message {n}", Priority.REPLY, phone=f"+4477009004{n:02d}")
    start = bot.clock.now()
    await bot.services.outbox.send_due()
    assert len(bot.twilio.sent) == 5
    rows = []
    for n in range(5):
        rows += await _messages(bot, f"+4477009004{n:02d}")
    sent_at = sorted(row.sent_at for row in rows if row.sent_at)
    assert sent_at[0] == start
    assert sent_at[-1] - sent_at[0] == timedelta(seconds=2)  # five sends, half a second apart
    gaps = [b - a for a, b in itertools.pairwise(sent_at)]
    assert all(gap == timedelta(seconds=0.5) for gap in gaps)


async def test_rate_slots_are_shared_between_instances(make_bot) -> None:  # type: ignore[no-untyped-def]
    """Two instances on one database take turns: together they keep to the rate."""
    first = await make_bot(TWILIO_MAX_RATE="1")
    second = await make_bot(TWILIO_MAX_RATE="1")
    for n in range(4):
        await _queue(first, f"Message {n}", Priority.REPLY, phone=f"+4477009005{n:02d}")
    import asyncio

    await asyncio.gather(first.services.outbox.send_due(), second.services.outbox.send_due())
    assert sorted(m.body for m in first.twilio.sent) == [f"Message {n}" for n in range(4)]
    slept = first.clock.slept
    assert first.clock.now() - datetime(2026, 11, 24, 10, 0, tzinfo=UTC) >= timedelta(seconds=3)
    assert slept  # someone waited for a slot


async def test_messaging_service_sid_is_used_when_configured(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(TWILIO_FROM="MG" + "a" * 32)
    await bot.text(PHONE, "Hello")
    assert bot.twilio.sent[0].messaging_service_sid == "MG" + "a" * 32
    assert bot.twilio.sent[0].sender is None


async def test_messages_past_their_deadline_are_never_sent_late(bot: Bot) -> None:
    """A message past its own deadline is not sent late: it fails, and a person is told."""
    async with bot.services.db.write() as session:
        uow = SqlUnit(session, bot.services.directory, bot.services.calendar)
        client = await uow.clients.add(Address(f"tel:{PHONE}"), PHONE, bot.clock.now())
        await uow.messages.add_outgoing(
            OutgoingDraft(
                client.id,
                client.address,
                "Too late",
                "test",
                Priority.SCHEDULED,
                bot.clock.now(),
                expires_at=bot.clock.now() + timedelta(minutes=5),
            )
        )
    bot.clock.advance(timedelta(minutes=10))
    await bot.services.outbox.send_due()
    assert bot.twilio.sent == []
    [message] = await _messages(bot)
    assert message.status == "failed" and message.error_code == "deadline"
    status, cases = await bot.api("GET", "/api/v1/cases?status=open", await bot.staff_token())
    assert status == 200
    assert [case["reason"] for case in cases["items"]] == ["undelivered"]


async def test_a_report_that_a_message_did_not_arrive_opens_a_case(bot: Bot) -> None:
    """Twilio took the message, then reports it undelivered (a phone switched off for days):
    a person is told, once, however many reports say so."""
    await bot.text(PHONE, "Hello")
    [message] = await _messages(bot)
    assert message.provider_id is not None
    for _ in range(2):
        response = await bot.webhooks.status(message.provider_id, "undelivered", "30003")
        assert response.status == 200
    status, cases = await bot.api("GET", "/api/v1/cases?status=open", await bot.staff_token())
    assert status == 200
    assert [case["reason"] for case in cases["items"]] == ["undelivered"]
    [message] = await _messages(bot)
    assert message.status == "undelivered" and message.error_code == "30003"


async def test_at_a_high_rate_several_people_are_sent_to_at_once_each_in_order(
    make_bot,  # type: ignore[no-untyped-def]
) -> None:
    """With the rate lifted, the outbox does not wait for one answer before the next send: five
    people's first messages are at the provider together. Each person's own messages still go
    one after another, in the order written, and each goes once."""
    bot = await make_bot(TWILIO_MAX_RATE="1000")
    people = [f"+4477009005{n:02d}" for n in range(5)]
    for part in range(3):
        for phone in people:
            await _queue(bot, f"Part {part}", Priority.REPLY, phone=phone)
    bot.twilio.hold = asyncio.Event()
    sending = asyncio.create_task(bot.services.outbox.send_due())
    async with asyncio.timeout(10):
        while bot.twilio.requests < len(people):  # noqa: ASYNC110  (the fake counts in its own tasks)
            await asyncio.sleep(0.01)
    assert bot.twilio.sent == []  # five held at the provider at once, none answered yet
    bot.twilio.hold.set()
    bot.twilio.hold = None
    await sending
    for phone in people:
        assert bot.twilio.to(phone) == ["Part 0", "Part 1", "Part 2"]
    assert len(bot.twilio.sent) == 3 * len(people)
