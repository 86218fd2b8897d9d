"""Self-referral: the conversation (``conversation``), its state (``state``), how each answer
is read (``readers``) and what is asked, with the read-back (``questions``)."""

from flows.conversations.self_referral.conversation import (
    INCOMPLETE,
    INCOMPLETE_AFTER_NUDGE,
    NUDGE,
    NUDGE_AFTER,
    TIMERS,
    SelfReferral,
    start,
)
from flows.conversations.self_referral.questions import NEEDS_MENU, summary
from flows.conversations.self_referral.state import NAME, Answers, Question, SelfReferralState

__all__ = [
    "INCOMPLETE",
    "INCOMPLETE_AFTER_NUDGE",
    "NAME",
    "NEEDS_MENU",
    "NUDGE",
    "NUDGE_AFTER",
    "TIMERS",
    "Answers",
    "Question",
    "SelfReferral",
    "SelfReferralState",
    "start",
    "summary",
]
