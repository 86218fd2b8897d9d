"""The fake Telegram Bot API, driven only through the real ``telegram.Bot`` of python-telegram-bot.

These tests pin down that the fake speaks the protocol PTB speaks: PTB encodes the requests, the
fake decodes them, and PTB parses the answers into its own objects and exceptions.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from testkit.fake_telegram import TOKEN, FakeTelegram

CHAT = 424242
OTHER = 515151


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    client = Bot(TOKEN, base_url=fake.base_url)
    await client.initialize()
    yield client
    await client.shutdown()


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in pairs]
    )


async def test_get_me_returns_the_bot_user(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()

    assert me.is_bot is True
    assert me.id == int(TOKEN.split(":")[0])
    assert me.username == bot.username
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/bot"
    assert fake.requests["getMe"] == 2  # once by initialize(), once here


async def test_send_message_records_text_and_inline_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    markup = keyboard(("Yes", "consent:yes"), ("No", "consent:no"))

    message = await bot.send_message(CHAT, "Do you agree?", reply_markup=markup)

    assert message.chat.id == CHAT
    assert message.chat.type == "private"
    assert message.from_user is not None and message.from_user.is_bot
    assert message.text == "Do you agree?"
    assert message.reply_markup == markup
    assert isinstance(message.date, dtm.datetime)
    sent = fake.last(CHAT)
    assert (sent.chat_id, sent.text, sent.message_id) == (CHAT, "Do you agree?", message.message_id)
    assert sent.reply_markup == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "consent:yes"}],
            [{"text": "No", "callback_data": "consent:no"}],
        ]
    }
    assert fake.requests["sendMessage"] == 1


async def test_texts_are_decoded_as_strings_and_kept_per_chat(fake: FakeTelegram, bot: Bot) -> None:
    texts = ["42", "[1, 2]", '{"a": 1}', "true", "a&b=c+d % ü 😀\nline two"]
    ids = [(await bot.send_message(CHAT, text)).message_id for text in texts]
    await bot.send_message(OTHER, "someone else")

    assert fake.to(CHAT) == texts
    assert fake.to(OTHER) == ["someone else"]
    assert fake.last(CHAT).reply_markup is None
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    with pytest.raises(AssertionError):
        fake.last(999)


async def test_reply_keyboard_is_recorded_but_not_returned_on_the_message(
    fake: FakeTelegram, bot: Bot
) -> None:
    markup = ReplyKeyboardMarkup(
        [[KeyboardButton("Share my number", request_contact=True)]], one_time_keyboard=True
    )

    message = await bot.send_message(CHAT, "Please share your number", reply_markup=markup)

    assert message.reply_markup is None
    recorded = fake.last(CHAT).reply_markup
    assert recorded is not None
    assert recorded["keyboard"] == [[{"text": "Share my number", "request_contact": True}]]
    assert recorded["one_time_keyboard"] is True


async def test_empty_text_and_bad_callback_data_are_refused(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "Pick", reply_markup=keyboard(("Long", "x" * 65)))
    assert fake.sent == []


async def test_set_and_delete_webhook(fake: FakeTelegram, bot: Bot) -> None:
    url = "https://linkbot.example.org/telegram/webhook"

    assert (
        await bot.set_webhook(
            url, secret_token="s3cret-Token_1", allowed_updates=["message", "callback_query"]
        )
        is True
    )
    assert fake.webhook == {
        "url": url,
        "secret_token": "s3cret-Token_1",
        "allowed_updates": ["message", "callback_query"],
    }
    info = await bot.get_webhook_info()
    assert info.url == url

    assert await bot.delete_webhook() is True
    assert fake.webhook is None
    assert (await bot.get_webhook_info()).url == ""
    assert fake.requests["setWebhook"] == 1
    assert fake.requests["deleteWebhook"] == 1


async def test_webhook_needs_https_and_a_clean_secret(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL"):
        await bot.set_webhook("http://linkbot.example.org/telegram/webhook")
    with pytest.raises(BadRequest, match=r"(?i)ports"):
        await bot.set_webhook("https://linkbot.example.org:8080/telegram/webhook")
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook("https://linkbot.example.org/hook", secret_token="has space")
    assert fake.webhook is None


async def test_get_updates_parses_message_callback_and_contact(
    fake: FakeTelegram, bot: Bot
) -> None:
    sent = await bot.send_message(CHAT, "Choose", reply_markup=keyboard(("A", "pick:a")))
    fake.push(fake.message_update(CHAT, "/start abc", first_name="Bea"))
    fake.push(fake.callback_update(CHAT, "pick:a", message_id=sent.message_id))
    fake.push(fake.contact_update(CHAT, "+447700900123"))

    updates = await bot.get_updates()

    assert all(isinstance(u, Update) for u in updates)
    assert [u.update_id for u in updates] == sorted(u.update_id for u in updates)
    text, press, contact = updates
    assert text.message is not None and text.message.text == "/start abc"
    assert text.message.chat.id == CHAT and text.message.from_user is not None
    assert text.message.from_user.first_name == "Bea"
    assert text.message.from_user.is_bot is False
    assert text.message.parse_entities(["bot_command"]) == {text.message.entities[0]: "/start"}
    assert press.callback_query is not None and press.callback_query.data == "pick:a"
    assert press.callback_query.from_user.id == CHAT
    pressed_on = press.callback_query.message
    assert pressed_on is not None and pressed_on.message_id == sent.message_id
    assert pressed_on.reply_markup == keyboard(("A", "pick:a"))  # type: ignore[union-attr]
    assert contact.message is not None and contact.message.contact is not None
    assert contact.message.contact.phone_number == "+447700900123"
    assert contact.message.contact.user_id == contact.message.from_user.id == CHAT  # type: ignore[union-attr]

    # Not confirmed yet: asked again, the same updates come back.
    assert [u.update_id for u in await bot.get_updates()] == [u.update_id for u in updates]
    # Confirmed by offset: gone.
    assert await bot.get_updates(offset=contact.update_id + 1) == ()
    assert fake.pending_updates == []


async def test_offset_confirms_only_earlier_updates_and_limit_caps(
    fake: FakeTelegram, bot: Bot
) -> None:
    first = fake.message_update(CHAT, "one")
    fake.push(first)
    fake.push(fake.message_update(CHAT, "two"))
    fake.push(fake.message_update(OTHER, "three"))

    updates = await bot.get_updates(offset=first["update_id"] + 1, limit=1)

    assert [u.message.text for u in updates] == ["two"]  # type: ignore[union-attr]
    rest = await bot.get_updates(offset=updates[0].update_id + 1)
    assert [u.message.text for u in rest] == ["three"]  # type: ignore[union-attr]
    given = fake.message_update(CHAT, "four", update_id=first["update_id"] + 50)
    assert given["update_id"] == first["update_id"] + 50
    assert fake.message_update(CHAT, "five")["update_id"] == first["update_id"] + 51


async def test_long_poll_waits_then_wakes_on_push(fake: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9  # it held the request open

    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    assert not poll.done()
    fake.push(fake.message_update(CHAT, "hello"))
    updates = await asyncio.wait_for(poll, 1.5)  # woken by the push, well before the timeout

    assert [u.message.text for u in updates] == ["hello"]  # type: ignore[union-attr]


async def test_long_poll_is_capped_at_two_seconds(fake: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=30) == ()
    assert 1.8 <= time.monotonic() - started < 5


async def test_cancelled_long_poll_leaves_the_fake_serving(fake: FakeTelegram) -> None:
    client = Bot(TOKEN, base_url=fake.base_url)
    await client.initialize()
    poll = asyncio.create_task(client.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    await client.shutdown()

    async with Bot(TOKEN, base_url=fake.base_url) as again:
        assert (await again.send_message(CHAT, "still here")).text == "still here"
    started = time.monotonic()
    await fake.stop()
    assert time.monotonic() - started < 3


async def test_get_updates_conflicts_with_an_active_webhook(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://linkbot.example.org/telegram/webhook")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_answer_callback_query(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Choose", reply_markup=keyboard(("A", "pick:a")))
    update = fake.callback_update(CHAT, "pick:a", message_id=sent.message_id, callback_id="cb-1")
    fake.push(update)
    (parsed,) = await bot.get_updates()

    assert await parsed.callback_query.answer("Thanks") is True  # type: ignore[union-attr]
    assert fake.answered_callbacks == ["cb-1"]
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("never-pressed")
    assert fake.answered_callbacks == ["cb-1"]
    assert fake.requests["answerCallbackQuery"] == 2


async def test_edit_message_reply_markup(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Choose", reply_markup=keyboard(("A", "pick:a")))
    chosen = keyboard(("✓ A", "noop"))

    edited = await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=chosen)

    assert isinstance(edited, type(sent))
    assert edited.message_id == sent.message_id and edited.reply_markup == chosen  # type: ignore[union-attr]
    assert fake.edits == [
        (CHAT, sent.message_id, {"inline_keyboard": [[{"text": "✓ A", "callback_data": "noop"}]]})
    ]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=chosen)

    removed = await bot.edit_message_reply_markup(CHAT, sent.message_id)
    assert removed.reply_markup is None  # type: ignore[union-attr]
    assert fake.edits[-1] == (CHAT, sent.message_id, None)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(CHAT, 9999, reply_markup=chosen)
    # A press after the edit shows the message as it now is.
    press = fake.callback_update(CHAT, "noop", message_id=sent.message_id)
    assert "reply_markup" not in press["callback_query"]["message"]


async def test_edit_message_text_is_recorded_as_an_edit(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Choose", reply_markup=keyboard(("A", "pick:a")))

    edited = await bot.edit_message_text("You chose A", CHAT, sent.message_id)

    assert edited.text == "You chose A"  # type: ignore[union-attr]
    assert fake.edits == [(CHAT, sent.message_id, None)]


async def test_fail_next_429_raises_retry_after(
    fake: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # retry_after as a timedelta, without warnings
    fake.fail_next("sendMessage", 429, retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hello")

    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    assert fake.sent == []
    assert (await bot.send_message(CHAT, "hello")).text == "hello"  # only the next one failed
    assert fake.to(CHAT) == ["hello"]
    assert fake.requests["sendMessage"] == 2


async def test_fail_next_403_raises_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next(
        "sendMessage", 403, description="Forbidden: bot was blocked by the user", times=2
    )

    for _ in range(2):
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(CHAT, "hello")
    assert (await bot.get_me()).is_bot  # other methods are unaffected
    await bot.send_message(CHAT, "third time")

    assert fake.to(CHAT) == ["third time"]


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    stranger = Bot("654321:WRONG-token", base_url=fake.base_url)

    with pytest.raises(InvalidToken):
        await stranger.initialize()
    with pytest.raises(InvalidToken, match=r"(?i)Unauthorized"):
        await stranger.send_message(CHAT, "hello")
    await stranger.shutdown()

    assert fake.sent == []
    assert fake.requests["getMe"] == 1
