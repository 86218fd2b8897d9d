"""Phone normalisation and Twilio webhook parsing (bot/channels/sms.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.channels.sms import to_inbound
from flows.messages import Channel
from flows.phones import normalise as normalise_phone

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+447700900123", "+447700900123"),
        (" +44 (0)7700 900123 ", "+447700900123"),
        ("+1 415 555 0100", "+14155550100"),
        ("VODAFONE", "VODAFONE"),
        ("", ""),
        ("  ", ""),
        ("abc", "abc"),
    ],
)
def test_normalise_phone_gives_e164_or_keeps_what_was_sent(raw: str, expected: str) -> None:
    """One person is one number however it is written; alphanumeric senders stay as sent."""
    assert normalise_phone(raw) == expected


def test_to_inbound_reads_a_normal_twilio_form() -> None:
    """A normal webhook becomes an SMS inbound with the sender's number."""
    inbound = to_inbound({"From": "+447700900123", "Body": "Hello", "MessageSid": "SM123"}, NOW)
    assert inbound.address.value == "tel:+447700900123"
    assert inbound.address.channel is Channel.SMS
    assert inbound.text == "Hello"
    assert inbound.provider_id == "SM123"
    assert inbound.phone == "+447700900123"
    assert inbound.received_at == NOW


@pytest.mark.parametrize(
    ("sender", "handle"),
    [("VODAFONE", "VODAFONE"), ("abc", "abc"), ("", "unknown"), ("   ", "unknown")],
)
def test_to_inbound_keeps_a_malformed_from_without_calling_it_a_phone(
    sender: str, handle: str
) -> None:
    """A strange sender is kept (so the message is not lost) but is never stored as a phone."""
    inbound = to_inbound({"From": sender, "Body": "hi"}, NOW)
    assert inbound.address.handle == handle
    assert inbound.phone is None
    assert inbound.provider_id is None


def test_to_inbound_without_from_or_body_still_builds() -> None:
    """A form with fields missing must not crash the webhook."""
    inbound = to_inbound({}, NOW)
    assert inbound.address.value == "tel:unknown"
    assert inbound.text == ""
    assert inbound.phone is None
