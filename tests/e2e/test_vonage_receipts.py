"""Vonage's delivery receipts reaching ``/sms/vonage/status`` by each of the ways Vonage sends
them, on both databases: a signed one moves its message on; an unsigned one, or one that is
not a receipt, changes nothing and never gets a 5xx."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from storage.tables import DeliveryEventRow, MessageRow
from testkit.fake_vonage import FakeVonage
from tests.conftest import Bot

PHONE = "+447700900123"
PATH = "/sms/vonage/status"
MESSAGE_ID = "0A0000001234567B"


@pytest.fixture
async def vonage_bot(make_bot: Any, fake_vonage: FakeVonage) -> Bot:
    bot: Bot = await make_bot(**fake_vonage.env(), ssl_context=fake_vonage.ssl_context())
    return bot


async def _sent_by_vonage(bot: Bot, provider_id: str = MESSAGE_ID) -> int:
    """An outgoing message Vonage has taken, as the outbox leaves it."""
    now = bot.clock.now()
    async with bot.services.db.write() as session:
        row = MessageRow(
            direction="out",
            channel="sms",
            address=PHONE,
            text="Your appointment with Sam is at 10:00",
            status="accepted",
            provider="vonage",
            provider_id=provider_id,
            attempts=1,
            created_at=now,
            sent_at=now,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        return row.id


async def _state(bot: Bot, message_id: int) -> tuple[str, str | None, int]:
    """The message's status, its error code, and how many delivery events were stored."""
    async with bot.services.db.read() as session:
        row = await session.get(MessageRow, message_id)
        assert row is not None
        events = (await session.execute(select(DeliveryEventRow))).scalars().all()
        return row.status, row.error_code, len(events)


async def _get(bot: Bot, params: dict[str, str]) -> aiohttp.ClientResponse:
    return await bot.client.get(PATH, params=params)


async def _form(bot: Bot, params: dict[str, str]) -> aiohttp.ClientResponse:
    return await bot.client.post(PATH, data=params)


async def _json(bot: Bot, params: dict[str, str]) -> aiohttp.ClientResponse:
    # Vonage's JSON gives the timestamp as a number.
    return await bot.client.post(PATH, json={**params, "timestamp": int(params["timestamp"])})


SENDS = {"GET": _get, "form POST": _form, "JSON POST": _json}


@pytest.mark.parametrize("way", SENDS)
async def test_a_signed_delivered_receipt_marks_the_message_delivered(
    vonage_bot: Bot, fake_vonage: FakeVonage, way: str
) -> None:
    message_id = await _sent_by_vonage(vonage_bot)
    response = await SENDS[way](vonage_bot, fake_vonage.receipt(MESSAGE_ID, "delivered"))
    assert response.status == 200
    assert await _state(vonage_bot, message_id) == ("delivered", None, 1)


@pytest.mark.parametrize("way", SENDS)
async def test_a_signed_failed_receipt_marks_it_failed_with_vonages_code(
    vonage_bot: Bot, fake_vonage: FakeVonage, way: str
) -> None:
    message_id = await _sent_by_vonage(vonage_bot)
    response = await SENDS[way](vonage_bot, fake_vonage.receipt(MESSAGE_ID, "failed", "6"))
    assert response.status == 200
    assert await _state(vonage_bot, message_id) == ("failed", "6", 1)


@pytest.mark.parametrize("method", ["md5hash", "md5", "sha1", "sha256", "sha512"])
async def test_each_signature_method_set_on_the_dashboard_is_checked(
    make_bot: Any, fake_vonage: FakeVonage, method: str
) -> None:
    fake_vonage.signature_method = method
    bot: Bot = await make_bot(**fake_vonage.env())
    message_id = await _sent_by_vonage(bot)
    other = "sha512" if method != "sha512" else "md5"
    forged = await _get(bot, fake_vonage.receipt(MESSAGE_ID, "failed", method=other))
    assert forged.status == 403
    response = await _get(bot, fake_vonage.receipt(MESSAGE_ID, "delivered"))
    assert response.status == 200
    assert await _state(bot, message_id) == ("delivered", None, 1)


@pytest.mark.parametrize("way", SENDS)
async def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(
    vonage_bot: Bot, fake_vonage: FakeVonage, way: str
) -> None:
    message_id = await _sent_by_vonage(vonage_bot)
    signed = fake_vonage.receipt(MESSAGE_ID, "delivered")
    tampered = {**signed, "status": "failed"}
    unsigned = {k: v for k, v in signed.items() if k != "sig"}
    other_secret = FakeVonage(signature_secret="not-the-accounts").receipt(MESSAGE_ID, "failed")
    for params in (tampered, unsigned, other_secret):
        response = await SENDS[way](vonage_bot, params)
        assert response.status == 403
    assert await _state(vonage_bot, message_id) == ("accepted", None, 0)


