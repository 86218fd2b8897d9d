"""Someone who opted out (STOP on SMS, or blocking the bot on Telegram) and then writes crisis
wording still gets the crisis contacts at once, as a direct answer to their own message; only
if the provider refuses it (Twilio's 21610) does it not go, and then the urgent case says so."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from flows import texts
from flows.engine.delivery import CRISIS_REPLY_UNDELIVERED
from flows.safety import Concern
from storage.tables import CaseRow, ClientRow
from tests.conftest import Bot
from tests.support.dialog import TelegramPhone

PHONE = "+447700900123"
CHAT = 900321
CRISIS = "I want to end my life"


async def _urgent_cases(bot: Bot) -> list[CaseRow]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(CaseRow).where(CaseRow.status == "open").order_by(col(CaseRow.id))
        )
        return [case for case in rows.scalars() if case.priority == "urgent"]


async def test_after_stop_a_crisis_text_gets_the_contacts_and_nothing_else(bot: Bot) -> None:
    service = bot.services.settings.service
    await bot.text(PHONE, "STOP")
    await bot.text(PHONE, "hello again")  # an ordinary message: still nothing
    assert bot.twilio.to(PHONE) == [texts.opted_out(service)]
    await bot.text(PHONE, CRISIS)
    assert bot.twilio.to(PHONE) == [texts.opted_out(service), texts.crisis(service)]
    [case] = await _urgent_cases(bot)
    assert case.reason == "crisis"
    async with bot.services.db.read() as session:
        client = (await session.execute(select(ClientRow))).scalars().one()
    assert client.opted_out  # answering the crisis does not opt them back in


async def test_when_twilio_refuses_the_contacts_as_unsubscribed_the_urgent_case_says_so(
    bot: Bot,
) -> None:
    await bot.text(PHONE, "STOP")
    bot.twilio.unsubscribed.add(PHONE)  # Twilio's own opt-out handling blocks the number
    await bot.text(PHONE, CRISIS)
    [case] = await _urgent_cases(bot)
    assert case.reason == CRISIS_REPLY_UNDELIVERED  # a person must phone them
    status, body = await bot.api("GET", f"/api/v1/cases/{case.id}", await bot.staff_token())
    assert status == 200
    crisis = [m for m in body["messages"] if m["direction"] == "out"][-1]
    assert crisis["delivery"] == "failed" and "116 123" in crisis["text"]


async def test_after_blocking_the_bot_a_crisis_message_on_telegram_gets_the_contacts(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    fake = bot.telegram
    assert fake is not None
    person = TelegramPhone(bot, fake, CHAT, polling=False, press=True)
    fake.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    await person.say("Hello")  # the welcome is refused: blocked, so opted out
    async with bot.services.db.read() as session:
        assert (await session.execute(select(ClientRow))).scalars().one().opted_out
    await person.say("hello?")  # an ordinary message: nothing
    assert fake.to(CHAT) == []
    await person.say(CRISIS)  # they unblocked the bot to write this
    assert fake.to(CHAT) == [texts.crisis(bot.services.settings.service)]
    [case] = await _urgent_cases(bot)
    assert case.reason == "crisis"


async def test_after_stop_a_disclosure_of_abuse_gets_the_safeguarding_contacts(bot: Bot) -> None:
    """Every concern is answered after STOP, each with its own contacts: here harm from others."""
    service = bot.services.settings.service
    await bot.text(PHONE, "STOP")
    await bot.text(PHONE, "my dad is hurting me")
    safeguarding = texts.crisis(service, [Concern.HARM_FROM_OTHERS])
    assert bot.twilio.to(PHONE) == [texts.opted_out(service), safeguarding]
    assert "0808 2000 247" in safeguarding and "Childline: 0800 1111" in safeguarding
    [case] = await _urgent_cases(bot)
    assert case.reason == "safeguarding"


async def test_a_second_concern_joins_the_urgent_case_reason(bot: Bot) -> None:
    """A crisis, then a disclosure of abuse: the urgent case names both, shown by the API."""
    service = bot.services.settings.service
    await bot.text(PHONE, CRISIS)
    await bot.text(PHONE, "and my husband hits me when he drinks")
    assert bot.twilio.to(PHONE)[-1] == texts.crisis(service, [Concern.HARM_FROM_OTHERS])
    [case] = await _urgent_cases(bot)
    _, queue = await bot.api("GET", "/api/v1/cases?status=open", await bot.staff_token())
    assert [(c["reason"], c["priority"]) for c in queue["items"]] == [
        ("crisis+safeguarding", "urgent")
    ]
    assert case.reason == "crisis+safeguarding"
