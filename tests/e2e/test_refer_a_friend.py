"""Refer a friend: only the friend's yes goes further, and the referrer never hears their answer.

Both sides' wording and steps are also played step by step in
tests/unit/test_refer_a_friend_dialog.py, so each test here runs on the channels and databases
that carry it differently (tests/support/dialog.py): the whole of it ``EVERYWHERE``, what the
engine does around it (texting the friend, the window, the weekly limit) ``AROUND``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.actions.timers import fire_due
from flows import texts
from tests.conftest import Bot
from tests.support.dialog import AROUND, EVERYWHERE, WORDING, Phone, converse, on, phone

REFERRER, FRIEND = "+447700900123", "+447700900456"


async def _make(make_bot: Any, channel: str) -> Bot:
    mode = channel.split("-")[1] if channel.startswith("telegram") else None
    bot: Bot = await make_bot(telegram=mode)
    return bot


async def _refer(person: Phone, friend_number: str = "07700 900456") -> list[str]:
    return await converse(
        person,
        [
            ("Hello", ["2 to help a friend"]),
            ("2", ["happy for us to text them", "first name"]),
            ("jean", ["Jean's mobile number"]),
            (f"her number is {friend_number}", ["How do you know Jean"]),
            ("she's my neighbour", ["your first name"]),
            ("Bob", ["text Jean on 07700 900456", "Bob suggested us", "YES or NO"]),
            ("yes", ["Thank you, Bob", "texting Jean"]),
        ],
    )


@on(EVERYWHERE)
async def test_a_friend_who_says_yes_makes_their_own_referral(make_bot: Any, channel: str) -> None:
    mode = channel.split("-")[1] if channel.startswith("telegram") else None
    bot: Bot = await make_bot(LINKBOT_SIMULATOR="on", telegram=mode)
    # The friend is reached by text (we only have their number), or in the simulator.
    referrer = phone(bot, channel, REFERRER)
    friend = phone(bot, "simulator" if channel == "simulator" else "sms", FRIEND)
    await _refer(referrer)
    [invite] = await friend.inbox()
    assert "Hi Jean, Bob thought you might like to hear from the" in invite
    assert "YES or NO" in invite
    told_referrer = len(await referrer.inbox())

    await converse(
        friend,
        [
            ("Yes please", ["YES or NO", "only our link workers"]),
            ("yes", ["name"]),
            ("Jean Brown", []),
            ("3/4/1950", []),
            ("money", ["anything else"]),
            ("no", []),
            ("1", ["Please check"]),
            ("yes", ["reference LB-"]),
        ],
    )
    assert len(await referrer.inbox()) == told_referrer  # nothing about the friend goes back

    token = await bot.staff_token()
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    [case] = cases["items"]
    assert case["referral"]["source"] == "friend"
    _, client = await bot.api("GET", f"/api/v1/clients/{case['client_id']}", token)
    assert client["name"] == "Jean Brown" and client["phone"] == FRIEND
    [referral] = client["referrals"]
    assert referral["status"] == "submitted" and referral["needs"] == ["money"]


@on(AROUND)
async def test_a_friend_who_says_no_hears_nothing_more(make_bot: Any, channel: str) -> None:
    bot = await _make(make_bot, channel)
    referrer, friend = phone(bot, channel, REFERRER), phone(bot, "sms", FRIEND)
    await _refer(referrer)
    told_referrer = len(await referrer.inbox())
    assert await friend.say("no thanks") == [texts.FRIEND_DECLINED]
    bot.clock.advance(timedelta(days=40))
    await fire_due(bot.services)
    assert len(await friend.inbox()) == 2 and len(await referrer.inbox()) == told_referrer
    token = await bot.staff_token()
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{FRIEND[1:]}", token)
    assert found["items"][0]["referrals"][0]["status"] == "declined"
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"] == []


@on(AROUND)
async def test_silence_ends_it_and_a_late_reply_starts_afresh(make_bot: Any, channel: str) -> None:
    bot = await _make(make_bot, channel)
    referrer, friend = phone(bot, channel, REFERRER), phone(bot, "sms", FRIEND)
    await _refer(referrer)
    bot.clock.advance(timedelta(days=15))
    await fire_due(bot.services)
    assert len(await friend.inbox()) == 1  # the invitation only: no reminders
    [welcome] = await friend.say("yes")
    assert welcome == texts.welcome(bot.services.settings.service)
    token = await bot.staff_token()
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{FRIEND[1:]}", token)
    assert found["items"][0]["referrals"][0]["status"] == "lapsed"


@on(WORDING)
async def test_own_number_and_landlines_are_refused(make_bot: Any, channel: str) -> None:
    bot = await _make(make_bot, channel)
    referrer = phone(bot, channel, REFERRER)
    await converse(
        referrer,
        [
            ("Hello", []),
            ("2", []),
            ("Jean", ["mobile number"]),
            *([("07700 900123", ["your own number"])] if channel == "sms" else []),
            ("01942 123456", ["doesn't look like a UK mobile"]),
            ("not sure", ["doesn't look like a UK mobile"]),
            ("+44 7700 900456", ["How do you know Jean"]),
        ],
    )


@on(AROUND)
async def test_a_friend_who_opted_out_is_not_texted_and_the_referrer_cannot_tell(
    make_bot: Any, channel: str
) -> None:
    bot = await _make(make_bot, channel)
    friend = phone(bot, "sms", FRIEND)
    await friend.say("Hello")
    await friend.say("STOP")
    before = len(bot.twilio.to(FRIEND))
    await _refer(phone(bot, channel, REFERRER))
    bot.clock.advance(timedelta(days=1))
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(FRIEND)) == before


@on(AROUND)
async def test_three_invitations_a_week_at_most(make_bot: Any, channel: str) -> None:
    """A referrer cannot use the service to text strangers in bulk."""
    bot = await _make(make_bot, channel)
    referrer = phone(bot, channel, REFERRER)
    await referrer.say("Hello")
    for n in range(3):
        await converse(
            referrer,
            [
                ("2", ["first name"]),
                ("Jean", []),
                (f"0770090050{n}", []),
                ("friend", []),
                *([] if n else [("Bob", [])]),
                ("yes", ["texting Jean"]),
            ],
        )
    assert await referrer.say("2") == [texts.RF_TOO_MANY]
    bot.clock.advance(timedelta(days=8))
    await converse(referrer, [("2", ["first name"])])


@on(AROUND)
async def test_the_invitation_waits_for_the_send_window(make_bot: Any, channel: str) -> None:
    """A stranger's first text from us never arrives late at night."""
    bot = await _make(make_bot, channel)
    bot.clock.set(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))
    await _refer(phone(bot, channel, REFERRER))
    assert bot.twilio.to(FRIEND) == []
    bot.clock.set(datetime(2026, 11, 25, 8, 1, tzinfo=UTC))
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(FRIEND)) == 1


@on(AROUND)
async def test_a_friend_who_said_no_is_not_asked_again_by_someone_else(
    make_bot: Any, channel: str
) -> None:
    bot = await _make(make_bot, channel)
    await _refer(phone(bot, channel, REFERRER))
    await phone(bot, "sms", FRIEND).say("no")
    bot.clock.advance(timedelta(hours=1))
    await converse(
        phone(bot, "sms", "+447700900789"),
        [
            ("Hello", []),
            ("2", []),
            ("Jean", []),
            ("07700 900456", []),
            ("friend", []),
            ("Carol", []),
            ("yes", ["texting Jean"]),
        ],
    )
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(FRIEND)) == 2  # the first invitation and the goodbye only
