"""Linking a Telegram chat to a client we already know by SMS.

The person shares their own number with Telegram's contact button; if a client texts us from
it, we ask their date of birth and link only when it matches. Nothing about the SMS client is
shown before then, and the state holds only a keyed hash of the date to compare against.
Three wrong dates and it gives up, back in the conversation they were in before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from flows import texts
from flows.conversations.base import Context, MergeInto, State, Step
from flows.dates import parse_date_of_birth
from flows.messages import Inbound, Reply

NAME = "link_account"
MAX_TRIES = 3

# Reads the state of the conversation to go back to: (its name, its JSON) -> state or None.
ReadState = Callable[[str | None, Mapping[str, Any]], State | None]


def dob_check(client_id: int, date_of_birth: str) -> str:
    return hashlib.sha256(f"{client_id}:{date_of_birth}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class LinkAccountState:
    conversation: ClassVar[str] = NAME
    referral: ClassVar[None] = None
    target: int  # the SMS client this chat may be
    check: str  # dob_check of their date of birth
    tries: int = 0  # wrong dates so far
    resume: State | None = None  # the conversation they were in before, to go back to

    def to_json(self) -> dict[str, Any]:
        resume = self.resume
        return {
            "target": self.target,
            "check": self.check,
            "tries": self.tries,
            "resume_flow": resume.conversation if resume is not None else None,
            "resume_state": resume.to_json() if resume is not None else {},
        }


def start(ctx: Context, target_id: int, target_dob: str, resume: State | None) -> Step:
    state = LinkAccountState(target_id, dob_check(target_id, target_dob), resume=resume)
    return Step((Reply(texts.LINK_ASK_DOB, "link_ask_dob"),), state)


class LinkAccount:
    name = NAME

    def __init__(self, read_resumed: ReadState) -> None:
        self._read_resumed = read_resumed  # the registry's reader: any conversation's state

    def read(self, data: Mapping[str, Any]) -> LinkAccountState:
        resume = self._read_resumed(data.get("resume_flow"), data.get("resume_state") or {})
        return LinkAccountState(
            int(data["target"]), str(data["check"]), int(data.get("tries", 0)), resume
        )

    def step(self, ctx: Context, state: LinkAccountState, inbound: Inbound) -> Step:
        answer = parse_date_of_birth(inbound.text, ctx.today)
        given = answer.value.isoformat() if answer.value is not None else ""
        if given and dob_check(state.target, given) == state.check:
            linked = Reply(texts.LINK_DONE, "link_done")
            return Step((linked,), effects=(MergeInto(state.target),))
        tries = state.tries + 1
        if tries >= MAX_TRIES:
            return Step((Reply(texts.LINK_FAILED, "link_failed"),), state.resume)
        again = texts.LINK_DOB_WRONG if answer.value is not None else texts.SR_DOB_UNREADABLE
        return Step((Reply(again, "link_again"),), replace(state, tries=tries))

    def interrupt(self, ctx: Context, state: LinkAccountState) -> Step:
        return Step()
