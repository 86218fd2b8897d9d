"""SMS through Twilio: the official ``twilio`` client for sending, and inbound form parsing."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

import aiohttp
import phonenumbers
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client as TwilioClient

from bot.channels import SendError, Sent
from flows.messages import Address, Button, Channel, Inbound

OPTED_OUT_CODE = 21610  # "Attempt to send to unsubscribed recipient"
SEND_TIMEOUT_SECONDS = 15.0


def normalise_phone(raw: str) -> str:
    """E.164 for an international (+...) or UK national (0...) number, else as sent.

    Short codes and alphanumeric senders ("VODAFONE", "12345") stay as they are."""
    text = raw.strip()
    if not text.startswith(("+", "0")):
        return text
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_inbound(form: Mapping[str, str], received_at: datetime) -> Inbound:
    """Turn Twilio's webhook form into an ``Inbound``. A strange ``From`` is kept as sent."""
    sender = normalise_phone(form.get("From", "")) or "unknown"
    return Inbound(
        address=Address.of(Channel.SMS, sender),
        text=form.get("Body", ""),
        provider_id=form.get("MessageSid") or None,
        received_at=received_at,
        phone=sender if sender.startswith("+") else None,
    )


class TwilioSms:
    """Sends SMS with twilio's async client against ``api_base_url``."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base_url: str,
        status_callback: str,
    ) -> None:
        self._http = AsyncTwilioHttpClient()
        self._client = TwilioClient(account_sid, auth_token, http_client=self._http)
        self._client.api.base_url = api_base_url.rstrip("/")
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
            transient = exc.status == 429 or exc.status >= 500
            code = str(exc.code) if exc.code is not None else str(exc.status)
            raise SendError(
                f"Twilio answered {exc.status}",
                code=code,
                transient=transient,
                opted_out=exc.code == OPTED_OUT_CODE,
            ) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(f"network: {type(exc).__name__}", transient=True) from None
        return Sent(provider_id=message.sid, status=str(message.status or "queued"))

    async def close(self) -> None:
        await self._http.close()
