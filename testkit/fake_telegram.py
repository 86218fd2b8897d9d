"""A fake Telegram Bot API on loopback that the real ``python-telegram-bot`` ``Bot`` talks to.

Point ``telegram.Bot(TOKEN, base_url=fake.base_url)`` at it: PTB appends the token and the method,
so every call arrives as ``POST /bot<TOKEN>/<method>``. PTB (22.x, httpx) sends the parameters as
``application/x-www-form-urlencoded`` (``multipart/form-data`` when a file is uploaded) where a
string is sent as it is and every other value is JSON encoded: ``chat_id=42``, ``timeout=10``,
``show_alert=true``, ``reply_markup={"inline_keyboard": [[...]]}``. The fake decodes each field by
its type, as the real server does, so a text such as ``[1]`` stays a string. A JSON body is
accepted too.

Answers are shaped like the real API's: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {"retry_after": S}}`` with
the same HTTP status, which is what PTB turns into ``RetryAfter``, ``Forbidden``,
``InvalidToken``, ``BadRequest`` or ``Conflict``. Like the real server it refuses an ``http://``
webhook, ``getUpdates`` while a webhook is set, an edit that changes nothing, an edit of an unknown
message, an answer to an unknown callback query and callback data over 64 bytes.

Updates a person would produce are built with ``message_update``, ``contact_update`` and
``callback_update``; ``push`` queues one for ``getUpdates`` (polling), or post the dict to the
app's webhook yourself.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

TOKEN = "123456:TEST-fake-token"
BOT_FIRST_NAME = "Linkbot Test"
BOT_USERNAME = "linkbot_test_bot"

# How the real server reads form fields: which are JSON objects/arrays, integers or booleans.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "commands",
        "scope",
        "media",
        "results",
        "reaction",
    }
)
_INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "cache_time",
        "message_thread_id",
        "user_id",
        "from_chat_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "show_alert",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "is_personal",
    }
)
_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_MAX_POLL_SECONDS = 2.0
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """An error answer the fake gives, as the real API would."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass
class SentMessage:
    chat_id: int
    text: str
    reply_markup: dict | None
    message_id: int


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None


