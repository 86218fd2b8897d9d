"""Safeguarding in every state of every flow, over SMS and Telegram: every message of the public
set gets the contacts for its concerns at once and an urgent case at the top of the queue, and
the conversation it interrupted is kept."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from flows import safety, texts
from storage.tables import CaseRow, ClientRow
from tests.conftest import Bot
from tests.support.crisis_messages import EVERYDAY_MESSAGES, RISK_MESSAGES
from tests.support.dialog import SmsPhone, TelegramPhone

Phone = SmsPhone | TelegramPhone

SELF = ["Hello", "1", "yes", "Ann", "14/3/52", "Pemberton", "1", "no", "1"]
FRIEND = ["Hello", "2", "Jean", "07700 901999", "neighbour", "Bob"]
# Each state is reached by what a person has said before the risk message.
STATES: dict[str, list[str]] = {
    "new number": [],
    "welcome": SELF[:1],
    "consent": SELF[:2],
    "name": SELF[:3],
    "date of birth": SELF[:4],
    "practice": SELF[:5],
    "practice choice": [*SELF[:5], "hindley"],
    "needs": SELF[:6],
    "notes": SELF[:7],
    "contact": SELF[:8],
    "summary": SELF[:9],
    "referral sent": [*SELF[:9], "yes"],
    "friend's name": FRIEND[:2],
    "friend's number": FRIEND[:3],
    "how they know them": FRIEND[:4],
    "your name": FRIEND[:5],
    "confirm friend": FRIEND[:6],
    "talking to a person": ["Hello", "TALK", "thanks"],
    "declined": ["Hello", "1", "no"],
    "editing from the summary": [*SELF[:9], "3"],
    "asked to join by a friend": [],  # see _invite below
}
INVITED = "asked to join by a friend"


async def _invite(bot: Bot, number: str, i: int) -> None:
    """Another person suggests us to this number, so it is waiting to answer an invitation."""
    referrer = f"+4477009{i + 50000:05d}"
    national = "0" + number[3:]
    for said in ("Hello", "2", "Jean", national, "neighbour", "Bob", "yes"):
        await bot.text(referrer, said)


async def _client(bot: Bot, phone: Phone) -> ClientRow | None:
    column = ClientRow.telegram_chat_id if isinstance(phone, TelegramPhone) else ClientRow.phone
    async with bot.services.db.read() as session:
        found = await session.execute(select(ClientRow).where(column == phone.number))
        return found.scalars().first()


async def _urgent_cases(bot: Bot, client_id: int) -> list[CaseRow]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(CaseRow).where(CaseRow.client_id == client_id, CaseRow.status == "open")
        )
        return [c for c in rows.scalars() if c.priority == "urgent"]


def _phone(bot: Bot, i: int, telegram: bool) -> Phone:
    if telegram:
        assert bot.telegram is not None
        return TelegramPhone(bot, bot.telegram, 7_000_000 + i, polling=False, press=False)
    return SmsPhone(bot, f"+4477009{i:05d}")


# The detector does not touch the database: the whole set runs on SQLite, over both channels.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_risk_message_in_every_state_gets_its_contacts_and_an_urgent_case(
    make_bot: Any,
) -> None:
    """Two people in each state, one by SMS and one on Telegram (an invitation only reaches a
    phone number: both of those are by SMS), share the set: each message gets its contacts, the
    urgent case is there, and the state they were in is kept for the next message."""
    bot: Bot = await make_bot(telegram="webhook")
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Hindley Health Centre")
    await bot.add_practice("P92003", "Hindley Green Surgery")
    service = bot.services.settings.service
    token = await bot.staff_token()
    people = [(state, on_telegram) for state in STATES for on_telegram in (False, True)]
    share = Counter[str]()
    for i, (state, on_telegram) in enumerate(people):
        phone = _phone(bot, i, on_telegram and state != INVITED)
        for said in STATES[state]:
            await phone.say(said)
        if state == INVITED:
            await _invite(bot, phone.number, i)
            await bot.services.outbox.send_due()
        before = await _client(bot, phone)
        first_reason = None
        for concern, message in RISK_MESSAGES[i :: len(people)]:
            share[type(phone).__name__] += 1
            answer = await phone.say(message)
            raised = safety.concerns(message)
            assert concern in raised, message
            assert answer == [texts.crisis(service, raised)], f"{message!r} in {state!r}: {answer}"
            after = await _client(bot, phone)
            assert after is not None and after.id is not None
            [urgent] = await _urgent_cases(bot, after.id)
            first_reason = first_reason or texts.case_reason(raised)
            assert first_reason in urgent.reason, (message, urgent.reason)
            if before is not None:  # the conversation can carry on where it was
                assert (after.flow, json.loads(after.flow_state)) == (
                    before.flow,
                    json.loads(before.flow_state),
                ), state
        _, queue = await bot.api("GET", "/api/v1/cases?limit=1", token)
        assert queue["items"][0]["priority"] == "urgent"
    assert sum(share.values()) == len(RISK_MESSAGES)
    # Each person sent at least five, and each channel carried a third of the set or more.
    assert len(RISK_MESSAGES) >= 5 * len(people)
    assert min(share.values()) >= len(RISK_MESSAGES) // 3, share


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_everyday_messages_get_no_crisis_reply(make_bot: Any) -> None:
    """Each everyday message, as the first from a new number or chat, gets no contacts and no
    urgent case."""
    bot: Bot = await make_bot(telegram="webhook")
    service = bot.services.settings.service
    every_reply = {texts.crisis(service, [c]) for c in safety.Concern}
    for i, message in enumerate(EVERYDAY_MESSAGES):
        phone = _phone(bot, i, bool(i % 2))
        answer = await phone.say(message)
        assert answer and not every_reply & set(answer), message
        client = await _client(bot, phone)
        assert client is not None and client.id is not None
        assert await _urgent_cases(bot, client.id) == [], message


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL has no queue
async def test_a_crisis_message_behind_a_queue_of_ordinary_ones_is_handled_first(
    bot: Bot,
) -> None:
    """Under a burst on SQLite, where writers queue in the process, a message that suggests a
    risk of harm does not wait its turn: it is handled, and its contacts written, before the
    ordinary messages that arrived first."""
    holding, let_go = asyncio.Event(), asyncio.Event()

    async def busy() -> None:  # another write in progress, as a burst would have
        async with bot.services.db.write():
            holding.set()
            await let_go.wait()

    held = asyncio.create_task(busy())
    await holding.wait()
    ordinary = [f"+4477009006{n:02d}" for n in range(5)]
    texts_in = [asyncio.create_task(bot.webhooks.sms(phone, "Hello")) for phone in ordinary]
    await asyncio.sleep(0.05)
    crisis = asyncio.create_task(bot.webhooks.sms("+447700900699", "I want to end my life"))
    await asyncio.sleep(0.05)
    let_go.set()
    for response in await asyncio.gather(held, *texts_in, crisis):
        assert response is None or response.status == 200
    async with bot.services.db.read() as session:
        rows = (
            await session.execute(
                sa.text("SELECT address, kind FROM message WHERE direction = 'out' ORDER BY id")
            )
        ).all()
    assert rows[0] == ("tel:+447700900699", "crisis")
    assert {address for address, _ in rows[1:]} == {f"tel:{phone}" for phone in ordinary}
