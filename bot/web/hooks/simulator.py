"""The phone simulator: try the bot in a browser through the same engine, storage and outbox."""

from __future__ import annotations

import ipaddress
from html import escape
from importlib import resources

from aiohttp import web
from sqlmodel import col, select

from bot.actions.inbound import NotStored, receive
from bot.web.http import services_of
from flows import phones
from flows.messages import Address, Channel, Inbound, clean_text
from storage.tables import MessageRow

MAX_TEXT = 1600


def _check(request: web.Request) -> None:
    """The simulator is there only when it is on, and then for this computer only unless
    LINKBOT_SIMULATOR=on."""
    if not services_of(request).settings.simulator_enabled:
        raise web.HTTPNotFound(text="The simulator is off.")
    if not _allowed(request):
        raise web.HTTPForbidden(text="The simulator only answers on this computer.")


def _allowed(request: web.Request) -> bool:
    """Loopback only, unless LINKBOT_SIMULATOR=on was set explicitly."""
    if services_of(request).settings.simulator_open_to_all:
        return True
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def _address(raw: str) -> Address | None:
    handle = phones.normalise(raw)
    if not handle or len(handle) > 40 or any(ch.isspace() for ch in handle):
        return None
    return Address.of(Channel.SIMULATOR, handle)


async def page(request: web.Request) -> web.Response:
    _check(request)
    html = resources.files("bot.web.hooks").joinpath("simulator.html").read_text("utf-8")
    html = html.replace("{{service}}", escape(services_of(request).settings.service_name))
    return web.Response(text=html, content_type="text/html")


async def send(request: web.Request) -> web.Response:
    _check(request)
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a number too long, too deep
        return web.json_response({"error": "The body is not valid JSON."}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"error": "Send a JSON object."}, status=422)
    sender = body.get("from", "")
    address = _address(clean_text(sender, 100)) if isinstance(sender, str) else None
    text = body.get("text")
    if address is None:
        return web.json_response({"error": "from: give a phone number."}, status=422)
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return web.json_response({"error": f"text: up to {MAX_TEXT} characters."}, status=422)
    services = services_of(request)
    handle = address.handle
    inbound = Inbound(
        address,
        clean_text(text),
        None,
        services.clock.now(),
        phone=handle if handle.startswith("+") else None,
    )
    try:
        await receive(services, inbound)
    except NotStored:
        return web.json_response({"error": "Not stored: send it again."}, status=503)
    return web.json_response({"ok": True})


async def messages(request: web.Request) -> web.Response:
    _check(request)
    address = _address(clean_text(request.query.get("from", ""), 100))
    after = request.query.get("after", "0")
    if address is None or not (after.isascii() and after.isdigit() and len(after) < 19):
        return web.json_response({"error": "from: give a phone number."}, status=422)
    services = services_of(request)
    async with services.db.read() as session:
        rows = (
            await session.execute(
                select(MessageRow)
                .where(MessageRow.address == address.value, col(MessageRow.id) > int(after))
                .order_by(col(MessageRow.id))
                .limit(200)
            )
        ).scalars()
        items = [
            {
                "id": row.id,
                "direction": row.direction,
                "text": row.text,
                "status": row.status,
                "at": row.created_at.astimezone(services.settings.zone).strftime("%H:%M"),
            }
            for row in rows
            # An outgoing message shows once "delivered": the outbox has sent it.
            if row.direction == "in" or row.status == "delivered"
        ]
    return web.json_response({"items": items})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/simulator", page)
    app.router.add_post("/simulator/send", send)
    app.router.add_get("/simulator/messages", messages)
