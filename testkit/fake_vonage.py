"""A fake Vonage SMS API on loopback, over TLS, that speaks the real protocol to the real
``vonage`` SDK.

It answers ``POST /sms/json`` (a form, as the SDK sends it, or JSON) like Vonage: HTTP 200 with
``{"message-count": ..., "messages": [...]}``, one entry per SMS part, each with a ``status``
(``"0"`` when taken, else Vonage's code and its ``error-text``). The credentials come as HTTP
basic auth (the SDK's way) or as ``api_key`` and ``api_secret`` fields. It can be told to fail
the next requests with an HTTP status or a Vonage status, to be down (503; once stopped, it
refuses connections), to hold requests, or to treat numbers as barred (status 7). It is
stricter than Vonage in one way: ``to`` must be digits only, as Vonage documents it, so a
``+`` left on a number is caught.

It also plays Vonage's part in sending delivery receipts: ``receipt`` builds the signed
parameters of one, signed with the SDK's ``Auth.sign_params`` (and, for the dashboard's
default "MD5 hash", which the v4 SDK no longer offers, by Vonage's documented recipe).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import ssl
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import vonage
from aiohttp import web

from flows.gsm import segments
from testkit.certificates import server_certificate

API_KEY = "a1b2c3d4"
API_SECRET = "fake-api-secret-for-tests"
SIGNATURE_SECRET = "fake-signature-secret-for-tests"
FROM_NUMBER = "+447700900002"
ERROR_TEXTS = {
    1: "Throttled",
    2: "Missing Parameters",
    3: "Invalid Parameters",
    4: "Bad Credentials",
    5: "Internal Error",
    6: "Invalid Message",
    7: "Number Barred",
    8: "Partner Account Barred",
    9: "Partner Quota Violation",
    15: "Illegal Sender Address - rejected",
}


@dataclass
class SentVonageSms:
    message_ids: list[str]  # one per SMS part, as Vonage answers
    to: str
    text: str
    sender: str
    callback: str | None
    type: str | None
    ttl: str | None


@dataclass
class FakeVonage:
    api_key: str = API_KEY
    api_secret: str = API_SECRET
    signature_secret: str = SIGNATURE_SECRET
    signature_method: str = "sha256"
    sender: str = FROM_NUMBER
    sent: list[SentVonageSms] = field(default_factory=list)
    requests: int = 0
    barred: set[str] = field(default_factory=set)  # numbers, with or without the +
    failures: list[int] = field(default_factory=list)  # HTTP statuses (>= 100) or Vonage codes
    down: bool = False  # answer every request with a 503
    hold: asyncio.Event | None = None  # when set to an unset Event, requests wait on it
    received_held: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _cert_pem: str = ""
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The settings that point linkbot at this fake."""
        return {
            "VONAGE_API_KEY": self.api_key,
            "VONAGE_API_SECRET": self.api_secret,
            "VONAGE_SIGNATURE_SECRET": self.signature_secret,
            "VONAGE_SIGNATURE_METHOD": self.signature_method,
            "VONAGE_FROM": self.sender,
            "VONAGE_API_BASE_URL": self.base_url,
        }

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate, and verifies as usual."""
        return ssl.create_default_context(cadata=self._cert_pem)

    def to(self, number: str) -> list[str]:
        """Texts sent to one number (with or without the +), in order."""
        return [m.text for m in self.sent if m.to == number.removeprefix("+")]

    def fail_next(self, status_or_vonage_code: int, times: int = 1) -> None:
        """Fail the next requests: an HTTP status (429, with ``Retry-After: 7``, 500, 503 ...)
        or a Vonage status (1 throttled, 5 internal error, 7 barred ...) in an HTTP 200
        answer; a text of several parts then has only its last part refused."""
        self.failures.extend([status_or_vonage_code] * times)

    async def start(self, port: int = 0) -> None:
        self._cert_pem, context = await server_certificate()
        app = web.Application()
        app.router.add_post("/sms/json", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=context)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    def _authorised(self, request: web.Request, fields: dict[str, str]) -> bool:
        expected = base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
        if request.headers.get("Authorization") == f"Basic {expected}":
            return True
        return fields.get("api_key") == self.api_key and fields.get("api_secret") == (
            self.api_secret
        )

    @staticmethod
    async def _fields(request: web.Request) -> dict[str, str]:
        if request.content_type == "application/json":
            body = await request.json()
            return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
        return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}

    def _refusal(self, status: int, to: str = "", parts: int = 1) -> web.Response:
        """Vonage's answer refusing a message; of a text in ``parts`` parts, only the last is
        refused, the others taken (what Vonage's partial failure looks like)."""
        taken = [
            {"to": to, "message-id": f"{next(self._ids):016X}", "status": "0"}
            for _ in range(parts - 1)
        ]
        refused = {"status": str(status), "error-text": ERROR_TEXTS.get(status, "Refused")}
        if to:
            refused["to"] = to
        messages = [*taken, refused]
        return web.json_response({"message-count": str(len(messages)), "messages": messages})

    async def _send(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.hold is not None:
            self.received_held.set()
            await self.hold.wait()
        if self.down:
            return web.json_response({"error": "Service Unavailable"}, status=503)
        fields = await self._fields(request)
        if self.failures:
            failure = self.failures.pop(0)
            if failure >= 100:
                return web.json_response(
                    {"type": "about:blank", "title": "Injected failure"},
                    status=failure,
                    headers={"Retry-After": "7"} if failure == 429 else None,
                )
            return self._refusal(failure, parts=segments(fields.get("text", "")))
        if not self._authorised(request, fields):
            return self._refusal(4)
        to, text, sender = fields.get("to", ""), fields.get("text", ""), fields.get("from", "")
        if not (to and text and sender):
            return self._refusal(2)
        ttl, callback = fields.get("ttl"), fields.get("callback")
        if (
            not to.isdigit()
            or fields.get("type", "text") not in ("text", "unicode")
            or (ttl is not None and not (ttl.isdigit() and 20000 <= int(ttl) <= 604800000))
            or (callback is not None and len(callback) > 100)
        ):
            return self._refusal(3)
        if to in {number.removeprefix("+") for number in self.barred}:
            return self._refusal(7, to)
        parts = [f"{next(self._ids):016X}" for _ in range(segments(text))]
        self.sent.append(SentVonageSms(parts, to, text, sender, callback, fields.get("type"), ttl))
        return web.json_response(
            {
                "message-count": str(len(parts)),
                "messages": [
                    {
                        "to": to,
                        "message-id": part,
                        "status": "0",
                        "remaining-balance": "12.34000000",
                        "message-price": "0.03330000",
                        "network": "23410",
                    }
                    for part in parts
                ],
            }
        )

    def receipt(
        self,
        message_id: str,
        status: str = "delivered",
        err_code: str = "0",
        *,
        to: str = "447700900123",
        method: str | None = None,
        **extra: str,
    ) -> dict[str, str]:
        """The parameters of a delivery receipt as Vonage sends it, signed with this account's
        signature secret by ``method`` (this fake's own, unless given)."""
        params: dict[str, Any] = {
            "msisdn": to.removeprefix("+"),
            "to": self.sender.removeprefix("+"),
            "network-code": "23410",
            "messageId": message_id,
            "price": "0.03330000",
            "status": status,
            "scts": "2611241000",
            "err-code": err_code,
            "api-key": self.api_key,
            "message-timestamp": "2026-11-24 10:00:00",
            "timestamp": str(int(time.time())),
            "nonce": str(uuid.uuid4()),
            **extra,
        }
        params["sig"] = sign(params, self.signature_secret, method or self.signature_method)
        return params

    def inbound(self, sender: str, text: str, message_id: str) -> dict[str, str]:
        """The parameters of an inbound SMS (a person's reply to a Vonage number) as Vonage
        sends them, signed like a receipt."""
        params: dict[str, Any] = {
            "msisdn": sender.removeprefix("+"),
            "to": self.sender.removeprefix("+"),
            "messageId": message_id,
            "text": text,
            "type": "text" if text.isascii() else "unicode",
            "keyword": text.split(" ")[0].upper() if text else "",
            "api-key": self.api_key,
            "message-timestamp": "2026-11-24 10:00:00",
            "timestamp": str(int(time.time())),
            "nonce": str(uuid.uuid4()),
        }
        params["sig"] = sign(params, self.signature_secret, self.signature_method)
        return params


def sign(params: dict[str, Any], secret: str, method: str) -> str:
    """Vonage's signature over ``params`` (without ``sig``), as its dashboard's method says."""
    if method == "md5hash":
        # Vonage's recipe: the sorted "&key=value" pairs, "&" and "=" in values as "_", then the
        # secret, MD5'd. Checked against Vonage's own test vector in the tests.
        joined = "".join(
            f"&{key}={str(params[key]).replace('&', '_').replace('=', '_')}"
            for key in sorted(params)
        )
        return hashlib.md5((joined + secret).encode()).hexdigest()  # noqa: S324 - Vonage's
    auth = vonage.Auth(api_key=API_KEY, signature_secret=secret, signature_method=method)
    return str(auth.sign_params(dict(params)))
