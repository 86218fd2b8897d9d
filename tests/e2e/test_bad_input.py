"""Bad and strange input: stored as sent (cleaned of controls: ``flows.messages.clean_text``),
answered, and never a 5xx."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from flows import texts
from flows.messages import clean_text
from storage.tables import MessageRow
from tests.conftest import Bot

PHONE = "+447700900123"


async def _inbound_texts(bot: Bot) -> list[str]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(MessageRow.text).where(MessageRow.direction == "in").order_by(col(MessageRow.id))
        )
        return list(rows.scalars())


@pytest.mark.parametrize(
    "body",
    [
        "",
        "x" * 1600,
        "Hello 😊🙏 thank you",
        "line one\nline two\ttabbed\r\n\x07bell\x1b[31m",
        "Здравствуйте, мне нужна помощь",
        "مرحبا، أحتاج إلى مساعدة",
        "你好，我需要帮助",
        "नमस्ते, मुझे मदद चाहिए",
        "Dw i angen help gyda fy rhent ŵ ŷ",
        "<script>alert(1)</script> & ' \" ; DROP TABLE client;--",
    ],
    ids=[
        "empty",
        "1600 chars",
        "emoji",
        "control chars",
        "cyrillic",
        "arabic",
        "chinese",
        "hindi",
        "welsh",
        "markup",
    ],
)
async def test_any_body_is_stored_as_sent_and_answered(bot: Bot, body: str) -> None:
    response = await bot.webhooks.sms(PHONE, body)
    assert response.status == 200
    await bot.services.outbox.send_due()
    assert await _inbound_texts(bot) == [clean_text(body)]
    assert bot.twilio.to(PHONE) == [texts.welcome(bot.services.settings.service)]


async def test_control_characters_are_dropped_and_line_breaks_kept(bot: Bot) -> None:
    response = await bot.webhooks.sms(PHONE, "line one\r\nline two\ttabbed\r\x07bell\x1b[31m")
    assert response.status == 200
    assert await _inbound_texts(bot) == ["line one\nline two\ttabbed\nbell[31m"]


async def test_nul_is_dropped(bot: Bot) -> None:
    """PostgreSQL cannot hold NUL in text; it is dropped on every database alike."""
    response = await bot.webhooks.sms(PHONE, "a\x00b")
    assert response.status == 200
    assert await _inbound_texts(bot) == ["ab"]


async def test_unknown_form_fields_are_ignored(bot: Bot) -> None:
    response = await bot.webhooks.sms(
        PHONE, "Hello", SmsStatus="received", FromCity="WIGAN", Surprise="yes", NumSegments="1"
    )
    assert response.status == 200


@pytest.mark.parametrize("sender", ["VODAFONE", "12345", "", "+44 7700 900 12x", "07700900123"])
async def test_odd_from_numbers_are_recorded_and_answered_as_far_as_twilio_allows(
    bot: Bot, sender: str
) -> None:
    """A malformed From is recorded; the reply is attempted and Twilio's refusal is recorded."""
    response = await bot.webhooks.sms(sender, "Hello")
    assert response.status == 200
    await bot.services.outbox.send_due()
    async with bot.services.db.read() as session:
        result = await session.execute(select(MessageRow).order_by(col(MessageRow.id)))
        rows = list(result.scalars())
    assert [r.direction for r in rows] == ["in", "out"]
    assert rows[1].status in ("queued", "failed")
    if rows[1].status == "failed":
        assert rows[1].error_code == "21211"  # Twilio's "not a valid phone number"


async def test_national_format_is_the_same_person_as_e164(bot: Bot) -> None:
    await bot.text("07700900123", "Hello")
    await bot.text("+447700900123", "It's me again")
    assert len(bot.twilio.to("+447700900123")) == 2
    assert bot.twilio.to("+447700900123")[1] == texts.WELCOME_AGAIN


async def test_missing_or_wrong_signature_is_refused_and_nothing_stored(bot: Bot) -> None:
    params = {"MessageSid": "SM" + "1" * 32, "From": PHONE, "To": "+447700900001", "Body": "Hi"}
    for signature in ("", "forged", "c2lnbmF0dXJl"):
        response = await bot.webhooks.post("/sms/inbound", params, signature=signature)
        assert response.status == 403
    # Signed for another URL (a different public base): refused too.
    from testkit.fake_twilio import AUTH_TOKEN, sign

    wrong = sign(AUTH_TOKEN, "https://elsewhere.example.org/sms/inbound", params)
    response = await bot.webhooks.post("/sms/inbound", params, signature=wrong)
    assert response.status == 403
    await bot.services.outbox.send_due()
    assert await _inbound_texts(bot) == []
    assert bot.twilio.sent == []


async def test_a_repeated_message_sid_has_no_further_effect(bot: Bot) -> None:
    """Twilio may deliver a webhook twice: the second is answered the same and ignored."""
    sid = "SM" + "a" * 32
    for _ in range(3):
        response = await bot.webhooks.sms(PHONE, "Hello", sid=sid)
        assert response.status == 200
        assert await response.text() == "<Response></Response>"
    await bot.services.outbox.send_due()
    assert await _inbound_texts(bot) == ["Hello"]
    assert len(bot.twilio.sent) == 1


async def test_concurrent_webhooks_all_succeed(bot: Bot) -> None:
    """Forty texts at once from different numbers: no 'database is locked', nothing lost.
    On SQLite those past the burst limit are kept first and handled by the drain that runs
    beside the outbox (``bot.actions.inbound.drain_backlog``), here one pass of it."""
    import asyncio

    from bot.actions.inbound import handle_spooled

    responses = await asyncio.gather(
        *(bot.webhooks.sms(f"+4477009006{n:02d}", f"Hello {n}") for n in range(40))
    )
    assert [r.status for r in responses] == [200] * 40
    await handle_spooled(bot.services)
    assert sorted(await _inbound_texts(bot)) == sorted(f"Hello {n}" for n in range(40))


async def test_concurrent_first_texts_from_one_number_make_one_client(bot: Bot) -> None:
    """Two first messages racing from one new number create one client, not two."""
    import asyncio

    from storage.tables import ClientRow

    responses = await asyncio.gather(*(bot.webhooks.sms(PHONE, f"Hello {n}") for n in range(5)))
    assert [r.status for r in responses] == [200] * 5
    async with bot.services.db.read() as session:
        clients = list((await session.execute(select(ClientRow))).scalars())
    assert len(clients) == 1
    assert len(await _inbound_texts(bot)) == 5


async def test_sms_webhooks_are_refused_when_sms_is_off(make_bot) -> None:  # type: ignore[no-untyped-def]
    bot = await make_bot(TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="", TWILIO_FROM="")
    response = await bot.webhooks.sms(PHONE, "Hello")
    assert response.status == 403
