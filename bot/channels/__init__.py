"""Channel adapters: each turns its provider's wire format into ``Inbound``, sends text to an
address, and says what its provider reports in linkbot's own words: a ``Delivery`` state, and
whether the person has opted out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from flows.delivery import Delivery
from flows.messages import Address, Button

SEND_TIMEOUT_SECONDS = 15.0  # every adapter gives up on one send after this long


@dataclass(frozen=True, slots=True)
class Sent:
    provider_id: str | None
    status: Delivery  # where the provider says it has got to, e.g. queued, sent, delivered


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A provider's report on a message it took, in linkbot's words."""

    provider_id: str
    state: Delivery
    error_code: str | None
    opted_out: bool  # the provider says the person has unsubscribed


class SendError(Exception):
    """A send that failed. ``transient`` ones are retried with back-off; others never are."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        transient: bool,
        opted_out: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient
        self.opted_out = opted_out  # the provider says this person has unsubscribed
        self.retry_after = retry_after  # seconds the provider asked us to wait, if it said


class Sender(Protocol):
    name: str  # the provider, as recorded on each message it was given: "twilio", "vonage"

    async def send(
        self,
        to: Address,
        text: str,
        *,
        validity_seconds: int | None,
        buttons: tuple[Button, ...] = (),
    ) -> Sent:
        """Send ``text``; a channel without buttons ignores them (the text names the choices)."""

    async def close(self) -> None: ...


@runtime_checkable
class KeepsCopies(Protocol):
    """A provider that keeps each message's body until asked to delete it (Twilio does)."""

    async def delete_copy(self, provider_id: str) -> None:
        """Ask the provider to delete its copy of the message; ``SendError`` if it would not.
        A message the provider no longer holds counts as deleted."""