async def test_an_unusable_receipt_is_answered_200_and_logged_without_personal_data(
    vonage_bot: Bot, fake_vonage: FakeVonage, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = await _sent_by_vonage(vonage_bot)
    caplog.set_level(logging.INFO)
    response = await _get(vonage_bot, fake_vonage.receipt(MESSAGE_ID, "unknown", to=PHONE))
    assert response.status == 200
    assert await _state(vonage_bot, message_id) == ("accepted", None, 0)
    # linkbot's own lines; the test server's access log is aiohttp's, which quotes the query
    # (the running app's AccessLogger, bot/web/app.py, logs the path only).
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert any("usable" in line for line in ours)
    assert all(PHONE[1:] not in line for line in ours)


async def test_with_vonage_off_the_receipt_path_is_not_found(
    bot: Bot, fake_vonage: FakeVonage
) -> None:
    message_id = await _sent_by_vonage(bot)
    for response in (
        await _get(bot, fake_vonage.receipt(MESSAGE_ID)),
        await _form(bot, fake_vonage.receipt(MESSAGE_ID)),
    ):
        assert response.status == 404
    assert await _state(bot, message_id) == ("accepted", None, 0)


AWKWARD = {
    "invalid JSON": ("application/json", b'{"messageId": '),
    "JSON array": ("application/json", b'["messageId", "status"]'),
    "JSON nested": ("application/json", b'{"messageId": {"a": 1}, "sig": "00"}'),
    "JSON null": ("application/json", b'{"messageId": null}'),
    "JSON bool and float": ("application/json", b'{"timestamp": true, "price": 0.03}'),
    "JSON deep": ("application/json", b"[" * 100_000 + b"]" * 100_000),
    "JSON lone surrogate": (
        "application/json",
        b'{"status": "\\ud800", "timestamp": "1", "sig": "' + b"a" * 32 + b'"}',
    ),
    "JSON NUL": ("application/json", b'{"messageId": "\\u0000", "timestamp": "1", "sig": "00"}'),
    "not UTF-8": ("application/json", b'{"status": "\xff\xfe"}'),
    "form NUL": ("application/x-www-form-urlencoded", b"messageId=%00&status=delivered&sig=00"),
    "form bad escapes": ("application/x-www-form-urlencoded", b"status=%ED%A0%80&sig=%zz&%%=1"),
    "form 1 MB": ("application/x-www-form-urlencoded", b"status=" + b"a" * (1 << 20)),
    "JSON 1 MB": ("application/json", b'{"status": "' + b"a" * (1 << 20) + b'"}'),
    "many fields": (
        "application/x-www-form-urlencoded",
        b"&".join(b"f%d=1" % i for i in range(500)),
    ),
    "too many fields for aiohttp": (
        "application/x-www-form-urlencoded",
        b"&".join(b"f%d=1" % i for i in range(5000)),
    ),
    "JSON many fields": (
        "application/json",
        json.dumps({f"f{i}": "1" for i in range(500)}).encode(),
    ),
    "multipart file": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="status"; filename="x"\r\n\r\n'
        b"delivered\r\n--b--\r\n",
    ),
    "text/plain": ("text/plain", b"messageId=1"),
    "empty": ("application/json", b""),
}


@pytest.mark.parametrize("kind", AWKWARD)
async def test_an_awkward_body_is_never_a_server_error(
    vonage_bot: Bot, fake_vonage: FakeVonage, kind: str
) -> None:
    message_id = await _sent_by_vonage(vonage_bot)
    content_type, body = AWKWARD[kind]
    response = await vonage_bot.client.post(PATH, data=body, headers={"Content-Type": content_type})
    assert 400 <= response.status < 500 or response.status == 200
    assert "Traceback" not in await response.text()
    assert await _state(vonage_bot, message_id) == ("accepted", None, 0)


@pytest.mark.parametrize(
    "query",
    ["messageId=%00&sig=%00", "status=%ED%A0%80&timestamp=1&sig=" + "a" * 32, "sig=" + "é" * 40],
)
async def test_an_awkward_query_is_never_a_server_error(vonage_bot: Bot, query: str) -> None:
    response = await vonage_bot.client.get(f"{PATH}?{query}")
    assert response.status == 403


@pytest.mark.parametrize("message_id", ["0A00\x00", "A" * 65, "../../etc", "😊", ""], ids=repr)
async def test_a_signed_receipt_with_a_strange_message_id_is_dropped(
    vonage_bot: Bot, fake_vonage: FakeVonage, message_id: str
) -> None:
    """Signed, say by a Vonage gone wrong: still nothing a database would choke on is stored."""
    stored = await _sent_by_vonage(vonage_bot)
    body = json.dumps(fake_vonage.receipt(message_id)).encode()
    response = await vonage_bot.client.post(
        PATH, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 200
    assert await _state(vonage_bot, stored) == ("accepted", None, 0)


async def test_a_reply_to_a_vonage_number_reaches_the_engine_once(
    vonage_bot: Bot, fake_vonage: FakeVonage
) -> None:
    """Someone answers a message that went by Vonage: their reply comes in like any text,
    gets its answer, and a repeat of the same messageId has no second effect."""
    params = fake_vonage.inbound(PHONE, "Hello", "0B00000000000001")
    for _ in range(2):
        response = await vonage_bot.client.get("/sms/vonage/inbound", params=params)
        assert response.status == 200
    async with vonage_bot.services.db.read() as session:
        rows = (await session.execute(select(MessageRow))).scalars().all()
    assert [(row.direction, row.text) for row in rows if row.direction == "in"] == [("in", "Hello")]
    await vonage_bot.services.outbox.send_due()
    assert len(vonage_bot.twilio.to(PHONE)) == 1  # the welcome, by the first provider


async def test_an_unsigned_inbound_sms_is_refused_and_stores_nothing(
    vonage_bot: Bot, fake_vonage: FakeVonage
) -> None:
    params = fake_vonage.inbound(PHONE, "Hello", "0B00000000000002")
    params["sig"] = "0" * 32
    response = await vonage_bot.client.post("/sms/vonage/inbound", data=params)
    assert response.status == 403
    async with vonage_bot.services.db.read() as session:
        assert (await session.execute(select(MessageRow))).scalars().all() == []
