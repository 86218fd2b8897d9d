"""Twilio's webhooks: inbound messages and delivery status callbacks."""

from __future__ import annotations

import logging

from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.actions.inbound import receive
from bot.channels import sms
from bot.web.http import services_of
from storage import outbox as sql

log = logging.getLogger(__name__)

EMPTY_TWIML = "<Response></Response>"
DELIVERY_STATES = frozenset(
    {
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "undelivered",
        "failed",
        "read",
        "receiving",
        "received",
        "canceled",
    }
)


async def _signed_form(request: web.Request) -> dict[str, str] | None:
    """The form if Twilio's signature over PUBLIC_BASE_URL + path matches, else None."""
    settings = services_of(request).settings
    if not settings.sms_enabled:
        return None
    posted = await request.post()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.public_base_url + request.path_qs
    if not signature or not RequestValidator(settings.twilio_auth_token).validate(
        url, form, signature
    ):
        log.warning("rejected a request to %s with a missing or wrong signature", request.path)
        return None
    return form


async def inbound(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    if form is None:
        return web.Response(status=403, text="Forbidden")
    services = services_of(request)
    await receive(services, sms.to_inbound(form, services.clock.now()))
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def status(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    if form is None:
        return web.Response(status=403, text="Forbidden")
    sid = form.get("MessageSid", "").strip()
    state = form.get("MessageStatus", "").strip().lower()
    if not sid or state not in DELIVERY_STATES:
        # Nothing to record; answering 200 stops Twilio from retrying a callback we cannot use.
        log.warning("status callback without a usable MessageSid or MessageStatus")
        return web.Response(text=EMPTY_TWIML, content_type="text/xml")
    error_code = form.get("ErrorCode", "").strip() or None
    services = services_of(request)
    async with services.db.write() as session:
        await sql.record_status(session, sid, state, error_code, services.clock.now())
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/sms/inbound", inbound)
    app.router.add_post("/sms/status", status)
