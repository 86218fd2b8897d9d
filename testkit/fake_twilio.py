"""A fake Twilio REST API on loopback that speaks the real protocol to the real ``twilio`` client.

It checks HTTP basic auth, answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` like Twilio
(201 with a message resource, or an error document) and ``DELETE .../Messages/{MessageSid}.json``
(204, and 404 once deleted), takes ``POST .../Calls.json`` (a voice call: 201 with a call
resource; ``TwilioWebhooks`` then plays the call's part: the TwiML fetch, the keypress and
the status callback), and can be told to fail, hold requests or treat
numbers as unsubscribed. With ``chaos`` set it fails that share of sends at random, as a
struggling provider does: a 500, a 503, a 429, or a send it accepts and then never answers (the
connection drops: the caller cannot know it went). It can also play Twilio's part in sending
signed status callbacks.
"""

from __future__ import annotations

import asyncio
import base64
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-for-tests"
FROM_NUMBER = "+447700900001"


@dataclass
class SentSms:
    sid: str
    to: str
    body: str
    sender: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    validity_period: str | None
    at: float = field(default_factory=time.perf_counter)  # when it arrived (benchmarks time it)


@dataclass
class PlacedCall:
    sid: str
    to: str
    sender: str
    url: str  # where Twilio fetches the call's TwiML
    status_callback: str | None
    machine_detection: str | None


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    sent: list[SentSms] = field(default_factory=list)
    requests: int = 0
    unsubscribed: set[str] = field(default_factory=set)
    failures: list[tuple[int, int | None]] = field(default_factory=list)  # (status, code) queue
    hold: asyncio.Event | None = None  # when set to an unset Event, requests wait on it
    deleted: list[str] = field(default_factory=list)  # message sids deleted, in order
    refuse_delete: set[str] = field(default_factory=set)  # sids whose delete answers 409
    received_held: asyncio.Event = field(default_factory=asyncio.Event)
    chaos: float = 0.0  # the share of sends failed at random
    chaos_seed: int = 18
    unanswered: list[str] = field(default_factory=list)  # sids sent without an answer
    calls: list[PlacedCall] = field(default_factory=list)
    _rng: random.Random | None = None
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to(self, number: str) -> list[str]:
        """Bodies sent to one number, in order."""
        return [m.body for m in self.sent if m.to == number]

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        self.failures.extend([(status, code)] * times)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", self._call)
        app.router.add_delete("/2010-04-01/Accounts/{sid}/Messages/{message}.json", self._delete)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def _authorised(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    @staticmethod
    def _error(status: int, code: int | None, message: str) -> web.Response:
        return web.json_response(
            {"code": code, "message": message, "more_info": "", "status": status}, status=status
        )

    async def _create(self, request: web.Request) -> web.Response:
        self.requests += 1
        if not self._authorised(request):
            return self._error(401, 20003, "Authenticate")
        if request.match_info["sid"] != self.account_sid:
            return self._error(404, 20404, "The requested resource was not found")
        if self.hold is not None:
            self.received_held.set()
            await self.hold.wait()
        form = await request.post()
        to, body = str(form.get("To", "")), str(form.get("Body", ""))
        if self.failures:
            status, code = self.failures.pop(0)
            return self._error(status, code, "Injected failure")
        if self.chaos:
            self._rng = self._rng or random.Random(self.chaos_seed)
            if self._rng.random() < self.chaos:
                fault = self._rng.choice(("500", "503", "429", "unanswered"))
                if fault != "unanswered":
                    code = 20429 if fault == "429" else None
                    return self._error(int(fault), code, "Injected failure")
                self.unanswered.append(self._record(form, to, body))
                assert request.transport is not None
                request.transport.abort()  # taken, but the caller never hears
                return web.Response(status=500)
        if not to.startswith("+") or not to[1:].isdigit():
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.unsubscribed:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self._error(400, 21603, "A 'From' phone number is required.")
        sid = self._record(form, to, body)
        return web.json_response(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "body": body,
                "from": form.get("From"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "price": None,
                "error_code": None,
                "error_message": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status=201,
        )

    def calls_to(self, number: str) -> list[PlacedCall]:
        return [c for c in self.calls if c.to == number]

    async def _call(self, request: web.Request) -> web.Response:
        """A voice call, as Twilio's Calls resource takes one: To, From, and the Url of its
        TwiML (or inline Twiml)."""
        self.requests += 1
        if not self._authorised(request):
            return self._error(401, 20003, "Authenticate")
        form = await request.post()
        if self.failures:
            status, code = self.failures.pop(0)
            return self._error(status, code, "Injected failure")
        to, sender, url = (str(form.get(k, "")) for k in ("To", "From", "Url"))
        if not to.startswith("+") or not to[1:].isdigit():
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender.startswith("+"):
            return self._error(400, 21212, "The 'From' number is not a valid phone number.")
        if not url and not form.get("Twiml"):
            return self._error(400, 21205, "Url parameter is required.")
        sid = "CA" + secrets.token_hex(16)
        self.calls.append(
            PlacedCall(
                sid,
                to,
                sender,
                url,
                _opt(form.get("StatusCallback")),
                _opt(form.get("MachineDetection")),
            )
        )
        return web.json_response(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": sender,
                "status": "queued",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
            },
            status=201,
        )

    def _record(self, form: Any, to: str, body: str) -> str:
        sid = "SM" + secrets.token_hex(16)
        self.sent.append(
            SentSms(
                sid,
                to,
                body,
                _opt(form.get("From")),
                _opt(form.get("MessagingServiceSid")),
                _opt(form.get("StatusCallback")),
                _opt(form.get("ValidityPeriod")),
            )
        )
        return sid

    async def _delete(self, request: web.Request) -> web.Response:
        """Twilio deletes a message's record, body included; one still sending answers 409."""
        self.requests += 1
        if not self._authorised(request):
            return self._error(401, 20003, "Authenticate")
        sid = request.match_info["message"]
        if request.match_info["sid"] != self.account_sid or sid in self.deleted:
            return self._error(404, 20404, "The requested resource was not found")
        if sid in self.refuse_delete:
            return self._error(409, 20009, "Cannot delete message: it is still being sent")
        self.deleted.append(sid)
        return web.Response(status=204)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    return str(RequestValidator(auth_token).compute_signature(url, params))


class TwilioWebhooks:
    """Posts signed webhooks to the app as Twilio would."""

    def __init__(self, client: TestClient, public_base_url: str, auth_token: str = AUTH_TOKEN):
        self.client = client
        self.base = public_base_url
        self.token = auth_token
        self._count = 0

    def next_sid(self) -> str:
        self._count += 1
        return "SM" + f"{self._count:032x}"

    async def post(self, path: str, params: dict[str, str], *, signature: str | None = None):
        headers = {}
        sig = signature if signature is not None else sign(self.token, self.base + path, params)
        if sig:
            headers["X-Twilio-Signature"] = sig
        return await self.client.post(path, data=params, headers=headers)

    async def sms(self, sender: str, body: str, *, sid: str | None = None, **extra: str):
        params = {
            "MessageSid": sid or self.next_sid(),
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "To": FROM_NUMBER,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        return await self.post("/sms/inbound", params)

    async def status(self, sid: str, status: str, error_code: str | None = None):
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
        if error_code:
            params["ErrorCode"] = error_code
        return await self.post("/sms/status", params)

    def _path(self, url: str) -> str:
        assert url.startswith(self.base), url
        return url[len(self.base) :]

    async def fetch_twiml(self, call: PlacedCall) -> str:
        """The call is answered: Twilio fetches its TwiML from the call's Url."""
        params = {
            "CallSid": call.sid,
            "AccountSid": ACCOUNT_SID,
            "From": call.sender,
            "To": call.to,
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
        }
        response = await self.post(self._path(call.url), params)
        assert response.status == 200, await response.text()
        return str(await response.text())

    async def press(self, call: PlacedCall, action: str, digits: str) -> str:
        """The person presses keys: Twilio posts them to the Gather's action."""
        params = {
            "CallSid": call.sid,
            "AccountSid": ACCOUNT_SID,
            "Digits": digits,
            "From": call.sender,
            "To": call.to,
            "CallStatus": "in-progress",
        }
        response = await self.post(self._path(action), params)
        assert response.status == 200, await response.text()
        return str(await response.text())

    async def call_ended(self, call: PlacedCall, status: str, answered_by: str | None = None):
        """The call's status callback: completed, busy, no-answer, failed or canceled."""
        assert call.status_callback is not None
        params = {
            "CallSid": call.sid,
            "AccountSid": ACCOUNT_SID,
            "CallStatus": status,
            "From": call.sender,
            "To": call.to,
        }
        if answered_by:
            params["AnsweredBy"] = answered_by
        return await self.post(self._path(call.status_callback), params)
