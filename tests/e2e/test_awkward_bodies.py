"""Awkward bodies on both webhooks: every answer under 500 and no traceback in the logs, and a
readable message with odd characters in it still reaches the engine and is answered.

The bodies are generated: not JSON, not UTF-8, lone surrogates, NUL, a megabyte, empty, wrong
types anywhere in an update, deep nesting, numbers too large for anything; for Twilio, forms
with broken percent-encoding, bytes that are not UTF-8, missing fields, and each one signed as
Twilio would sign what it sent (a bad signature is refused before any of this matters).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
from sqlmodel import col, select

from flows import texts
from storage.tables import MessageRow
from testkit.fake_twilio import AUTH_TOKEN, sign
from testkit.settings import PUBLIC_BASE_URL
from tests.conftest import Bot
from tests.support.dialog import WEBHOOK_SECRET, TelegramPhone

CHAT = 900789
PHONE = "+447700900123"
MEGABYTE = 1 << 20
FORM = "application/x-www-form-urlencoded"


def _update(**message: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": CHAT, "type": "private", "first_name": "Ann"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Ann"},
        "text": "Hello",
    }
    return {"update_id": 10_001, "message": base | message}


def telegram_bodies() -> Iterator[tuple[str, bytes]]:
    """(name, raw body) pairs: not JSON, not UTF-8, wrong shapes, extremes."""
    for name, raw in [
        ("empty", b""),
        ("not json", b"{"),
        ("null", b"null"),
        ("a list", b"[]"),
        ("a string", b'"update"'),
        ("a number", b"5"),
        ("nan", b"NaN"),
        ("not utf-8", b'{"update_id": 1, "message": {"text": "\xff\xfe"}}'),
        ("utf-16 garbage", "\ufeff{".encode("utf-16")),
        ("deep list", b"[" * 100_000 + b"]" * 100_000),
        ("deep object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        ("a huge integer", b'{"update_id": 1' + b"0" * 5000 + b"}"),
        ("a megabyte", json.dumps(_update(text="x" * MEGABYTE)).encode()),
    ]:
        yield name, raw
    shapes: list[tuple[str, Any]] = [
        ("empty object", {}),
        ("update_id a string", {"update_id": "x", "message": _update()["message"]}),
        ("update_id a float", {"update_id": 1e400}),
        ("update_id huge", {**_update(), "update_id": 10**400}),
        ("update_id a bool", {**_update(), "update_id": True}),
        ("message a number", {"update_id": 1, "message": 5}),
        ("message a list", {"update_id": 1, "message": [1, 2]}),
        ("chat a number", _update(chat=5)),
        ("chat id a string", _update(chat={"id": "abc", "type": "private"})),
        ("chat id huge", _update(chat={"id": 10**30, "type": "private"})),
        ("chat type a number", _update(chat={"id": CHAT, "type": 7})),
        ("text a number", _update(text=5)),
        ("text an object", _update(text={"a": 1})),
        ("date a string", _update(date="yesterday")),
        ("date huge", _update(date=10**30)),
        ("date infinite", _update(date=1e400)),
        ("from a list", _update(**{"from": []})),
        ("entities a number", _update(entities=5)),
        ("entities of numbers", _update(entities=[5, "x"])),
        (
            "entity out of range",
            _update(entities=[{"type": "bold", "offset": -9, "length": 10**9}]),
        ),
        ("contact a string", _update(contact="me")),
        (
            "contact number a number",
            _update(contact={"phone_number": 447700900123, "user_id": CHAT}),
        ),
        ("callback a number", {"update_id": 2, "callback_query": 5}),
        (
            "callback of wrong shapes",
            {"update_id": 3, "callback_query": {"id": 5, "from": 6, "message": 7, "data": 8}},
        ),
        ("NUL everywhere", _update(text="a\x00b", chat={"id": CHAT, "type": "private\x00"})),
        ("lone surrogate in a name", _update(**{"from": {"id": CHAT, "first_name": "\ud800"}})),
        ("lone surrogate as the type", _update(chat={"id": CHAT, "type": "\udfff"})),
        ("photo without text", _update(text=None, photo=[{"file_id": 5}])),
        ("edited message of a number", {"update_id": 4, "edited_message": 5}),
    ]
    for name, data in shapes:
        yield name, json.dumps(data).encode()


def twilio_bodies() -> Iterator[tuple[str, bytes, str]]:
    """(name, raw body, content type) triples for ``/sms/inbound``."""
    sid = "SM" + "e" * 32
    base = f"MessageSid={sid}&From=%2B447700900123&To=%2B447700900001"
    for name, raw in [
        ("empty", ""),
        ("only a body", "Body=Hello"),
        ("no body", base),
        ("invalid percent-encoding", base + "&Body=100%ZZ%%"),
        ("percent-encoded bytes that are not utf-8", base + "&Body=%FF%FE%C0"),
        ("a percent-encoded surrogate", base + "&Body=%ED%A0%80"),
        ("NUL", base + "&Body=a%00b"),
        ("NUL in From", f"MessageSid={sid}&From=%00%00&Body=Hi"),
        ("a huge From", f"MessageSid={sid}&From={'7' * 5000}&Body=Hi"),
        ("a huge MessageSid", f"MessageSid={'S' * 5000}&From=%2B447700900123&Body=Hi"),
        ("a repeated field", base + "&Body=one&Body=two"),
        ("no equals signs", "&&&=&=="),
        ("a megabyte", base + "&Body=" + "x" * MEGABYTE),
    ]:
        yield name, raw.encode(), FORM
    yield "raw bytes that are not utf-8", base.encode() + b"&Body=\xff\xfe", FORM
    yield "an unknown charset", (base + "&Body=Hi").encode(), FORM + "; charset=klingon"
    yield "a broken multipart", b"--x\r\nnonsense\r\n", "multipart/form-data; boundary=x"
    yield "json instead of a form", b'{"Body": "Hi"}', "application/json"


def _twilio_signature(raw: bytes) -> str:
    """What Twilio would sign for this body: the fields as the server reads them."""
    try:
        fields = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        fields = {}
    return sign(AUTH_TOKEN, PUBLIC_BASE_URL + "/sms/inbound", fields)


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.exc_info or "Traceback" in record.getMessage()
    ]


async def _inbound_texts(bot: Bot) -> list[str]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(MessageRow.text).where(MessageRow.direction == "in").order_by(col(MessageRow.id))
        )
        return list(rows.scalars())


async def test_telegram_webhook_answers_every_awkward_body_under_500(
    make_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot: Bot = await make_bot(telegram="webhook")
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
        "Content-Type": "application/json",
    }
    answers = {}
    for name, raw in telegram_bodies():
        response = await bot.client.post("/telegram/webhook", data=raw, headers=headers)
        answers[name] = response.status
    assert {name: status for name, status in answers.items() if status >= 500} == {}
    assert answers["a megabyte"] == 413
    assert answers["not json"] == answers["message a number"] == 200
    assert _tracebacks(caplog) == []


async def test_a_lone_surrogate_in_a_telegram_text_still_gets_its_reply(make_bot: Any) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    assert bot.telegram is not None
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    update = bot.telegram.message_update(CHAT, "Hi \ud800 there\x00")
    body = json.dumps(update)  # ensure_ascii: "\ud800" travels as the escape it is
    assert "\\ud800" in body
    response = await bot.client.post(
        "/telegram/webhook", data=body, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status == 200 and await response.text() == "ok"
    await bot.services.outbox.send_due()
    assert await _inbound_texts(bot) == ["Hi \ufffd there"]
    assert bot.telegram.to(CHAT) == [texts.welcome(bot.services.settings.service)]


async def test_twilio_webhook_answers_every_awkward_body_under_500(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answers = {}
    for name, raw, content_type in twilio_bodies():
        headers = {"Content-Type": content_type, "X-Twilio-Signature": _twilio_signature(raw)}
        response = await bot.client.post("/sms/inbound", data=raw, headers=headers)
        answers[name] = response.status
    assert {name: status for name, status in answers.items() if status >= 500} == {}
    assert answers["a megabyte"] == 413
    assert answers["NUL"] == answers["invalid percent-encoding"] == 200
    assert answers["a huge From"] == answers["a huge MessageSid"] == 200
    assert _tracebacks(caplog) == []


async def test_a_readable_sms_with_broken_bytes_still_gets_its_reply(bot: Bot) -> None:
    raw = b"MessageSid=SM" + b"f" * 32 + b"&From=%2B447700900123&Body=Hi%ED%A0%80%00 there"
    headers = {"Content-Type": FORM, "X-Twilio-Signature": _twilio_signature(raw)}
    response = await bot.client.post("/sms/inbound", data=raw, headers=headers)
    assert response.status == 200
    await bot.services.outbox.send_due()
    assert await _inbound_texts(bot) == ["Hi\ufffd\ufffd\ufffd there"]
    assert bot.twilio.to(PHONE) == [texts.welcome(bot.services.settings.service)]


async def test_the_simulator_answers_awkward_bodies_under_500(
    make_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot: Bot = await make_bot(LINKBOT_SIMULATOR="on")
    bodies = [b"", b"{", b"[" * 100_000, b"5", b'{"from": 5, "text": "x"}']
    bodies += [json.dumps({"from": PHONE, "text": t}).encode() for t in ("\ud800", "\x00", 7)]
    bodies += [json.dumps({"from": "\x00\ud800", "text": "Hi"}).encode()]
    for raw in bodies:
        response = await bot.client.post(
            "/simulator/send", data=raw, headers={"Content-Type": "application/json"}
        )
        assert response.status < 500, raw[:40]
    for query in (
        "from=%00&after=0",
        "from=%2B447700900123&after=%C2%B2",
        "from=%2B447700900123&after=" + "9" * 30,
    ):
        response = await bot.client.get("/simulator/messages?" + query)
        assert response.status < 500, query
    assert _tracebacks(caplog) == []
    # The readable ones, cleaned: a lone surrogate replaced, a NUL dropped.
    assert await _inbound_texts(bot) == ["\ufffd", "", "Hi"]


async def test_polling_skips_updates_it_cannot_read_and_answers_the_next(
    make_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Fetched by long polling, an unreadable update is skipped and confirmed, not left to fail
    every later batch, and nothing is logged with it."""
    caplog.set_level(logging.INFO)
    bot: Bot = await make_bot(telegram="polling")
    fake = bot.telegram
    assert fake is not None
    for n, bad in enumerate([{"message": 5}, {"message": [1]}, {"message": {"chat": 7}}]):
        fake.push({"update_id": 500 + n, **bad})
    person = TelegramPhone(bot, fake, CHAT, polling=True, press=False)
    await person.deliver(fake.message_update(CHAT, "Hello \ud800", update_id=600))
    await bot.services.outbox.send_due()
    assert fake.to(CHAT) == [texts.welcome(bot.services.settings.service)]
    assert await _inbound_texts(bot) == ["Hello \ufffd"]
    assert _tracebacks(caplog) == []
