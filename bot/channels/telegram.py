"""Telegram through python-telegram-bot, as a transport only: conversation state stays in
linkbot's database, so there is no ``Application`` or ``ConversationHandler`` here.

Updates arrive by webhook (``/telegram/webhook``) or by long polling; both go through
``TelegramChannel.handle``. Choices are inline keyboard buttons whose data is the answer as if
typed; a pressed button is acknowledged and its keyboard removed, so it cannot act twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.channels import SendError, Sent
from flows import phones
from flows.delivery import Delivery
from flows.messages import Address, Button, Channel, Inbound, clean_text

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 25
GLOBAL_RATE = 30.0  # messages a second in all, as Telegram asks
PER_CHAT_RATE = 1.0  # and about one a second to any one chat
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = {"/stop": "STOP", "/help": "HELP", "/link": "/link"}
MAX_ID = 1 << 53  # Telegram's ids fit in 52 bits and a sign
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Receive = Callable[[Inbound], Awaitable[object]]


def _seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait (read without the library's int-or-timedelta
    deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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


def _id(value: object) -> str | None:
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
    provider_id = _id(update.update_id)
    if provider_id is None:
        return None
    query = update.callback_query
    if query is not None:
        on = query.message.chat if query.message is not None else query.from_user
        chat = _id(getattr(on, "id", None))
        if chat is None:
            return None
        return Inbound(
            Address.of(Channel.TELEGRAM, chat), _text(query.data), provider_id, received_at
        )
    message = update.message
    chat = _id(getattr(message.chat, "id", None)) if message is not None else None
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


class TelegramChannel:
    """Sends through the Bot API, and turns updates into engine messages."""

    name = "telegram"

    def __init__(self, token: str, base_url: str) -> None:
        self.bot = Bot(
            token,
            base_url=base_url,
            request=HTTPXRequest(connection_pool_size=8, read_timeout=15, write_timeout=15),
            get_updates_request=HTTPXRequest(read_timeout=POLL_TIMEOUT_SECONDS + 10),
        )
        self._started = False

    async def start(self) -> None:
        if not self._started:
            await self.bot.initialize()
            self._started = True

    async def close(self) -> None:
        if self._started:
            with contextlib.suppress(TelegramError):
                await self.bot.shutdown()
            self._started = False

    async def send(
        self,
        to: Address,
        text: str,
        *,
        validity_seconds: int | None,
        buttons: tuple[Button, ...] = (),
    ) -> Sent:
        try:
            await self.start()  # asks getMe once: it fails like a send when Telegram is away
            message = await self.bot.send_message(
                chat_id=int(to.handle), text=text, reply_markup=keyboard(buttons)
            )
        except RetryAfter as exc:
            raise SendError(
                "Telegram asked us to slow down",
                code="429",
                transient=True,
                retry_after=_seconds(exc),
            ) from None
        except Forbidden:
            # The person blocked the bot or deleted their account: like STOP.
            raise SendError(
                "the person has blocked the bot", code="403", transient=False, opted_out=True
            ) from None
        except BadRequest as exc:
            raise SendError(
                f"Telegram refused the message: {exc.message}", code="400", transient=False
            ) from None
        except ChatMigrated:
            # The chat became a supergroup: not a private chat with one person any more.
            raise SendError("the chat has moved", code="chat_migrated", transient=False) from None
        except InvalidToken:
            # The bot's token is wrong or revoked: every send fails until an operator fixes
            # TELEGRAM_BOT_TOKEN, so tried again (the deadline ends it, with a case).
            raise SendError("Telegram refused the bot token", code="401", transient=True) from None
        except (TimedOut, NetworkError) as exc:
            raise SendError(
                f"Telegram could not be reached: {exc.message}", transient=True
            ) from None
        except TelegramError as exc:
            raise SendError(f"Telegram answered: {exc.message}", transient=True) from None
        return Sent(str(message.message_id), Delivery.SENT)

    async def handle(self, update: Update, receive: Receive, received_at: datetime) -> None:
        """Pass an update to the engine; acknowledge a pressed button and take its keyboard
        away once the answer is safely stored."""
        inbound = to_inbound(update, received_at)
        if inbound is None:
            return
        await receive(inbound)
        query = update.callback_query
        if query is not None:
            with contextlib.suppress(TelegramError):
                await query.answer()
            if query.message is not None:
                with contextlib.suppress(TelegramError):
                    await self.bot.edit_message_reply_markup(
                        chat_id=query.message.chat.id,
                        message_id=query.message.message_id,
                        reply_markup=None,
                    )

    def update_from(self, data: object) -> Update | None:
        """An update we can read, from the JSON Telegram posted; None for anything else.

        ``Update.de_json`` trusts its input's shape: a number where an object belongs, a
        string for an id or a date out of range raise whatever the attribute access meets
        (``AttributeError``, ``TypeError``, ``OverflowError``...). It is a pure parse, so any
        exception here means "not a readable update"; so does one ``to_inbound`` could not
        read, which it then never meets."""
        if not isinstance(data, dict):
            return None
        try:
            update = Update.de_json(data, self.bot)
            to_inbound(update, _EPOCH)
        except Exception:
            return None
        return update

    async def register_webhook(self, url: str, secret: str) -> None:
        await self.start()
        await self.bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def poll(
        self, receive: Receive, now: Callable[[], datetime], stop: asyncio.Event
    ) -> None:
        """Long polling until ``stop``: fetch, handle each update, confirm by offset.

        Updates are fetched as plain JSON and read one by one with ``update_from``, so one
        that cannot be read is skipped (and confirmed) rather than failing the whole batch, as
        ``Bot.get_updates`` would (logging the batch, words and all). One that could not be
        stored, not even in the inbound spool, is not confirmed: it comes again."""
        await self.start()
        await self.bot.delete_webhook()
        offset: int | None = None
        while not stop.is_set():
            try:
                batch = await self._fetch(offset)
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc))
                continue
            except TelegramError as exc:
                log.warning("Telegram polling failed (%s); trying again shortly", exc)
                await asyncio.sleep(2)
                continue
            for data in batch:
                update = self.update_from(data)
                if update is None:
                    log.warning("ignored a Telegram update that could not be read")
                else:
                    try:
                        await self.handle(update, receive, now())
                    except Exception as exc:
                        # Not confirmed: it comes again, and the engine drops a repeat.
                        log.warning(
                            "a Telegram update could not be stored (%s); it comes again",
                            type(exc).__name__,
                        )
                        await asyncio.sleep(1)
                        break
                update_id = _id(data.get("update_id")) if isinstance(data, dict) else None
                if update_id is not None:
                    offset = int(update_id) + 1

    async def _fetch(self, offset: int | None) -> list[object]:
        """One long poll of ``getUpdates``, its result as the JSON it was."""
        fields: dict[str, object] = {
            "timeout": POLL_TIMEOUT_SECONDS,
            "allowed_updates": ALLOWED_UPDATES,
        }
        if offset is not None:
            fields["offset"] = offset
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "use Bot.get_updates": on purpose, not here
            result = await self.bot.do_api_request("get_updates", api_kwargs=fields)
        return list(result) if isinstance(result, list) else []
