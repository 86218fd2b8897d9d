"""Telegram as a channel: webhook secret and repeats, buttons, commands, limits and blocking."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from flows import texts
from storage.tables import ClientRow, MessageRow
from tests.conftest import Bot
from tests.support.dialog import WEBHOOK_SECRET, TelegramPhone, converse

CHAT = 900123


async def _messages(bot: Bot) -> list[MessageRow]:
    async with bot.services.db.read() as session:
        return list(
            (await session.execute(select(MessageRow).order_by(col(MessageRow.id)))).scalars()
        )


def _phone(bot: Bot, *, polling: bool = False, press: bool = True) -> TelegramPhone:
    assert bot.telegram is not None
    return TelegramPhone(bot, bot.telegram, CHAT, polling=polling, press=press)


async def test_the_webhook_is_registered_with_its_secret_on_start(make_bot: Any) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    assert bot.telegram is not None
    async with asyncio.timeout(10):
        while bot.telegram.webhook is None:  # noqa: ASYNC110  (the start-up task registers it)
            await asyncio.sleep(0.01)
    assert bot.telegram.webhook["url"] == "https://linkbot.example.org/telegram/webhook"
    assert bot.telegram.webhook["secret_token"] == WEBHOOK_SECRET


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
async def test_a_forged_webhook_is_refused_and_has_no_effect(make_bot: Any, secret: str) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    assert bot.telegram is not None
    update = bot.telegram.message_update(CHAT, "Hello")
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    response = await bot.client.post("/telegram/webhook", json=update, headers=headers)
    assert response.status == 403
    assert await _messages(bot) == []


async def test_a_repeated_update_has_one_effect(make_bot: Any) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    person = _phone(bot)
    assert bot.telegram is not None
    update = bot.telegram.message_update(CHAT, "Hello")
    await person.deliver(update)
    await person.deliver(update)
    await bot.services.outbox.send_due()
    assert bot.telegram.to(CHAT) == [texts.welcome(bot.services.settings.service)]
    assert [m.direction for m in await _messages(bot)] == ["in", "out"]


async def test_choices_are_buttons_and_a_pressed_one_is_answered_and_removed(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    fake = bot.telegram
    assert fake is not None
    person = _phone(bot)
    await person.say("Hello")
    welcome = fake.last(CHAT)
    assert welcome.reply_markup is not None
    labels = [b["text"] for row in welcome.reply_markup["inline_keyboard"] for b in row]
    assert labels == ["Get help", "Help a friend"]
    await converse(person, [("1", ["YES or NO"])])  # pressed, not typed
    assert len(fake.answered_callbacks) == 1
    assert fake.edits[-1][:2] == (CHAT, welcome.message_id) and fake.edits[-1][2] is None
    # A press delivered twice (Telegram retrying the webhook) acts once.
    press = fake.callback_update(CHAT, "yes", message_id=fake.last(CHAT).message_id)
    before = len(fake.to(CHAT))
    await person.deliver(press)
    await person.deliver(press)
    assert (await person.inbox())[before:] == [texts.SR_NAME]


async def test_typed_answers_work_as_well_as_buttons(make_bot: Any) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    person = _phone(bot, press=False)
    await converse(person, [("hi", ["Reply 1"]), ("for me", ["YES or NO"]), ("yes", ["name"])])
    assert bot.telegram is not None and bot.telegram.answered_callbacks == []


@pytest.mark.parametrize("polling", [False, True])
async def test_help_and_stop_commands(make_bot: Any, polling: bool) -> None:
    bot: Bot = await make_bot(telegram="polling" if polling else "webhook")
    person = _phone(bot, polling=polling)
    service = bot.services.settings.service
    await converse(
        person,
        [
            ("/start", ["Reply 1"]),
            ("/help", [texts.help_text(service)]),
            ("/stop", [texts.opted_out(service)]),
        ],
    )
    assert await person.say("hello?") == []


async def test_a_blocked_bot_means_opted_out(make_bot: Any) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    fake = bot.telegram
    assert fake is not None
    fake.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    await _phone(bot).say("Hello")
    async with bot.services.db.read() as session:
        client = (await session.execute(select(ClientRow))).scalars().one()
    assert client.opted_out and client.telegram_chat_id == str(CHAT)


async def test_flood_control_is_waited_out_as_telegram_asks(make_bot: Any) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    fake = bot.telegram
    assert fake is not None
    fake.fail_next("sendMessage", 429, retry_after=30)
    person = _phone(bot)
    assert await person.say("Hello") == []
    [_, out] = await _messages(bot)
    assert out.status == "pending" and out.not_before is not None
    assert out.not_before - bot.clock.now() >= timedelta(seconds=29)
    bot.clock.advance(timedelta(seconds=31))
    assert await person.inbox() == [texts.welcome(bot.services.settings.service)]


async def test_one_message_a_second_to_a_chat(make_bot: Any) -> None:
    """The welcome's two-message answers to one chat are spaced by the per-chat limit."""
    bot: Bot = await make_bot(telegram="webhook")
    person = _phone(bot, press=False)
    await converse(person, [("Hello", []), ("1", []), ("yes", []), ("Ann", []), ("1/1/1950", [])])
    slept = list(bot.clock.slept)
    await person.say("not sure")  # no practices: goes on to needs, which is two messages
    assert any(0.9 <= s <= 1.0 for s in bot.clock.slept[len(slept) :]), bot.clock.slept


