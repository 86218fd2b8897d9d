"""Linking a Telegram chat to a client we already know by SMS.

The person shares their own number with Telegram's contact button; if a client texts us from
it, we ask their date of birth and link only when it matches. Nothing about the SMS client is
shown before then, and the state holds only a keyed hash of the date to compare against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from flows import texts
from flows.dates import parse_date_of_birth
from flows.messages import Inbound, Reply
from flows.steps import Context, MergeInto, Step

NAME = "link_account"
MAX_TRIES = 3


def dob_check(client_id: int, date_of_birth: str) -> str:
    return hashlib.sha256(f"{client_id}:{date_of_birth}".encode()).hexdigest()


def start(ctx: Context, target_id: int, target_dob: str) -> Step:
    state = {
        "target": target_id,
        "check": dob_check(target_id, target_dob),
        "tries": 0,
        "resume_flow": ctx.client.flow,
        "resume_state": dict(ctx.client.flow_state),
    }
    return Step((Reply(texts.LINK_ASK_DOB, "link_ask_dob"),), NAME, state)


def _back_to(state: Mapping[str, Any], reply: Reply) -> Step:
    return Step((reply,), state.get("resume_flow"), state.get("resume_state") or {})


class LinkAccount:
    name = NAME

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step:
        answer = parse_date_of_birth(inbound.text, ctx.today)
        target = int(state["target"])
        given = answer.value.isoformat() if answer.value is not None else ""
        if given and dob_check(target, given) == state["check"]:
            return Step((Reply(texts.LINK_DONE, "link_done"),), None, {}, (MergeInto(target),))
        tries = int(state.get("tries", 0)) + 1
        if tries >= MAX_TRIES:
            return _back_to(state, Reply(texts.LINK_FAILED, "link_failed"))
        again = texts.LINK_DOB_WRONG if answer.value is not None else texts.SR_DOB_UNREADABLE
        return Step((Reply(again, "link_again"),), NAME, {**state, "tries": tries})

    def interrupt(self, ctx: Context, state: Mapping[str, Any]) -> Step:
        return Step(flow=None)
