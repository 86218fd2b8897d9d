"""What the engine needs from storage: one small protocol per aggregate, all on one unit of work.

Storage implements them on SQL (``storage.unit.SqlUnit``); everything done through one unit
commits together or not at all. The values they take and give live beside the subject they
belong to (``flows.model``, ``flows.messages``, ``flows.referrals``, ...).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from flows.appointments import Appointment, AppointmentStatus, NewAppointment
from flows.availability import Busy, Pattern, Slot
from flows.calendar import WorkingDays
from flows.messages import Address, Inbound, OutgoingDraft
from flows.model import Campaign, Case, CasePriority, Client, NewCase
from flows.offers import FreedSlot, Offer, OfferReason, OfferStatus
from flows.practices import PracticeInfo
from flows.referrals import (
    NewReferral,
    Referral,
    ReferralDetails,
    ReferralStatus,
)
from flows.signposting import Signpost


class Clients(Protocol):
    async def by_address(self, address: Address) -> Client | None:
        """The client who writes from this address, locked until the unit ends."""

    async def add(self, address: Address, phone: str | None, at: datetime) -> Client: ...

    async def get(self, client_id: int) -> Client | None:
        """The client, locked until the unit ends."""

    async def set_opted_out(self, client_id: int, opted_out: bool, at: datetime) -> None: ...

    async def set_conversation(
        self, client_id: int, flow: str | None, state: dict[str, Any], at: datetime
    ) -> None: ...

    async def set_address(self, client_id: int, address: Address) -> None:
        """Where replies go from now: the channel the person last used."""

    async def set_came_from(self, client_id: int, tag: str) -> None: ...

    async def set_phone(self, client_id: int, phone: str) -> None: ...

    async def fill_details(
        self, client_id: int, name: str | None, date_of_birth: str | None, practice_id: int | None
    ) -> None:
        """Fill in what is given; None leaves a detail as it was."""

    async def merge(self, from_id: int, into_id: int, address: Address) -> None:
        """Everything of ``from_id`` becomes ``into_id``'s, which is reached at ``address``."""


class Cases(Protocol):
    async def open_for(self, client_id: int) -> Case | None: ...

    async def add(self, case: NewCase) -> Case: ...

    async def retake(
        self, case_id: int, reason: str, priority: CasePriority, due_by: datetime, at: datetime
    ) -> None:
        """The case now stands for ``reason`` at ``priority``, due by ``due_by``; its history
        records the change at ``at``."""

    async def note_request(
        self, case_id: int, reason: str, priority: CasePriority, at: datetime
    ) -> None:
        """Record in the case's history a request it did not take: it stays as it is."""

    async def assign(self, case_id: int, user_id: int) -> None: ...

    async def route(self, case_id: int, practice_id: int | None) -> None:
        """Give a case its practice when it had none."""

    async def close(
        self, case_id: int, outcome: str, onward: list[str], by: int, at: datetime
    ) -> None: ...

    async def overdue_unclaimed(self, now: datetime) -> list[int]:
        """Open urgent cases nobody has taken, past their due time, whose duty contact has not
        been told: their ids, the longest overdue first."""

    async def mark_duty_alerted(self, case_id: int, at: datetime) -> bool:
        """Record that the duty contact is told about the case now; False when it no longer
        needs telling (taken, closed, or told already), so nothing is to be sent."""


class Messages(Protocol):
    async def claim_provider_id(self, key: str, at: datetime) -> bool:
        """Record a provider's message id; False when it was seen before."""

    async def add_inbound(self, client_id: int, inbound: Inbound, case_id: int | None) -> int: ...

    async def add_outgoing(self, draft: OutgoingDraft) -> int: ...


class Referrals(Protocol):
    async def add(self, referral: NewReferral) -> Referral: ...

    async def by_reference(self, reference: str) -> Referral | None: ...

    async def for_case(self, case_id: int) -> list[Referral]:
        """Every referral that joined this case: two professionals may refer one person."""

    async def save(
        self, referral_id: int, details: ReferralDetails, status: ReferralStatus, at: datetime
    ) -> None: ...

    async def set_status(self, referral_id: int, status: ReferralStatus) -> None: ...

    async def link_case(self, referral_id: int, case_id: int) -> None: ...

    async def mark(self, referral_id: int, event: str, at: datetime) -> None:
        """Record when the referral was picked up, first contacted or closed."""

    async def invites_since(self, client_id: int, since: datetime) -> int:
        """Friends this client has suggested since then."""

    async def invitations_since(self, client_id: int, since: datetime) -> int:
        """Times this client has been invited by a friend since then."""