class FakeTelegram:
    """A loopback Telegram Bot API holding what the bot sent and the updates people produce."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.port = 0
        self.sent: list[SentMessage] = []
        self.requests: collections.Counter[str] = collections.Counter()
        self.webhook: dict | None = None
        self.answered_callbacks: list[str] = []
        self.edits: list[tuple[int, int, dict | None]] = []
        self._failures: dict[str, list[_Failure]] = collections.defaultdict(list)
        self._queue: list[dict] = []
        self._pushed = asyncio.Event()
        self._messages: dict[tuple[int, int], dict] = {}  # (chat_id, message_id) -> Message JSON
        self._names: dict[int, str] = {}  # first names of people seen in updates
        self._callback_ids: set[str] = set()
        self._message_ids = itertools.count(1)
        self._user_message_ids = itertools.count(100_001)
        self._last_update_id = 0
        self._callback_counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing = False

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self, port: int = 0) -> None:
        """Listen on ``port`` (0: any free one; give the old one to come back after stop)."""
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    # ----------------------------------------------------------------- inspection

    def to(self, chat_id: int) -> list[str]:
        """Texts sent to one chat, in order."""
        return [m.text for m in self.sent if m.chat_id == chat_id]

    def last(self, chat_id: int) -> SentMessage:
        """The last message sent to one chat."""
        for message in reversed(self.sent):
            if message.chat_id == chat_id:
                return message
        raise AssertionError(
            f"nothing was sent to chat {chat_id}; sent to {sorted({m.chat_id for m in self.sent})}"
        )

    @property
    def pending_updates(self) -> list[dict]:
        """Updates pushed but not yet confirmed by a getUpdates offset."""
        return list(self._queue)

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error instead of doing them."""
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, "Injected failure")
        self._failures[method.lower()].extend([_Failure(status, description, retry_after)] * times)

    # ----------------------------------------------------------------- updates people produce

    def _next_update_id(self, update_id: int | None) -> int:
        if update_id is None:
            update_id = self._last_update_id + 1
        self._last_update_id = max(self._last_update_id, update_id)
        return update_id

    def _person(self, user_id: int, first_name: str | None = None) -> dict:
        if first_name is not None:
            self._names[user_id] = first_name
        name = self._names.get(user_id, "Ann")
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def _chat(self, chat_id: int) -> dict:
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        if chat_id in self._names:
            chat["first_name"] = self._names[chat_id]
        return chat

    def _bot_user(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def _user_message(self, chat_id: int, first_name: str | None = None) -> dict:
        sender = self._person(chat_id, first_name)
        return {
            "message_id": next(self._user_message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": sender,
        }

    def message_update(
        self, chat_id: int, text: str, *, update_id: int | None = None, first_name: str = "Ann"
    ) -> dict:
        """A text message a person sends in their private chat with the bot."""
        message = self._user_message(chat_id, first_name)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return {"update_id": self._next_update_id(update_id), "message": message}

    def contact_update(
        self, chat_id: int, phone_number: str, *, user_id: int | None = None
    ) -> dict:
        """A shared contact; by default the person's own (``contact.user_id == from.id``)."""
        message = self._user_message(chat_id)
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": message["from"]["first_name"],
            "user_id": chat_id if user_id is None else user_id,
        }
        message["contact"] = contact
        return {"update_id": self._next_update_id(None), "message": message}

    def callback_update(
        self, chat_id: int, data: str, *, message_id: int, callback_id: str | None = None
    ) -> dict:
        """A press of an inline button with ``data`` on the bot's message ``message_id``."""
        if callback_id is None:
            callback_id = f"{chat_id}{next(self._callback_counter):08d}"
        self._callback_ids.add(callback_id)
        message = copy.deepcopy(self._messages.get((chat_id, message_id))) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._bot_user(),
            "text": "",
        }
        query = {
            "id": callback_id,
            "from": self._person(chat_id),
            "chat_instance": f"ci{chat_id}",
            "message": message,
            "data": data,
        }
        return {"update_id": self._next_update_id(None), "callback_query": query}

    def push(self, update: dict) -> None:
        """Queue an update for ``getUpdates``."""
        query = update.get("callback_query")
        if query:
            self._callback_ids.add(query["id"])
        self._last_update_id = max(self._last_update_id, update["update_id"])
        self._queue.append(update)
        self._wake_pollers()

    def _wake_pollers(self) -> None:
        self._pushed.set()
        self._pushed = asyncio.Event()

    # ----------------------------------------------------------------- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.requests[method] += 1
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return _error(404, "Not Found")
        failures = self._failures.get(method.lower())
        if failures:
            failure = failures.pop(0)
            return _error(failure.status, failure.description, failure.retry_after)
        try:
            params = await _read_params(request)
            result = await handler(params)
        except ApiError as exc:
            return _error(exc.status, exc.description, exc.retry_after)
        return web.json_response({"ok": True, "result": result})

    # ----------------------------------------------------------------- methods

    async def _api_getme(self, params: dict) -> dict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_logout(self, params: dict) -> bool:
        return True

    async def _api_close(self, params: dict) -> bool:
        return True

    async def _api_sendmessage(self, params: dict) -> dict:
        chat_id = _chat_id(params)
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = _markup(params)
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._bot_user(),
            "text": text,
        }
        if markup is not None and "inline_keyboard" in markup:
            # Only an inline keyboard belongs to the message; reply keyboards and removals don't.
            message["reply_markup"] = markup
        self._messages[(chat_id, message_id)] = message
        self.sent.append(SentMessage(chat_id, text, markup, message_id))
        return message

    async def _api_sendchataction(self, params: dict) -> bool:
        _chat_id(params)
        return True

    async def _api_deletemessage(self, params: dict) -> bool:
        chat_id, message_id = _chat_id(params), params.get("message_id")
        if self._messages.pop((chat_id, message_id), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _message_to_edit(self, params: dict) -> tuple[int, int, dict]:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat_id, message_id = _chat_id(params), params.get("message_id")
        if not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat_id, message_id, message

    async def _api_editmessagereplymarkup(self, params: dict) -> dict:
        chat_id, message_id, message = self._message_to_edit(params)
        markup = _markup(params, inline_only=True)
        if markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        edited = self._edited(message, markup)
        self._messages[(chat_id, message_id)] = edited
        self.edits.append((chat_id, message_id, markup))
        return edited

    async def _api_editmessagetext(self, params: dict) -> dict:
        chat_id, message_id, message = self._message_to_edit(params)
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        markup = _markup(params, inline_only=True)
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        edited = self._edited(message, markup)
        edited["text"] = text
        self._messages[(chat_id, message_id)] = edited
        self.edits.append((chat_id, message_id, markup))
        return edited

    @staticmethod
    def _edited(message: dict, markup: dict | None) -> dict:
        edited = {k: v for k, v in message.items() if k != "reply_markup"}
        edited["edit_date"] = int(time.time())
        if markup is not None:
            edited["reply_markup"] = markup
        return edited

    async def _api_answercallbackquery(self, params: dict) -> bool:
        query_id = params.get("callback_query_id")
        if not query_id or query_id not in self._callback_ids:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answered_callbacks.append(query_id)
        return True

    async def _api_setwebhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._api_deletewebhook(params)
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if (parts.port or 443) not in _WEBHOOK_PORTS:
            raise ApiError(
                400,
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            )
        secret = params.get("secret_token")
        if secret is not None and (not 1 <= len(secret) <= 256 or not set(secret) <= _SECRET_CHARS):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
        }
        return True

    async def _api_deletewebhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook = None
        return True

    async def _api_getwebhookinfo(self, params: dict) -> dict:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook and self.webhook["allowed_updates"] is not None:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _api_setmycommands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be an array")
        return True

    async def _api_deletemycommands(self, params: dict) -> bool:
        return True

    async def _api_getupdates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if isinstance(offset, int) and offset < 0:
            del self._queue[:offset]  # a negative offset keeps only the last -offset updates
        elif isinstance(offset, int) and offset > 0:
            self._queue[:] = [u for u in self._queue if u["update_id"] >= offset]
        limit = params.get("limit") or 100
        limit = max(1, min(int(limit), 100))
        timeout = float(params.get("timeout") or 0)
        deadline = asyncio.get_running_loop().time() + min(timeout, _MAX_POLL_SECONDS)
        allowed = params.get("allowed_updates")
        while True:
            ready = [u for u in self._queue if _allowed(u, allowed)][:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if ready or remaining <= 0 or self._closing:
                return ready
            pushed = self._pushed
            try:  # a cancelled request (client went away) just ends here
                await asyncio.wait_for(pushed.wait(), remaining)
            except TimeoutError:
                return []


def _allowed(update: dict, allowed: object) -> bool:
    if not isinstance(allowed, list) or not allowed:
        return True
    return any(kind in update for kind in allowed)


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters, each decoded to its API type as the real server does."""
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise ApiError(400, "Bad Request: can't parse JSON") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        return body
    raw: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        for name, value in (await request.post()).items():
            raw[name] = value if isinstance(value, str) else value.file.read()
    return {name: _decode(name, value) for name, value in raw.items()}


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from exc
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from exc
    if name in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


def _chat_id(params: dict) -> int:
    value = params.get("chat_id")
    if value in (None, ""):
        raise ApiError(400, "Bad Request: chat_id is empty")
    try:
        return int(value)
    except (TypeError, ValueError):  # "@username" chats: none exist here
        raise ApiError(400, "Bad Request: chat not found") from None


def _markup(params: dict, *, inline_only: bool = False) -> dict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: object expected as reply markup")
    if inline_only and "inline_keyboard" not in markup:
        raise ApiError(400, "Bad Request: inline keyboard expected")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
