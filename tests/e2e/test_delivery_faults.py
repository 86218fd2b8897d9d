"""Delivery under faults: the provider down for an hour, six hours and eighty hours; a fifth of
all sends failing at random; a sender killed holding a claim; a slow batch; a send raising what
no adapter expected. Every message is sent once, or past its deadline failed with a case for a
person; the figures are printed (run with -s to see them)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from flows.delivery import Delivery
from flows.messages import Address, Channel, OutgoingDraft, Priority
from storage import outbox
from storage.tables import MessageRow
from storage.unit import SqlUnit
from testkit.fake_vonage import FakeVonage
from tests.conftest import Bot
from tests.support.delivery import account, claim_as, drain, queue_every_kind, run_for

PHONE = "+447700800001"
OUTAGES = {"1h": timedelta(hours=1), "6h": timedelta(hours=6), "80h": timedelta(hours=80)}


def _sends(bot: Bot) -> list[tuple[str, str]]:
    return [(m.to, m.body) for m in bot.twilio.sent]


@pytest.mark.parametrize("outage", list(OUTAGES))
async def test_twilio_down_then_back_every_message_sent_once_or_failed_with_a_case(
    bot: Bot, outage: str
) -> None:
    duration = OUTAGES[outage]
    await bot.twilio.stop()  # refused connections, as when Twilio's API is unreachable
    await queue_every_kind(bot, 200)
    await bot.webhooks.sms("+447700800001", "I want to end my life")  # a crisis mid-outage
    # A pass every five minutes (every twenty over eighty hours): nothing happens between.
    step = timedelta(minutes=5 if duration <= timedelta(hours=6) else 20)
    await run_for(bot, duration, step=step)
    assert bot.twilio.sent == []
    await bot.twilio.start(bot.twilio.port)
    await drain(bot)
    tally = await account(bot, _sends(bot), in_flight=set())
    print(tally.line(f"Twilio down {outage}"), dict(tally.kinds_failed))
    assert tally.sent + tally.failed_with_case == 201 and tally.duplicated == 0
    if duration <= timedelta(hours=6):
        # Only the reminders whose session began during the outage are given up.
        assert set(tally.kinds_failed) <= {"reminder"}
        assert tally.kinds_failed["reminder"] == (40 if duration >= timedelta(hours=5) else 20)
    else:
        assert tally.sent == 0  # eighty hours: every deadline passed
    assert tally.failed_with_case == sum(tally.kinds_failed.values())


async def test_a_fifth_of_sends_failing_for_an_hour_loses_nothing(bot: Bot) -> None:
    """An hour of people texting while a fifth of Twilio's answers are 500, 503, 429 or never
    come: every reply is sent; only a send whose answer never came can go twice."""
    bot.twilio.chaos = 0.2
    await queue_every_kind(bot, 40)
    for n in range(120):  # one text every thirty seconds
        response = await bot.webhooks.sms(f"+447700700{n:03d}", "Hello")
        assert response.status == 200
        await bot.services.outbox.send_due()
        bot.clock.advance(timedelta(seconds=30))
    bot.twilio.chaos = 0.0
    await drain(bot)
    in_flight = {
        body for m in bot.twilio.sent if m.sid in bot.twilio.unanswered for body in [m.body]
    }
    tally = await account(bot, _sends(bot), in_flight)
    print(
        tally.line("20% random faults for an hour"),
        f"({len(bot.twilio.unanswered)} sends never answered)",
    )
    assert tally.failed_with_case == 0 and tally.sent == 160
    assert tally.duplicated <= len(bot.twilio.unanswered)
    assert bot.twilio.unanswered  # the fault did happen


async def _queue(bot: Bot, count: int) -> list[int]:
    async with bot.services.db.write() as session:
        uow = SqlUnit(session, bot.services.directory, bot.services.calendar)
        ids = []
        for n in range(count):
            phone = f"+4477006{n:05d}"
            client = await uow.clients.add(Address(f"tel:{phone}"), phone, bot.clock.now())
            ids.append(
                await uow.messages.add_outgoing(
                    OutgoingDraft(
                        client.id,
                        client.address,
                        f"Reply {n}",
                        "acknowledge",
                        Priority.REPLY,
                        bot.clock.now(),
                    )
                )
            )
        return ids


async def test_a_sender_killed_holding_a_claim_loses_nothing(make_bot: Any) -> None:
    """One instance is killed mid-send; another takes its claim over after the lease, and
    only the send in flight at the kill can go twice."""
    first = await make_bot(TWILIO_MAX_RATE="10")
    second = await make_bot(TWILIO_MAX_RATE="10")
    await _queue(first, 10)
    first.twilio.hold = asyncio.Event()
    sending = asyncio.create_task(first.services.outbox.send_due())
    await first.twilio.received_held.wait()
    sending.cancel()  # killed, with ten messages claimed
    with pytest.raises(asyncio.CancelledError):
        await sending
    await second.services.outbox.send_due()
    assert first.twilio.sent == []  # still leased to the dead sender
    first.clock.advance(timedelta(seconds=40))
    first.twilio.hold.set()
    first.twilio.hold = None
    await second.services.outbox.send_due()
    await asyncio.sleep(0.1)  # the held request, if the fake finishes it
    tally = await account(second, _sends(second), in_flight={"Reply 0"})
    print(tally.line("a sender killed holding a claim"))
    assert tally.sent == 10 and tally.duplicated <= 1


async def test_a_slow_batch_renews_its_claim_and_is_not_sent_twice(make_bot: Any) -> None:
    """A batch held up past its first lease keeps its claim; another instance sends none."""
    first = await make_bot(TWILIO_MAX_RATE="10")
    second = await make_bot(TWILIO_MAX_RATE="10")
    await _queue(first, 10)
    first.twilio.hold = asyncio.Event()
    sending = asyncio.create_task(first.services.outbox.send_due())
    await first.twilio.received_held.wait()
    first.clock.advance(timedelta(seconds=20))  # the first send is slow
    first.twilio.received_held.clear()
    hold, first.twilio.hold = first.twilio.hold, asyncio.Event()
    hold.set()
    await first.twilio.received_held.wait()  # the second send, after renewing the rest
    first.clock.advance(timedelta(seconds=20))  # now past the batch's first lease
    await second.services.outbox.send_due()
    first.twilio.hold.set()
    first.twilio.hold = None
    await sending
    tally = await account(first, _sends(first), in_flight=set())
    assert tally.sent == 10 and tally.duplicated == 0


async def test_a_result_is_recorded_only_under_the_senders_own_claim(bot: Bot) -> None:
    [message_id] = await _queue(bot, 1)
    taken = await claim_as(bot, "old", limit=1, lease=timedelta(seconds=30))
    assert [m.id for m in taken] == [message_id]
    bot.clock.advance(timedelta(seconds=31))
    await bot.services.outbox.send_due()  # the lease ran out: another sender sends it
    async with bot.services.db.write() as session:
        assert not await outbox.record_sent(
            session, message_id, "old", "twilio", "SM" + "0" * 32, Delivery.SENT, bot.clock.now()
        )
        assert not await outbox.record_retry(
            session, message_id, "old", "twilio", "500", "late", bot.clock.now()
        )
    async with bot.services.db.read() as session:
        row = await session.get(MessageRow, message_id)
        assert row is not None and row.provider_id == bot.twilio.sent[0].sid
        assert row.status == "queued"


async def test_a_send_raising_an_unexpected_error_never_stops_the_batch(make_bot: Any) -> None:
    """A chat id that is not a number makes python-telegram-bot's call raise ValueError; a
    token Telegram refuses raises InvalidToken. Neither leaves a message 'sending', and the
    other messages of the batch go."""
    bot = await make_bot(telegram="webhook")
    async with bot.services.db.write() as session:
        uow = SqlUnit(session, bot.services.directory, bot.services.calendar)
        for handle in ("not-a-number", "1001", "1002", "1003"):
            address = Address.of(Channel.TELEGRAM, handle)
            client = await uow.clients.add(address, None, bot.clock.now())
            await uow.messages.add_outgoing(
                OutgoingDraft(
                    client.id,
                    address,
                    f"To {handle}",
                    "acknowledge",
                    Priority.REPLY,
                    bot.clock.now(),
                )
            )
    assert bot.telegram is not None
    bot.telegram.fail_next("sendMessage", 401)
    for _ in range(6):
        await bot.services.outbox.send_due()
        bot.clock.advance(timedelta(minutes=1))
    async with bot.services.db.read() as session:
        rows = {
            row.address: row
            for row in (
                await session.execute(select(MessageRow).where(col(MessageRow.direction) == "out"))
            ).scalars()
        }
    bad = rows["telegram:not-a-number"]
    assert bad.status == "failed" and bad.error_code == "error" and bad.attempts == 3
    assert sorted(bot.telegram.to(chat) for chat in (1001, 1002, 1003)) == [
        ["To 1001"],
        ["To 1002"],
        ["To 1003"],
    ]
    assert not [row for row in rows.values() if row.status == "sending"]
    sends = [(f"telegram:{chat}", f"To {chat}") for chat in (1001, 1002, 1003)]
    tally = await account(bot, sends, in_flight=set())  # the failed one has its case
    assert tally.failed_with_case == 1


async def test_crisis_replies_go_by_vonage_within_a_minute_of_twilio_failing(
    make_bot: Any, fake_vonage: FakeVonage
) -> None:
    vonage = fake_vonage
    bot = await make_bot(**vonage.env(), ssl_context=vonage.ssl_context())
    await bot.twilio.stop()
    written = bot.clock.now()
    response = await bot.webhooks.sms(PHONE, "I want to end my life")
    assert response.status == 200
    await run_for(bot, timedelta(minutes=1), step=timedelta(seconds=5))
    [crisis] = vonage.to(PHONE)
    assert "116 123" in crisis
    async with bot.services.db.read() as session:
        [row] = (
            await session.execute(select(MessageRow).where(MessageRow.direction == "out"))
        ).scalars()
    assert row.provider == "vonage" and row.attempts == 2
    assert row.sent_at is not None and row.sent_at - written <= timedelta(minutes=1)
    print(f"crisis reply by Vonage {(row.sent_at - written).total_seconds():.0f} s after writing")


async def test_twilio_down_six_hours_with_vonage_every_message_goes_by_vonage_once(
    make_bot: Any, fake_vonage: FakeVonage
) -> None:
    """With a second provider, an outage of the first costs nobody a message: each fails over
    after SMS_FAILOVER_AFTER tries or at once once Twilio is marked down."""
    vonage = fake_vonage
    bot = await make_bot(**vonage.env(), ssl_context=vonage.ssl_context())
    await bot.twilio.stop()
    await queue_every_kind(bot, 200)
    await run_for(bot, timedelta(hours=6), step=timedelta(minutes=5))
    await bot.twilio.start(bot.twilio.port)
    await drain(bot)
    sends = [("+" + m.to, m.text) for m in vonage.sent] + _sends(bot)
    tally = await account(bot, sends, in_flight=set())
    print(tally.line("Twilio down 6h, Vonage up"), dict(tally.kinds_failed))
    assert tally.sent == 200 and tally.duplicated == 0 and bot.twilio.sent == []
    async with bot.services.db.read() as session:
        providers = set(
            (
                await session.execute(
                    select(MessageRow.provider).where(MessageRow.direction == "out")
                )
            ).scalars()
        )
    assert providers == {"vonage"}
