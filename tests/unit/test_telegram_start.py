"""Telegram's Start reaches the engine as a neutral start tag, so no conversation reads
"/start ..." text: the Telegram adapter is the one place that knows the command."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Update

from bot.channels.telegram_updates import to_inbound

CHAT = 900123


def _message(text: str) -> Update:
    sender = {"id": CHAT, "is_bot": False, "first_name": "Bea"}
    chat = {"id": CHAT, "type": "private"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": text}
    update = Update.de_json({"update_id": 5, "message": message}, None)
    assert update is not None
    return update


@pytest.mark.parametrize(
    ("typed", "text", "tag"),
    [
        ("/start", "/start", ""),
        ("/start p-P92001", "/start p-P92001", "p-P92001"),
        ("/START abc", "/start abc", "abc"),
        ("/start@linkbot_bot  x ", "/start x", "x"),
    ],
)
def test_start_and_a_deep_links_payload_become_the_start_tag(
    typed: str, text: str, tag: str
) -> None:
    inbound = to_inbound(_message(typed), datetime.now(UTC))
    assert inbound is not None and inbound.starts
    assert (inbound.text, inbound.start_tag) == (text, tag)


@pytest.mark.parametrize("typed", ["hello", "/startle", "/help", "start"])
def test_anything_else_is_no_start(typed: str) -> None:
    inbound = to_inbound(_message(typed), datetime.now(UTC))
    assert inbound is not None and not inbound.starts and inbound.start_tag is None