async def test_a_practices_own_link_records_it_and_preselects_the_practice(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    await bot.add_practice("P92001", "Pemberton Surgery")
    person = _phone(bot, press=False)
    await converse(
        person,
        [
            ("/start p-P92001", ["Reply 1"]),
            ("1", []),
            ("yes", []),
            ("Ann", []),
            ("14/3/52", ["What would you like help with"]),  # no practice question
            ("1", []),
            ("no", []),
            ("1", ["Please check", "GP: Pemberton Surgery"]),
        ],
    )
    async with bot.services.db.read() as session:
        client = (await session.execute(select(ClientRow))).scalars().one()
    assert client.came_from == "p-P92001"


async def test_an_sms_client_links_telegram_and_a_staff_reply_reaches_them_there(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    fake = bot.telegram
    assert fake is not None
    token = await bot.staff_token()
    sms = "+447700900123"
    for said in ("Hello", "1", "yes", "Margaret Hughes", "14/3/52", "1", "no", "1", "yes"):
        await bot.text(sms, said)
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    [case] = cases["items"]

    person = _phone(bot, press=False)
    await converse(person, [("/start", ["Reply 1"]), ("/link", ["Share my number"])])
    share = fake.last(CHAT).reply_markup
    assert share is not None and share["keyboard"][0][0]["request_contact"] is True
    await person.deliver(fake.contact_update(CHAT, sms))
    assert (await person.inbox())[-1] == texts.LINK_ASK_DOB
    await converse(person, [("1/1/1990", ["doesn't match"]), ("14/3/1952", ["now linked"])])
    # Nothing about the SMS client was shown in Telegram before the check passed.
    assert not any("Margaret" in text for text in fake.to(CHAT))

    status, _ = await bot.api(
        "POST", f"/api/v1/cases/{case['id']}/reply", token, {"text": "Hello Margaret, Sam here."}
    )
    assert status == 201
    texts_before = len(bot.twilio.to(sms))
    assert (await person.inbox())[-1] == "Hello Margaret, Sam here."
    assert len(bot.twilio.to(sms)) == texts_before
    _, client = await bot.api("GET", f"/api/v1/clients/{case['client_id']}", token)
    assert client["telegram_chat_id"] == str(CHAT) and client["phone"] == sms
    _, detail = await bot.api("GET", f"/api/v1/cases/{case['id']}", token)
    assert {m["channel"] for m in detail["messages"]} == {"sms", "telegram"}

    # Texting again by SMS moves replies back to SMS: the channel they use now.
    await bot.text(sms, "Thanks Sam")
    await bot.api("POST", f"/api/v1/cases/{case['id']}/reply", token, {"text": "By text now"})
    await bot.services.outbox.send_due()
    assert bot.twilio.to(sms)[-1] == "By text now"


async def test_a_number_nobody_uses_is_just_kept_and_a_wrong_date_three_times_stops(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    fake = bot.telegram
    assert fake is not None
    person = _phone(bot, press=False)
    await person.say("/start")
    await person.deliver(fake.contact_update(CHAT, "+447700900555"))
    assert (await person.inbox())[-1] == texts.LINK_NUMBER_SAVED
    for said in ("Hello", "1", "yes", "Ann Lee", "2/2/1950", "1", "no", "1", "yes"):
        await bot.text("+447700900777", said)
    await person.deliver(fake.contact_update(CHAT, "+447700900777"))
    await converse(
        person,
        [
            ("1/1/1990", ["doesn't match"]),
            ("2/1/1990", ["doesn't match"]),
            ("3/1/1990", ["couldn't link"]),
        ],
    )
    assert not any("Ann" in text for text in fake.to(CHAT))


@pytest.mark.parametrize("polling", [False, True])
async def test_crisis_words_in_telegram_get_contacts_and_an_urgent_case(
    make_bot: Any, polling: bool
) -> None:
    bot: Bot = await make_bot(telegram="polling" if polling else "webhook")
    person = _phone(bot, polling=polling)
    token = await bot.staff_token()
    await converse(person, [("Hello", []), ("1", []), ("yes", ["name"])])
    [crisis] = await person.say("i keep thinking about ending it all")
    assert crisis == texts.crisis(bot.services.settings.service)
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"][0]["priority"] == "urgent"
    await converse(person, [("Ann", ["date of birth"])])  # the referral carries on


async def test_when_telegram_cannot_be_reached_the_message_waits_and_goes_later(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    fake = bot.telegram
    assert fake is not None
    port = fake.port
    await fake.stop()
    person = _phone(bot)
    assert await person.say("Hello") == []  # stored and answered later, not lost
    [_, out] = await _messages(bot)
    assert out.status == "pending" and out.attempts == 1 and out.error_code is None
    await fake.start(port=port)
    bot.clock.advance(timedelta(seconds=6))
    assert await person.inbox() == [texts.welcome(bot.services.settings.service)]
