"""A person's phone for dialog tests: say something, get back what the bot sent in answer.

``SmsPhone`` texts through signed Twilio webhooks and reads the fake Twilio's sent messages;
``SimulatorPhone`` types into the simulator page's endpoints and reads what it shows. Both go
through the whole app, so a dialog test runs unchanged over either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tests.conftest import Bot


class Phone(Protocol):
    number: str

    async def say(self, text: str) -> list[str]: ...

    async def inbox(self) -> list[str]: ...


class SmsPhone:
    def __init__(self, bot: Bot, number: str) -> None:
        self.bot, self.number = bot, number

    async def say(self, text: str) -> list[str]:
        before = len(self.bot.twilio.to(self.number))
        await self.bot.text(self.number, text)
        return self.bot.twilio.to(self.number)[before:]

    async def inbox(self) -> list[str]:
        await self.bot.services.outbox.send_due()
        return self.bot.twilio.to(self.number)


class SimulatorPhone:
    def __init__(self, bot: Bot, number: str) -> None:
        self.bot, self.number = bot, number

    async def say(self, text: str) -> list[str]:
        before = len(await self.inbox())
        response = await self.bot.client.post(
            "/simulator/send", json={"from": self.number, "text": text}
        )
        assert response.status == 200, await response.text()
        return (await self.inbox())[before:]

    async def inbox(self) -> list[str]:
        await self.bot.services.outbox.send_due()
        response = await self.bot.client.get("/simulator/messages", params={"from": self.number})
        assert response.status == 200
        items = (await response.json())["items"]
        return [i["text"] for i in items if i["direction"] == "out"]


def phone(bot: Bot, channel: str, number: str) -> Phone:
    return SmsPhone(bot, number) if channel == "sms" else SimulatorPhone(bot, number)


async def converse(person: Phone, steps: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Play (person says, bot's answer contains each of these) steps; return the last answer.

    Every step must be answered, and each expected fragment found (case-insensitive) in what
    came back, so a dialog fails at the first turn that goes wrong, naming it."""
    answer: list[str] = []
    for said, expected in steps:
        answer = await person.say(said)
        joined = "\n".join(answer).lower()
        for fragment in expected:
            assert fragment.lower() in joined, f"after {said!r} expected {fragment!r}: {answer}"
    return answer
