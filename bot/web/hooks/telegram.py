"""``POST /telegram/webhook``: Telegram's updates, checked against the secret token.

Any body that is not an update we can read is answered 200 "ignored", so that Telegram stops
sending it. A message is answered 200 once it is stored (handled, or kept in the inbound
spool); 503 when it could be neither, and Telegram delivers it again later.
"""

from __future__ import annotations

import hmac
import json
from functools import partial

from aiohttp import web

from bot.actions.inbound import NotStored, receive
from bot.channels.telegram import TelegramChannel
from bot.web.http import services_of
from flows.messages import Channel

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105  (a header name, not a secret)
MAX_UPDATE_BYTES = 1 << 20


async def webhook(request: web.Request) -> web.Response:
    services = services_of(request)
    secret = services.settings.telegram_webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return web.Response(status=403, text="Forbidden")
    channel = services.senders.get(Channel.TELEGRAM)
    if not isinstance(channel, TelegramChannel):
        return web.Response(status=404, text="Telegram is not on")
    body = await request.read()
    if len(body) > MAX_UPDATE_BYTES:
        return web.Response(status=413, text="Too large")
    try:
        update = channel.update_from(json.loads(body))
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a number too long, too deep
        update = None
    if update is None:
        # Not an update we can read: answering 200 stops Telegram resending it for ever.
        return web.Response(status=200, text="ignored")
    try:
        await channel.handle(update, partial(receive, services), services.clock.now())
    except NotStored:
        return web.Response(status=503, text="Not stored: send it again")
    return web.Response(status=200, text="ok")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/telegram/webhook", webhook)
