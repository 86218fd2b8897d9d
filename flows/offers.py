"""Free slots offered to a client by message, and reading their answer.

A client is offered up to three free slots ("Reply 1, 2 or 3, or CALL"); the slots are held
for them for a few hours (``BookingRules.hold``). A slot given up far enough ahead
(``BookingRules.freed_notice``) is offered to the waiting list: whoever answers first has it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.sendwindow import SendWindow

CALL = "CALL"
# An answer to an offer is read as one for this long after it was made; later, "2" is only
# a message for the queue.
ANSWERABLE_FOR = timedelta(days=7)


class OfferReason(enum.StrEnum):
    FIRST_SESSION = "first_session"
    REARRANGE = "rearrange"
    FREED = "freed"  # a freed slot, to the waiting list


class OfferStatus(enum.StrEnum):
    OFFERED = "offered"
    TAKEN = "taken"  # booked by the client's reply
    GONE = "gone"  # taken by someone else, or the client answered another way
    LAPSED = "lapsed"  # answered after its hold, and offered again


@dataclass(frozen=True, slots=True)
class BookingRules:
    """What a service that allows booking by reply has set (``BOOKING_BY_REPLY=on``)."""

    hold: timedelta  # OFFER_HOLD: how long offered slots are kept for the client
    freed_notice: timedelta  # WAITING_LIST_NOTICE: a slot freed this far ahead is re-offered
    reminder_offsets: tuple[timedelta, ...]
    window: SendWindow


@dataclass(frozen=True, slots=True)
class Offer:
    id: int
    client_id: int
    batch: int
    choice: int
    worker_id: int | None
    worker: str
    starts_at: datetime
    minutes: int
    location: str
    reason: OfferReason
    status: OfferStatus
    created_at: datetime
    expires_at: datetime
    freed_slot_id: int | None = None


@dataclass(frozen=True, slots=True)
class FreedSlot:
    id: int
    practice_id: int | None
    worker_id: int | None
    worker: str
    starts_at: datetime
    minutes: int
    location: str


_CHOICE = re.compile(
    r"^\s*(?:option\s*|number\s*|no\.\s*)?([1-9])\s*[.)!]*\s*"
    r"(?:please|pls|thanks|thank you)?\s*[.!]*\s*$",
    re.I,
)
_CALL = re.compile(
    r"^\s*(call|call me|ring|ring me|phone me|call please|please call)\s*[.!]*\s*$", re.I
)


def read_answer(text: str) -> int | str | None:
    """A choice (1 to 9), ``CALL``, or None when the message is not an answer to an offer."""
    found = _CHOICE.match(text)
    if found:
        return int(found[1])
    if _CALL.match(text):
        return CALL
    return None
