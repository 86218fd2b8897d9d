"""What every conversation shares: the context a step reads, the ``Step`` it returns (replies,
the next state, effects for the engine to apply), and the protocols of a conversation and its
state.

A state is a frozen dataclass. ``to_json`` writes it as the JSON kept on the client row and the
conversation's ``read`` reads it back, so the row's shape is the contract: rows written before
a change must still read after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, ClassVar, Protocol, TypeVar
from zoneinfo import ZoneInfo

from flows.messages import Button, Inbound, Reply
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


class State(Protocol):
    """Where a person is in one conversation, and what they have said so far."""

    conversation: ClassVar[str]  # the conversation's name, kept on the client row

    @property
    def referral(self) -> str | None:
        """The reference of the referral this conversation is about, if any."""
        ...

    def to_json(self) -> dict[str, Any]:
        """The state as the JSON kept on the client row."""
        ...


class UnreadableState(ValueError):
    """A client row holds a state its conversation cannot read (damaged, or never ours)."""


@contextlib.contextmanager
def reading(conversation: str) -> Iterator[None]:
    """A key missing from a saved state, or a value of the wrong kind, as ``UnreadableState``.

    The error names the key or the kind of fault, never a value: states hold personal data."""
    try:
        yield
    except UnreadableState:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        fault = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) else type(exc).__name__
        raise UnreadableState(f"a saved {conversation} state cannot be read: {fault}") from None


@dataclass(frozen=True, slots=True)
class Step:
    replies: tuple[Reply, ...] = ()
    next: State | None = None  # the conversation to be in after this step; None leaves them all
    effects: tuple[Effect, ...] = ()

    def led_by(self, *lead: Reply) -> Step:
        """The same step with these replies first."""
        return replace(self, replies=lead + self.replies)


def saved(state: State | None) -> tuple[str | None, dict[str, Any]]:
    """What the client row keeps for a state: the conversation's name and its JSON."""
    return (None, {}) if state is None else (state.conversation, state.to_json())


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


S = TypeVar("S")


class Conversation(Protocol[S]):
    """One conversation: reads its state from the row, and steps it, purely."""

    name: str

    def read(self, data: Mapping[str, Any]) -> S:
        """The state kept on the row (``registry.read`` reports a missing key or a value of
        the wrong kind as ``UnreadableState``)."""
        ...

    def step(self, ctx: Context, state: S, inbound: Inbound) -> Step: ...

    def interrupt(self, ctx: Context, state: S) -> Step:
        """The person asked for a person mid-way: keep what they said, leave the conversation."""
        ...


# Buttons more than one conversation offers.
YES_NO = (Button("Yes", "yes"), Button("No", "no"))
