"""Safeguarding in every state of every flow: every risk message gets the crisis contacts at
once and an urgent case at the top of the queue, and the conversation it interrupted is kept."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from flows import texts
from storage.tables import CaseRow, ClientRow
from tests.conftest import Bot
from tests.support.crisis_messages import EVERYDAY_MESSAGES, RISK_MESSAGES

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


async def _client(bot: Bot, number: str) -> ClientRow | None:
    async with bot.services.db.read() as session:
        return (
            (await session.execute(select(ClientRow).where(ClientRow.phone == number)))
            .scalars()
            .first()
        )


async def _urgent_cases(bot: Bot, client_id: int) -> list[CaseRow]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(CaseRow).where(CaseRow.client_id == client_id, CaseRow.status == "open")
        )
        return [c for c in rows.scalars() if c.priority == "urgent"]


async def test_every_risk_message_in_every_state_gets_contacts_and_an_urgent_case(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot()
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Hindley Health Centre")
    await bot.add_practice("P92003", "Hindley Green Surgery")
    crisis = texts.crisis(bot.services.settings.service)
    token = await bot.staff_token()
    names = list(STATES)
    assert len(RISK_MESSAGES) >= 60
    for i, message in enumerate(RISK_MESSAGES):
        state = names[i % len(names)]
        number = f"+4477009{i:05d}"
        for said in STATES[state]:
            await bot.text(number, said)
        if state == INVITED:
            await _invite(bot, number, i)
            await bot.services.outbox.send_due()
        before = await _client(bot, number)
        sent = len(bot.twilio.to(number))
        await bot.text(number, message)
        answer = bot.twilio.to(number)[sent:]
        assert answer == [crisis], f"{message!r} in state {state!r}: {answer}"
        after = await _client(bot, number)
        assert after is not None and after.id is not None
        [urgent] = await _urgent_cases(bot, after.id)
        assert urgent.reason == "crisis"
        if before is not None:  # the conversation can carry on where it was
            assert (after.flow, json.loads(after.flow_state)) == (
                before.flow,
                json.loads(before.flow_state),
            ), state
        _, queue = await bot.api("GET", "/api/v1/cases?limit=1", token)
        assert queue["items"][0]["priority"] == "urgent"
    # Every state was tried at least three times.
    assert len(RISK_MESSAGES) >= 3 * len(STATES)


async def test_everyday_messages_get_no_crisis_reply(make_bot: Any) -> None:
    bot: Bot = await make_bot()
    crisis = texts.crisis(bot.services.settings.service)
    assert len(EVERYDAY_MESSAGES) >= 40
    for i, message in enumerate(EVERYDAY_MESSAGES):
        number = f"+4477009{i:05d}"
        await bot.text(number, "Hello")
        await bot.text(number, message)
        assert crisis not in bot.twilio.to(number), message
        client = await _client(bot, number)
        assert client is not None and client.id is not None
        assert await _urgent_cases(bot, client.id) == [], message