class Appointments(Protocol):
    async def add(self, new: NewAppointment) -> Appointment: ...

    async def get(self, appointment_id: int) -> Appointment | None: ...

    async def set_status(
        self,
        appointment_id: int,
        status: AppointmentStatus,
        at: datetime,
        *,
        answered: bool = False,
        outcome: bool = False,
        asked_again: bool | None = None,
    ) -> None: ...

    async def reschedule(
        self, appointment_id: int, starts_at: datetime, duration_minutes: int, location: str
    ) -> Appointment:
        """A new time (and place): booked again, waiting for a fresh answer."""

    async def upcoming(
        self,
        client_id: int,
        now: datetime,
        statuses: tuple[AppointmentStatus, ...],
        unanswered: bool,
    ) -> Appointment | None:
        """The nearest appointment after ``now`` in one of ``statuses``."""

    async def last_attended(self, client_id: int) -> datetime | None:
        """When the client's latest attended session started."""


class Timers(Protocol):
    async def set(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str = ""
    ) -> None:
        """Set the client's pending timer of this kind and subject, or move it."""

    async def cancel(self, client_id: int, kinds: tuple[str, ...]) -> None: ...

    async def cancel_all(self, client_id: int) -> None:
        """Every pending timer of the client's."""

    async def cancel_about(self, kind: str, subject_prefix: str) -> None: ...

    async def record_dropped(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str
    ) -> None:
        """Keep a record of something that could not be done in time."""

    async def mark(self, timer_id: int, status: str) -> None: ...


class FollowUps(Protocol):
    async def since(self, client_id: int, since: datetime) -> bool:
        """Whether a check-in (automatic or a campaign's) was written to them since then; a
        campaign's own message does not count."""

    async def add(
        self, client_id: int, campaign_id: int | None, kind: str, message_id: int, at: datetime
    ) -> int: ...

    async def record(
        self,
        follow_up_id: int,
        answer: str | None,
        words: str | None,
        case_id: int | None,
        ended: bool,
        at: datetime,
    ) -> None:
        """Record an answer (the first one counts), their words and the case it opened."""

    async def nudged(self, follow_up_id: int, at: datetime) -> None: ...

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


class Practices(Protocol):
    async def all(self) -> tuple[PracticeInfo, ...]: ...


class Staff(Protocol):
    async def name(self, user_id: int) -> str | None: ...


class Availability(Protocol):
    async def workers_for(self, practice_id: int | None) -> dict[int, str]:
        """Link workers with availability who work for the practice: id to name."""

    async def patterns(self, workers: dict[int, str]) -> list[Pattern]: ...

    async def busy(
        self,
        worker_ids: Collection[int],
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        for_client: int | None = None,
    ) -> list[Busy]:
        """Sessions holding their slot, leave, and slots held for other clients."""

    async def lock_worker(self, worker_id: int) -> None:
        """Bookings with one worker are decided one at a time (after the client's lock)."""


class Offers(Protocol):
    async def add(
        self,
        client_id: int,
        slots: Sequence[Slot],
        reason: OfferReason,
        now: datetime,
        expires_at: datetime,
        freed_slot_id: int | None = None,
    ) -> list[Offer]:
        """One batch of choices 1, 2, 3...; the client's earlier live batch is gone."""

    async def latest(self, client_id: int, since: datetime) -> list[Offer]: ...

    async def settle(
        self, batch: int, status: OfferStatus, now: datetime, taken: tuple[int, int] | None = None
    ) -> None: ...

    async def others_for(self, freed_slot_id: int, client_id: int, now: datetime) -> list[int]:
        """The other clients a freed slot was offered to (their offers end as gone)."""


class WaitingList(Protocol):
    async def add(self, client_id: int, by: int | None, now: datetime) -> bool: ...

    async def end(self, client_id: int, why: str, now: datetime) -> bool: ...

    async def waiting(self, client_id: int) -> bool: ...

    async def next_for(self, freed: FreedSlot, now: datetime, limit: int) -> list[int]: ...

    async def free(
        self, appointment: Appointment, practice_id: int | None, now: datetime
    ) -> FreedSlot | None: ...

    async def offered(self, freed_slot_id: int, now: datetime) -> None: ...

    async def take(self, freed_slot_id: int, client_id: int) -> bool:
        """Whether this client is the first to take the freed slot."""


class Directory(Protocol):
    async def signposts(
        self, needs: tuple[str, ...], practice_id: int | None, limit: int
    ) -> list[Signpost]:
        """Active services in the directory meeting these needs, nearest the practice first."""


class Unit(Protocol):
    """One unit of work: everything done through it commits together or not at all."""

    @property
    def clients(self) -> Clients: ...

    @property
    def cases(self) -> Cases: ...

    @property
    def messages(self) -> Messages: ...

    @property
    def referrals(self) -> Referrals: ...

    @property
    def appointments(self) -> Appointments: ...

    @property
    def timers(self) -> Timers: ...

    @property
    def follow_ups(self) -> FollowUps: ...

    @property
    def practices(self) -> Practices: ...

    @property
    def staff(self) -> Staff: ...

    @property
    def directory(self) -> Directory: ...

    @property
    def availability(self) -> Availability: ...

    @property
    def offers(self) -> Offers: ...

    @property
    def waiting_list(self) -> WaitingList: ...

    @property
    def calendar(self) -> WorkingDays:
        """The service's working days, which the queue's answer-by times count in."""
