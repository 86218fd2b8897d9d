"""What a flow step returns: replies, the next state, and effects for the engine to apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flows.messages import Inbound, Reply
from flows.model import CasePriority, Client
from flows.practices import PracticeInfo
from flows.referrals import ReferralDetails, ReferralSource
from flows.texts import ServiceInfo


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Open a case for the client (or use the open one) and put this message in it."""

    reason: str
    priority: CasePriority = CasePriority.NORMAL


@dataclass(frozen=True, slots=True)
class StartReferral:
    """The person agreed to a referral: record it (or take up the invitation with this
    reference) as incomplete until they confirm it."""

    reference: str
    source: ReferralSource


@dataclass(frozen=True, slots=True)
class SaveReferral:
    """Record what they have told us so far; ``submit`` sends it to the queue."""

    reference: str
    details: ReferralDetails
    submit: bool = False
    signpost: bool = False  # on submitting, offer services that may help while they wait


@dataclass(frozen=True, slots=True)
class InviteFriend:
    """Text a friend, on the referrer's word, asking whether they want to hear from us."""

    reference: str
    friend_name: str
    phone: str  # E.164
    relationship: str | None
    referrer_name: str


@dataclass(frozen=True, slots=True)
class CloseInvitation:
    """The friend said no, or never answered: nothing more is sent."""

    reference: str
    lapsed: bool = False


@dataclass(frozen=True, slots=True)
class MergeInto:
    """This chat is that client's: their conversation, cases and referrals become one."""

    client_id: int


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Do ``kind`` for this client at ``due_at``, unless set again or cancelled first."""

    kind: str
    due_at: datetime
    subject: str = ""


@dataclass(frozen=True, slots=True)
class CancelTimers:
    kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordFollowUp:
    """What the client said to a check-in; ``escalated`` ties it to the case now open."""

    follow_up_id: int
    answer: str | None = None  # better, same, worse, unclear, talk, replied
    words: str | None = None
    escalated: bool = False
    ended: bool = False  # nothing more is expected from this check-in


@dataclass(frozen=True, slots=True)
class SaveAnswers:
    """A questionnaire's answers so far; scored only when ``complete``."""

    follow_up_id: int
    instrument: str
    answers: tuple[int, ...]
    complete: bool = False
    raw: int | None = None
    metric: float | None = None


Effect = (
    OpenCase
    | StartReferral
    | SaveReferral
    | InviteFriend
    | CloseInvitation
    | SetTimer
    | CancelTimers
    | MergeInto
    | RecordFollowUp
    | SaveAnswers
)


@dataclass(frozen=True, slots=True)
class Step:
    replies: tuple[Reply, ...] = ()
    flow: str | None = None  # the flow to be in after this step; None leaves all flows
    state: Mapping[str, Any] = field(default_factory=dict)
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """What a step may know besides the message: all read before the step, no I/O in it."""

    service: ServiceInfo
    client: Client
    now: datetime
    practices: tuple[PracticeInfo, ...] = ()
    new_reference: str = ""  # a fresh, unused-looking reference, should the step need one
    recent_invites: int = 0  # friends this client suggested in the last week

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.service.timezone)).date()


class Flow(Protocol):
    name: str

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step: ...

    def interrupt(self, ctx: Context, state: Mapping[str, Any]) -> Step:
        """The person asked for a person mid-way: keep what they said, leave the flow."""
        ...
