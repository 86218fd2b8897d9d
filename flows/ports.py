"""What the engine needs from storage, as a protocol; storage implements it on SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flows.appointments import Appointment, AppointmentStatus, NewAppointment
from flows.messages import Address, Button, Inbound, Priority
from flows.model import Case, CasePriority, Client
from flows.practices import PracticeInfo
from flows.referrals import Pathway, ReferralDetails, ReferralSource, ReferralStatus
from flows.signposting import Signpost


@dataclass(frozen=True, slots=True)
class OutgoingDraft:
    client_id: int | None  # None for an update to a professional referrer
    address: Address
    text: str
    kind: str
    priority: Priority
    not_before: datetime
    case_id: int | None = None
    sent_by: int | None = None  # the staff user who wrote it
    allowed_when_opted_out: bool = False
    written_at: datetime | None = None  # defaults to not_before
    expires_at: datetime | None = None  # past this it is no use: not sent
    referral_id: int | None = None
    buttons: tuple[Button, ...] = ()


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


@dataclass(frozen=True, slots=True)
class DueTimer:
    id: int
    client_id: int
    kind: str
    due_at: datetime
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    message: str | None  # the staff's own message, or None for the check-in conversation
    status: str  # scheduled, paused or cancelled


@dataclass(frozen=True, slots=True)
class NewCase:
    client_id: int
    practice_id: int | None
    reason: str
    priority: CasePriority
    created_at: datetime
    due_by: datetime


class Store(Protocol):
    """One unit of work: everything done through it commits together or not at all."""

    async def claim_provider_id(self, key: str, at: datetime) -> bool:
        """Record a provider's message id; False when it was seen before."""

    async def client_by_address(self, address: Address) -> Client | None: ...

    async def add_client(self, address: Address, phone: str | None, at: datetime) -> Client: ...

    async def client(self, client_id: int) -> Client | None: ...

    async def set_opted_out(self, client_id: int, opted_out: bool, at: datetime) -> None: ...

    async def set_flow(
        self, client_id: int, flow: str | None, state: dict[str, Any], at: datetime
    ) -> None: ...

    async def open_case_for(self, client_id: int) -> Case | None: ...

    async def add_case(self, case: NewCase) -> Case: ...

    async def escalate_case(
        self, case_id: int, priority: CasePriority, reason: str, due_by: datetime
    ) -> None: ...

    async def assign_case(self, case_id: int, user_id: int) -> None: ...

    async def close_case(
        self, case_id: int, outcome: str, onward: list[str], by: int, at: datetime
    ) -> None: ...

    async def add_inbound(self, client_id: int, inbound: Inbound, case_id: int | None) -> int: ...

    async def add_outgoing(self, draft: OutgoingDraft) -> int: ...

    async def practices(self) -> tuple[PracticeInfo, ...]: ...

    async def signposts(
        self, needs: tuple[str, ...], practice_id: int | None, limit: int
    ) -> list[Signpost]:
        """Active services in the directory meeting these needs, nearest the practice first."""

    async def add_appointment(self, new: NewAppointment) -> Appointment: ...

    async def set_appointment(
        self,
        appointment_id: int,
        status: AppointmentStatus,
        at: datetime,
        *,
        answered: bool = False,
        outcome: bool = False,
        asked_again: bool | None = None,
    ) -> None: ...

    async def set_address(self, client_id: int, address: Address) -> None:
        """Where replies go from now: the channel the person last used."""

    async def set_came_from(self, client_id: int, tag: str) -> None: ...

    async def set_phone(self, client_id: int, phone: str) -> None: ...

    async def merge_clients(self, from_id: int, into_id: int, address: Address) -> None:
        """Everything of ``from_id`` becomes ``into_id``'s, which is reached at ``address``."""

    async def set_client_details(
        self,
        client_id: int,
        name: str | None,
        date_of_birth: str | None,
        practice_id: int | None,
    ) -> None:
        """Fill in what is given; None leaves a detail as it was."""

    async def route_case(self, case_id: int, practice_id: int | None, reason: str | None) -> None:
        """Give a case its practice when it had none, and a new reason when one is given."""

    async def add_referral(self, referral: NewReferral) -> Referral: ...

    async def referral_by_reference(self, reference: str) -> Referral | None: ...

    async def referrals_for_case(self, case_id: int) -> list[Referral]:
        """Every referral that joined this case: two professionals may refer one person."""

    async def save_referral(
        self,
        referral_id: int,
        details: ReferralDetails,
        status: ReferralStatus,
        at: datetime,
    ) -> None: ...

    async def set_referral_status(self, referral_id: int, status: ReferralStatus) -> None: ...

    async def link_referral_case(self, referral_id: int, case_id: int) -> None: ...

    async def mark_referral(self, referral_id: int, event: str, at: datetime) -> None:
        """Record when the referral was picked up, first contacted or closed."""

    async def staff_name(self, user_id: int) -> str | None: ...

    async def invites_since(self, client_id: int, since: datetime) -> int:
        """Friends this client has suggested since then."""

    async def invitations_since(self, client_id: int, since: datetime) -> int:
        """Times this client has been invited by a friend since then."""

    async def set_timer(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str = ""
    ) -> None: ...

    async def cancel_timers(self, client_id: int, kinds: tuple[str, ...]) -> None: ...

    async def record_dropped_timer(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str
    ) -> None:
        """Keep a record of something that could not be done in time."""

    async def cancel_timers_about(self, kind: str, subject_prefix: str) -> None: ...

    async def mark_timer(self, timer_id: int, status: str) -> None: ...

    async def appointment(self, appointment_id: int) -> Appointment | None: ...

    async def reschedule_appointment(
        self, appointment_id: int, starts_at: datetime, duration_minutes: int, location: str
    ) -> Appointment:
        """A new time (and place): booked again, waiting for a fresh answer."""

    async def upcoming_appointment(
        self,
        client_id: int,
        now: datetime,
        statuses: tuple[AppointmentStatus, ...],
        unanswered: bool,
    ) -> Appointment | None:
        """The nearest appointment after ``now`` in one of ``statuses``."""

    async def last_attended(self, client_id: int) -> datetime | None:
        """When the client's latest attended session started."""

    async def follow_up_since(self, client_id: int, since: datetime) -> bool:
        """Whether a check-in (automatic or a campaign's) was written to them since then; a
        campaign's own message does not count."""

    async def add_follow_up(
        self, client_id: int, campaign_id: int | None, kind: str, message_id: int, at: datetime
    ) -> int: ...

    async def record_follow_up(
        self,
        follow_up_id: int,
        answer: str | None,
        words: str | None,
        case_id: int | None,
        ended: bool,
        at: datetime,
    ) -> None:
        """Record an answer (the first one counts), their words and the case it opened."""

    async def follow_up_nudged(self, follow_up_id: int, at: datetime) -> None: ...

    async def save_answers(
        self,
        client_id: int,
        follow_up_id: int,
        instrument: str,
        answers: tuple[int, ...],
        raw: int | None,
        metric: float | None,
        complete: bool,
        at: datetime,
    ) -> None:
        """Keep a questionnaire answered by message, so far or complete."""

    async def campaign(self, campaign_id: int) -> Campaign | None: ...
