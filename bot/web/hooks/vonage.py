"""Vonage's webhooks, each signed with the account's signature secret: delivery receipts
(``/sms/vonage/status``) and messages from people (``/sms/vonage/inbound``: replies to a message
that went by Vonage). Vonage sends them as a GET query or as a POST of a form or of JSON, as
its dashboard is set; all three are read alike."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot.actions import receipts
from bot.actions.inbound import NotStored, receive
from bot.channels import vonage
from bot.web.http import services_of

log = logging.getLogger(__name__)


async def _fields(request: web.Request) -> dict[str, str] | None:
    """The receipt's fields as text, or None when the request does not hold a set of them."""
    pairs: list[tuple[str, object]]
    if request.method == "GET":
        pairs = list(request.query.items())
    elif request.content_type == "application/json":
        try:
            body = json.loads(await request.read())
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past reading
            return None
        if not isinstance(body, dict):
            return None
        pairs = list(body.items())
    else:
        pairs = list((await request.post()).items())
    fields: dict[str, str] = {}
    for key, value in pairs:
        # Vonage's JSON gives the timestamp as a number; every other value is text.
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return None
        fields[key] = value
    return fields


async def _signed(request: web.Request) -> dict[str, str] | web.Response:
    """The request's fields, if Vonage is on and signed them; else the answer to give."""
    settings = services_of(request).settings
    if not settings.vonage_enabled:
        return web.Response(status=404, text="Not Found")
    fields = await _fields(request)
    if fields is None:
        return web.Response(status=400, text="Bad Request")
    if not vonage.is_signed(
        fields, settings.vonage_signature_secret, settings.vonage_signature_method
    ):
        log.warning("rejected a request to %s with a missing or wrong signature", request.path)
        return web.Response(status=403, text="Forbidden")
    return fields


async def status(request: web.Request) -> web.Response:
    fields = await _signed(request)
    if isinstance(fields, web.Response):
        return fields
    report = vonage.delivery_report(fields)
    if report is None:
        # Nothing to record; answering 200 stops Vonage from resending a receipt we cannot use.
        log.warning("delivery receipt without a usable messageId or status")
        return web.Response(text="OK")
    await receipts.record(services_of(request), report)
    return web.Response(text="OK")


async def inbound(request: web.Request) -> web.Response:
    fields = await _signed(request)
    if isinstance(fields, web.Response):
        return fields
    services = services_of(request)
    message = vonage.to_inbound(fields, services.clock.now())
    if message is None:
        log.warning("inbound SMS from Vonage without a usable msisdn or messageId")
        return web.Response(text="OK")
    try:
        await receive(services, message)
    except NotStored:
        return web.Response(status=503, text="Not stored: send it again")  # Vonage retries
    return web.Response(text="OK")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/sms/vonage/status", status)
    app.router.add_post("/sms/vonage/status", status)
    app.router.add_get("/sms/vonage/inbound", inbound)
    app.router.add_post("/sms/vonage/inbound", inbound)
