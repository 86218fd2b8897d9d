"""Phone calls through Twilio's Voice API, for clients whose number is a landline: the call
placed with the official ``twilio`` client, its TwiML built with the library's
``VoiceResponse`` (text-to-speech in British English, keypad answers through ``Gather``), and
Twilio's call status read in linkbot's words. Webhooks are signed like SMS (``sms.is_signed``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.channels import SEND_TIMEOUT_SECONDS, SendError, Sent
from bot.channels.sms import refused, rest_client
from flows.delivery import Delivery
from flows.messages import Address, Button

LANGUAGE = "en-GB"
KEYS_SECONDS = 8  # how long the call waits for a key after the message
VOICE_RATE = 1.0  # calls placed a second: Twilio's default for an account


@dataclass(frozen=True, slots=True)
class CallEnded:
    """How a call ended, in linkbot's words: ``answered`` by a person, or why not (busy,
    no-answer, failed, voicemail)."""

    call_sid: str
    answered: bool
    why: str


class TwilioVoice:
    """Places calls with twilio's async client; Twilio then fetches ``twiml_url``."""

    name = "twilio_voice"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_base_url: str,
        public_base_url: str,
    ) -> None:
        self._client, self._http = rest_client(account_sid, auth_token, api_base_url)
        self._sender = sender
        self._base = public_base_url

    async def send(
        self,
        to: Address,
        text: str,
        *,
        validity_seconds: int | None,
        buttons: tuple[Button, ...] = (),
    ) -> Sent:
        """Place the call; what it says is the message's text, fetched as TwiML by its sid."""
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS):
                call = await self._client.calls.create_async(
                    to=to.handle,
                    from_=self._sender,
                    url=f"{self._base}/voice/twiml",
                    status_callback=f"{self._base}/voice/status",
                    status_callback_event=["completed"],
                    machine_detection="Enable",  # a voicemail is not an answer
                )
        except TwilioRestException as exc:
            raise refused(exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(f"network: {type(exc).__name__}", transient=True) from None
        return Sent(call.sid, Delivery.QUEUED)

    async def close(self) -> None:
        await self._http.close()


def say_and_ask(text: str, keys_url: str, no_choice: str) -> str:
    """The call's TwiML: the message, waiting for one key, then a goodbye if none came."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=keys_url, method="POST", timeout=KEYS_SECONDS)
    gather.say(text, language=LANGUAGE)
    response.append(gather)
    response.say(no_choice, language=LANGUAGE)
    response.hangup()
    return str(response)


def say_and_end(text: str) -> str:
    response = VoiceResponse()
    response.say(text, language=LANGUAGE)
    response.hangup()
    return str(response)


def again(twiml_url: str) -> str:
    """Start the call's message over (key 3)."""
    response = VoiceResponse()
    response.redirect(twiml_url, method="POST")
    return str(response)


def call_ended(form: Mapping[str, str]) -> CallEnded | None:
    """A status callback as how the call ended; None when it says nothing we can use."""
    sid = form.get("CallSid", "").strip()
    status = form.get("CallStatus", "").strip().lower()
    if not sid or status not in ("completed", "busy", "no-answer", "failed", "canceled"):
        return None
    if status == "completed":
        if form.get("AnsweredBy", "").strip().lower().startswith("machine"):
            return CallEnded(sid, False, "voicemail")
        return CallEnded(sid, True, "answered")
    return CallEnded(sid, False, status)
