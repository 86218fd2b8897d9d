"""The follow-up check-in: the conversation (``conversation``), its state (``state``) and how
its answers are read (``words``)."""

from flows.conversations.check_in.conversation import (
    BUTTONS,
    END,
    END_AFTER_NUDGE,
    MESSAGE_REPLIES_FOR,
    NUDGE,
    NUDGE_AFTER,
    CheckIn,
)
from flows.conversations.check_in.state import NAME, CheckInState
from flows.conversations.check_in.words import how_are_things

__all__ = [
    "BUTTONS",
    "END",
    "END_AFTER_NUDGE",
    "MESSAGE_REPLIES_FOR",
    "NAME",
    "NUDGE",
    "NUDGE_AFTER",
    "CheckIn",
    "CheckInState",
    "how_are_things",
]
