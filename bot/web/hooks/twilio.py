"""Twilio's webhooks: inbound messages and delivery status callbacks, each signed."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.actions.inbound import receive
from bot.actions.unit import change
from bot.channels import sms
from bot.web.http import services_of
from flows.engine.delivery import undelivered
from storage import outbox

log = logging.getLogger(__name__)

EMPTY_TWIML = "<Response></Response>"


async def _signed_form(request: web.Request) -> dict[str, str] | None:
    """The form if Twilio's signature over PUBLIC_BASE_URL + path matches, else None."""
    settings = services_of(request).settings
    if not settings.sms_enabled:
        return None
    posted = await request.post()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    url = settings.public_base_url + request.path_qs
    signature = request.headers.get("X-Twilio-Signature", "")
    if not sms.is_signed(form, url, signature, settings.twilio_auth_token):
        log.warning("rejected a request to %s with a missing or wrong signature", request.path)
        return None
    return form


def _answer() -> web.Response:
    """Every reply goes out later through the REST API, never as TwiML."""
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def inbound(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    if form is None:
        return web.Response(status=403, text="Forbidden")
    services = services_of(request)
    await receive(services, sms.to_inbound(form, services.clock.now()))
    return _answer()


async def status(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    if form is None:
        return web.Response(status=403, text="Forbidden")
    report = sms.delivery_report(form)
    if report is None:
        # Nothing to record; answering 200 stops Twilio from retrying a callback we cannot use.
        log.warning("status callback without a usable MessageSid or MessageStatus")
        return _answer()
    services = services_of(request)
    now = services.clock.now()
    async with change(services) as uow:
        lost = await outbox.record_status(
            uow.session, report.provider_id, report.state, report.error_code, report.opted_out, now
        )
        if lost is not None:  # it did not arrive: a person follows it up
            await undelivered(uow, lost, now)
    return _answer()


def add_routes(app: web.Application) -> None:
    app.router.add_post("/sms/inbound", inbound)
    app.router.add_post("/sms/status", status)
