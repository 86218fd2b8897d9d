"""A person's phone for dialog tests: say something, get back what the bot sent in answer.

``SmsPhone`` texts through signed Twilio webhooks and reads the fake Twilio's sent messages;
``SimulatorPhone`` types into the simulator page's endpoints and reads what it shows. Both go
through the whole app, so a dialog test runs unchanged over either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from testkit.fake_telegram import FakeTelegram
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


class TelegramPhone:
    """A private chat with the bot. ``press`` makes the person press a button whose value or
    label matches what they would have typed, when the bot's last message offers one."""

    def __init__(
        self, bot: Bot, fake: FakeTelegram, chat_id: int, *, polling: bool, press: bool
    ) -> None:
        self.bot, self.fake, self.chat_id = bot, fake, chat_id
        self.number = str(chat_id)
        self.polling, self.press = polling, press

    def _button_for(self, text: str) -> tuple[int, str] | None:
        mine = [m for m in self.fake.sent if m.chat_id == self.chat_id]
        if not self.press or not mine or not mine[-1].reply_markup:
            return None
        for row in mine[-1].reply_markup.get("inline_keyboard", []):
            for button in row:
                if text.lower() in (button["callback_data"].lower(), button["text"].lower()):
                    return mine[-1].message_id, button["callback_data"]
        return None

    async def deliver(self, update: dict[str, Any]) -> None:
        if self.polling:
            self.fake.push(update)
            async with asyncio.timeout(20):
                # The app's own polling task fetches it; wait until it has been handled.
                while not await self._stored(update):  # noqa: ASYNC110  (another task works)
                    await asyncio.sleep(0.01)
        else:
            response = await self.bot.client.post(
                "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )
            assert response.status == 200, await response.text()

    async def _stored(self, update: dict[str, Any]) -> bool:
        from storage.tables import ProcessedUpdateRow

        async with self.bot.services.db.read() as session:
            key = f"telegram:{update['update_id']}"
            return await session.get(ProcessedUpdateRow, key) is not None

    async def say(self, text: str) -> list[str]:
        before = len(self.fake.to(self.chat_id))
        pressed = self._button_for(text)
        if pressed is not None:
            message_id, data = pressed
            update = self.fake.callback_update(self.chat_id, data, message_id=message_id)
        else:
            update = self.fake.message_update(self.chat_id, text)
        await self.deliver(update)
        await self.bot.services.outbox.send_due()
        return self.fake.to(self.chat_id)[before:]

    async def inbox(self) -> list[str]:
        await self.bot.services.outbox.send_due()
        return self.fake.to(self.chat_id)


WEBHOOK_SECRET = "test-webhook-secret"


def phone(bot: Bot, channel: str, number: str) -> Phone:
    """``sms``, ``simulator``, or ``telegram-webhook``/``telegram-polling`` with ``-buttons``
    to press buttons where offered. The number names the person; Telegram derives a chat id."""
    if channel == "sms":
        return SmsPhone(bot, number)
    if channel == "simulator":
        return SimulatorPhone(bot, number)
    assert bot.telegram is not None, "make the bot with telegram=... for a Telegram phone"
    return TelegramPhone(
        bot,
        bot.telegram,
        int(number[-9:]),
        polling="polling" in channel,
        press=channel.endswith("-buttons"),
    )


async def converse(person: Phone, steps: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Play (person says, bot's answer contains each of these) steps; return the last answer.

    Every step must be answered, and each expected fragment found (case-insensitive) in what
    came back, so a dialog fails at the first turn that goes wrong, naming it."""
    answer: list[str] = []
    for said, expected in steps:
        answer = await person.say(said)
        expect(said, expected, answer)
    return answer


def expect(said: str, expected: Sequence[str], answer: Sequence[str]) -> None:
    """Each expected fragment is somewhere (case-insensitive) in the answer to ``said``."""
    joined = "\n".join(answer).lower()
    for fragment in expected:
        assert fragment.lower() in joined, f"after {said!r} expected {fragment!r}: {answer}"


# Every way a person talks to the bot in these tests (``phone`` makes each).
CHANNELS = [
    "sms",
    "simulator",
    "telegram-webhook",
    "telegram-polling",
    "telegram-webhook-buttons",
    "telegram-polling-buttons",
]
# Where a dialog test runs end to end, as (channel, database) pairs for ``on``. What a
# conversation says at each turn is played step by step in tests/unit, so end to end it needs
# only the channels and databases that carry it differently:
# a whole conversation, on every channel on SQLite and four of them on PostgreSQL;
EVERYWHERE = [(c, "sqlite") for c in CHANNELS] + [
    (c, "postgresql") for c in ("sms", "simulator", "telegram-webhook-buttons", "telegram-polling")
]
# what the engine does around a conversation (STOP, timers, cases), SMS and Telegram on each;
AROUND = [
    ("sms", "sqlite"),
    ("telegram-polling", "sqlite"),
    ("sms", "postgresql"),
    ("telegram-polling-buttons", "postgresql"),
]
# and a conversation's wording and steps, typed by SMS and pressed as Telegram buttons.
WORDING = [("sms", "sqlite"), ("telegram-webhook-buttons", "sqlite")]


def on(pairs: Sequence[tuple[str, str]]) -> pytest.MarkDecorator:
    """Run a dialog test on these (channel, database) pairs rather than on every channel and
    each database."""
    return pytest.mark.parametrize(("channel", "database_url"), pairs, indirect=["database_url"])
