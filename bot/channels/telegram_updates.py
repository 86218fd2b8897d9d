"""Telegram's updates in linkbot's words, and linkbot's choices as Telegram keyboards: a
message, a shared contact or a pressed button read as an ``Inbound``; buttons as an inline
keyboard (or the share-my-number request)."""

from __future__ import annotations

from datetime import datetime

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)

from flows import phones
from flows.messages import Address, Button, Channel, Inbound, clean_text

COMMANDS = {"/stop": "STOP", "/help": "HELP", "/link": "/link"}
MAX_ID = 1 << 53  # Telegram's ids fit in 52 bits and a sign


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Short choices three to a row, longer ones one to a row; the share-my-number button is
    Telegram's own contact request, shown in place of the keyboard."""
    if not buttons:
        return None
    if any(b.asks_for_contact for b in buttons):
        share = next(b for b in buttons if b.asks_for_contact)
        return ReplyKeyboardMarkup(
            [[KeyboardButton(share.label, request_contact=True)]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
    per_row = 3 if all(len(b.label) <= 10 for b in buttons) else 1
    rows = [
        [
            InlineKeyboardButton(b.label, callback_data=b.value[:64])
            for b in buttons[i : i + per_row]
        ]
        for i in range(0, len(buttons), per_row)
    ]
    return InlineKeyboardMarkup(rows)


def telegram_id(value: object) -> str | None:
    """A Telegram id (an update's, a chat's) as text; None for anything that is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < MAX_ID:
        return str(value)
    return None


def _text(value: object) -> str:
    """A string from an update, cleaned; anything else (a number where text belongs) is ""."""
    return clean_text(value) if isinstance(value, str) else ""


def to_inbound(update: Update, received_at: datetime) -> Inbound | None:
    """A message or a pressed button as an ``Inbound``, its words cleaned
    (``flows.messages.clean_text``); anything else, or anything of the wrong shape, is ignored
    (None). It never raises: ``TelegramChannel.update_from`` relies on that."""
    provider_id = telegram_id(update.update_id)
    if provider_id is None:
        return None
    query = update.callback_query
    if query is not None:
        on = query.message.chat if query.message is not None else query.from_user
        chat = telegram_id(getattr(on, "id", None))
        if chat is None:
            return None
        return Inbound(
            Address.of(Channel.TELEGRAM, chat), _text(query.data), provider_id, received_at
        )
    message = update.message
    chat = telegram_id(getattr(message.chat, "id", None)) if message is not None else None
    if message is None or chat is None or message.chat.type != "private":
        return None
    address = Address.of(Channel.TELEGRAM, chat)
    contact = message.contact
    if contact is not None:
        own = message.from_user is not None and contact.user_id == message.from_user.id
        number = _text(contact.phone_number)[:40]
        phone = phones.normalise(number if number.startswith("+") else "+" + number)
        if own and phone.startswith("+"):
            return Inbound(address, phone, provider_id, received_at, shared_phone=phone)
        return Inbound(address, "(shared a contact)", provider_id, received_at)
    text = _text(message.text) or _text(message.caption)
    command, _, rest = text.partition(" ")
    command = command.split("@")[0].lower()  # "/help@linkbot_bot" in a group-style mention
    start_tag = None
    if command in COMMANDS:
        text = COMMANDS[command]
    elif command == "/start":
        start_tag = rest.strip()[:64]  # a deep link's payload: t.me/<bot>?start=<tag>
        text = f"/start {start_tag}".strip()
    if not text:
        text = "(a message with no text)"  # a sticker or photo: still someone talking to us
    return Inbound(address, text, provider_id, received_at, start_tag=start_tag)
