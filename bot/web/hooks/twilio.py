"""Twilio's webhooks: inbound messages and delivery status callbacks, and a call's TwiML, keys
and status (calls to landlines), each signed.

An inbound message is answered 200 once it is stored, as handled or in the inbound spool; 503
when it could be neither, so that Twilio sends it again. Twilio retries a 5xx only when the
webhook URL asks it to with its connection overrides, a fragment such as ``RETRY_FRAGMENT``:
configure ``PUBLIC_BASE_URL/sms/inbound#rc=3&rp=5xx,ct,rt``. A fragment never reaches the
server; a signature is accepted over the URL with or without it.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.actions import receipts
from bot.actions import voice as voice_actions
from bot.actions.inbound import NotStored, receive
from bot.channels import sms, voice
from bot.web.http import services_of
from flows import texts

log = logging.getLogger(__name__)

EMPTY_TWIML = "<Response></Response>"
# Twilio's connection overrides: three retries, on a 5xx, a failed connection or a read timeout.
RETRY_FRAGMENT = "#rc=3&rp=5xx,ct,rt"


async def _signed_form(request: web.Request) -> dict[str, str] | None:
    """The form if Twilio's signature over PUBLIC_BASE_URL + path matches, else None.

    The URL is tried as called and with ``RETRY_FRAGMENT``, whichever one Twilio signed. A
    body that is not a form at all (bytes that are not UTF-8, a broken multipart, an unknown
    charset) is refused like an unsigned one; one over the size limit is answered 413."""
    settings = services_of(request).settings
    if not settings.sms_enabled:
        return None
    try:
        posted = await request.post()
    except web.HTTPException:
        raise
    except Exception as exc:  # whatever a parser meets in bytes from outside
        log.warning(
            "rejected a request to %s that is not a form (%s)", request.path, type(exc).__name__
        )
        return None
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    url = settings.public_base_url + request.path_qs
    signature = request.headers.get("X-Twilio-Signature", "")
    token = settings.twilio_auth_token
    if not any(sms.is_signed(form, u, signature, token) for u in (url, url + RETRY_FRAGMENT)):
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
    try:
        await receive(services, sms.to_inbound(form, services.clock.now()))
    except NotStored:
        return web.Response(status=503, text="Not stored: send it again")
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
    await receipts.record(services, report)
    return _answer()


def _twiml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml")


async def call_twiml(request: web.Request) -> web.Response:
    """Twilio fetches what a call says once it is answered."""
    form = await _signed_form(request)
    if form is None:
        return web.Response(status=403, text="Forbidden")
    services = services_of(request)
    said = await voice_actions.script(services, form.get("CallSid", "").strip())
    if said is None:
        return _twiml(voice.say_and_end(texts.VOICE_GONE))
    keys = f"{services.settings.public_base_url}/voice/keys"
    return _twiml(voice.say_and_ask(said, keys, texts.VOICE_NO_CHOICE))


async def call_keys(request: web.Request) -> web.Response:
    """A key pressed during a call: 1 yes, 2 no, 3 the message again."""
    form = await _signed_form(request)
    if form is None:
        return web.Response(status=403, text="Forbidden")
    services = services_of(request)
    sid, digits = form.get("CallSid", "").strip(), form.get("Digits", "").strip()
    said = await voice_actions.keypress(services, sid, digits)
    if said is None:  # 3, or a key that means nothing: the message again
        return _twiml(voice.again(f"{services.settings.public_base_url}/voice/twiml"))
    return _twiml(voice.say_and_end(said))


async def call_status(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    if form is None:
        return web.Response(status=403, text="Forbidden")
    ended = voice.call_ended(form)
    if ended is None:
        log.warning("call status callback without a usable CallSid or CallStatus")
        return _answer()
    await voice_actions.ended(services_of(request), ended)
    return _answer()


def add_routes(app: web.Application) -> None:
    app.router.add_post("/sms/inbound", inbound)
    app.router.add_post("/sms/status", status)
    app.router.add_post("/voice/twiml", call_twiml)
    app.router.add_post("/voice/keys", call_keys)
    app.router.add_post("/voice/status", call_status)
