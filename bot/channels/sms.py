"""SMS through Twilio: the official ``twilio`` client for sending and for checking request
signatures; Twilio's webhook forms read as an ``Inbound`` or a delivery report, in linkbot's
own words."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client as TwilioClient

from bot.channels import SEND_TIMEOUT_SECONDS, DeliveryReport, SendError, Sent
from flows import phones
from flows.delivery import Delivery
from flows.messages import Address, Button, Channel, Inbound, clean_text

MAX_SENDER = 40
MAX_PROVIDER_ID = 64  # a MessageSid is 34 characters; the column holds 64
OPTED_OUT_CODE = "21610"  # "Attempt to send to unsubscribed recipient"
# Twilio's message states, and what each means here. "receiving" and "received" are states of
# messages coming in, not going out: a report of them changes nothing.
STATES = {
    "accepted": Delivery.ACCEPTED,
    "scheduled": Delivery.SCHEDULED,
    "queued": Delivery.QUEUED,
    "sending": Delivery.IN_TRANSIT,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "undelivered": Delivery.UNDELIVERED,
    "failed": Delivery.FAILED,
    "canceled": Delivery.FAILED,
}


def is_signed(form: Mapping[str, str], url: str, signature: str, auth_token: str) -> bool:
    """Whether ``X-Twilio-Signature`` is Twilio's, over the URL it called and the form."""
    return bool(signature) and RequestValidator(auth_token).validate(url, form, signature)


def to_inbound(form: Mapping[str, str], received_at: datetime) -> Inbound:
    """Turn Twilio's webhook form into an ``Inbound``, its words cleaned
    (``flows.messages.clean_text``). A strange ``From`` is kept as sent, unless it could not be
    an address at all (empty, or over 40 characters: then "unknown")."""
    sender = phones.normalise(clean_text(form.get("From", ""), 100))
    if not sender or len(sender) > MAX_SENDER:
        sender = "unknown"
    return Inbound(
        address=Address.of(Channel.SMS, sender),
        text=clean_text(form.get("Body", "")),
        provider_id=clean_text(form.get("MessageSid", "").strip(), MAX_PROVIDER_ID) or None,
        received_at=received_at,
        phone=sender if sender.startswith("+") else None,
    )


def delivery_report(form: Mapping[str, str]) -> DeliveryReport | None:
    """A status callback as a delivery report; None when it has nothing we can use."""
    sid = form.get("MessageSid", "").strip()
    state = STATES.get(form.get("MessageStatus", "").strip().lower())
    if not sid or state is None:
        return None
    code = form.get("ErrorCode", "").strip() or None
    return DeliveryReport(sid, state, code, code == OPTED_OUT_CODE)


def rest_client(
    account_sid: str, auth_token: str, api_base_url: str
) -> tuple[TwilioClient, AsyncTwilioHttpClient]:
    """The official client on its async HTTP client, against ``api_base_url`` (messages and
    calls alike)."""
    http = AsyncTwilioHttpClient()
    client = TwilioClient(account_sid, auth_token, http_client=http)
    client.api.base_url = api_base_url.rstrip("/")
    return client, http


def refused(exc: TwilioRestException, *, also_transient: tuple[int, ...] = ()) -> SendError:
    """Twilio's refusal in linkbot's words: a 429, a 5xx (or ``also_transient``) is tried
    again; Twilio's error code is kept."""
    transient = exc.status == 429 or exc.status >= 500 or exc.status in also_transient
    code = str(exc.code) if exc.code is not None else str(exc.status)
    return SendError(
        f"Twilio answered {exc.status}",
        code=code,
        transient=transient,
        opted_out=code == OPTED_OUT_CODE,
    )


class TwilioSms:
    """Sends SMS with twilio's async client against ``api_base_url``."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base_url: str,
        status_callback: str,
    ) -> None:
        self._client, self._http = rest_client(account_sid, auth_token, api_base_url)
        self._sender = sender
        self._status_callback = status_callback

    async def send(
        self,
        to: Address,
        text: str,
        *,
        validity_seconds: int | None,
        buttons: tuple[Button, ...] = (),
    ) -> Sent:
        fields: dict[str, object] = {
            "to": to.handle,
            "body": text,
            "status_callback": self._status_callback,
        }
        if self._sender.startswith("MG"):
            fields["messaging_service_sid"] = self._sender
        else:
            fields["from_"] = self._sender
        if validity_seconds is not None:
            # Twilio accepts 1 to 36000 seconds (ten hours).
            fields["validity_period"] = max(1, min(36000, validity_seconds))
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                message = await self._client.messages.create_async(**fields)
        except TwilioRestException as exc:
            raise refused(exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(f"network: {type(exc).__name__}", transient=True) from None
        return Sent(message.sid, STATES.get(str(message.status or "queued"), Delivery.QUEUED))

    async def delete_copy(self, provider_id: str) -> None:
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                await self._client.messages(provider_id).delete_async()
        except TwilioRestException as exc:
            if exc.status == 404:
                return  # already gone
            raise refused(exc, also_transient=(409,)) from None  # 409: still sending
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(f"network: {type(exc).__name__}", transient=True) from None

    async def close(self) -> None:
        await self._http.close()
