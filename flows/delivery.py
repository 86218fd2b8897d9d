"""Where an outgoing message has got to, in linkbot's own words. Each channel adapter maps its
provider's states onto these; storage keeps them, and never lets a late report move a message
back (a "sent" arriving after "delivered" changes nothing)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flows.messages import Priority

DEADLINE_CODE = "deadline"  # the error code of a message not sent before its deadline


class Delivery(enum.StrEnum):
    PENDING = "pending"  # written, waiting its turn
    SENDING = "sending"  # claimed by an outbox, being handed over
    ACCEPTED = "accepted"  # the provider has it (a messaging service)
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    IN_TRANSIT = "in_transit"  # the provider is handing it to the network
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # not sent: the client opted out before it went
    EXPIRED = "expired"  # not sent: past its use

    @classmethod
    def of(cls, text: str) -> Delivery:
        """A stored state; anything else counts as not yet sent."""
        try:
            return cls(text)
        except ValueError:
            return cls.PENDING

    @property
    def rank(self) -> int:
        """How far along it is; a report of a lower rank never replaces a higher one."""
        return _RANK.get(self, 0)


_RANK = {
    Delivery.SENDING: 1,
    Delivery.ACCEPTED: 2,
    Delivery.SCHEDULED: 2,
    Delivery.QUEUED: 2,
    Delivery.IN_TRANSIT: 3,
    Delivery.SENT: 4,
    Delivery.DELIVERED: 5,
    Delivery.READ: 6,
    Delivery.UNDELIVERED: 6,
    Delivery.FAILED: 6,
}
FINAL = frozenset(
    {
        Delivery.DELIVERED,
        Delivery.READ,
        Delivery.UNDELIVERED,
        Delivery.FAILED,
        Delivery.SUPPRESSED,
        Delivery.EXPIRED,
    }
)
# Handed to the provider, whatever came of it after: what a campaign counts as sent.
HANDED_OVER = frozenset(
    {
        Delivery.ACCEPTED,
        Delivery.QUEUED,
        Delivery.IN_TRANSIT,
        Delivery.SENT,
        Delivery.DELIVERED,
        Delivery.READ,
        Delivery.UNDELIVERED,
    }
)
REACHED = frozenset({Delivery.DELIVERED, Delivery.READ})


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A message that will not be tried again: a person must reach them another way."""

    message_id: int
    client_id: int | None  # the client, or for an update to a referrer the referral's client
    kind: str
    priority: Priority
    to_referrer: bool = False
    opted_out: bool = False  # the provider refused it: the person has unsubscribed
