"""Referrals: where they come from, what they hold, and their references."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flows.contact import ContactMethod

__all__ = [
    "ContactMethod",
    "NewReferral",
    "Pathway",
    "Referral",
    "ReferralDetails",
    "ReferralSource",
    "ReferralStatus",
    "new_reference",
]

# No 0/O, 1/I/L, 2/Z, 5/S or 8/B: a reference is read out over the phone and typed back.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 6


class ReferralSource(enum.StrEnum):
    SELF = "self"
    FRIEND = "friend"
    PROFESSIONAL = "professional"


class Pathway(enum.StrEnum):
    """Where a professional referral came from, for the service's figures."""

    PRIMARY_CARE = "primary_care"
    SOCIAL_CARE = "social_care"
    HOSPITAL = "hospital"
    OTHER = "other"


class ReferralStatus(enum.StrEnum):
    INVITED = "invited"  # a friend was texted and has not said yes
    DECLINED = "declined"  # the friend said no
    LAPSED = "lapsed"  # the friend never answered
    INCOMPLETE = "incomplete"  # started, not yet confirmed
    SUBMITTED = "submitted"


@dataclass(frozen=True, slots=True)
class ReferralDetails:
    """What a person tells us about themselves in a referral."""

    name: str | None = None
    date_of_birth: date | None = None
    practice_id: int | None = None
    practice_text: str | None = None  # what they typed when no practice matched
    needs: tuple[str, ...] = ()
    needs_text: str | None = None
    notes: str | None = None
    contact_method: ContactMethod | None = None
    contact_times: str | None = None
    phone: str | None = None  # a number to call, when they asked for calls


def new_reference() -> str:
    """A short random reference such as ``LB-7KXQ3P``: not guessable, easy to read out."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"LB-{code}"


@dataclass(frozen=True, slots=True)
class NewReferral:
    reference: str
    client_id: int
    source: ReferralSource
    status: ReferralStatus
    created_at: datetime
    pathway: Pathway | None = None
    referred_by_client_id: int | None = None
    relationship: str | None = None
    referrer_name: str | None = None
    referrer_role: str | None = None
    referrer_organisation: str | None = None
    referrer_phone: str | None = None
    referrer_email: str | None = None
    # What a professional gave, kept on the referral: it never overwrites a client held.
    date_of_birth: date | None = None
    mismatch: str | None = None  # where it disagrees with the client held, for a person
    referrer_unreachable: bool = False  # no mobile, and no e-mail this service can send


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral as the engine needs it to keep a professional referrer informed."""

    id: int
    reference: str
    client_id: int
    source: ReferralSource
    status: ReferralStatus
    case_id: int | None
    practice_id: int | None
    referrer_phone: str | None
    referrer_email: str | None
    picked_up_at: datetime | None
    first_contact_at: datetime | None
    closed_at: datetime | None
    referrer_unreachable: bool = False  # then no update is queued for them
