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
from bot.channels.telegram_updates import keyboard, telegram_id, to_inbound
from flows.delivery import Delivery
from flows.messages import Address, Button, Inbound

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 25
GLOBAL_RATE = 30.0  # messages a second in all, as Telegram asks
PER_CHAT_RATE = 1.0  # and about one a second to any one chat
ALLOWED_UPDATES = ["message", "callback_query"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Receive = Callable[[Inbound], Awaitable[object]]


def _seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait (read without the library's int-or-timedelta
    deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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
                update_id = telegram_id(data.get("update_id")) if isinstance(data, dict) else None
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
