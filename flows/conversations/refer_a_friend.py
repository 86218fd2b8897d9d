"""Refer a friend: the referrer gives a first name, a mobile number and how they know them;
the friend is asked whether they want to hear from us, and only a yes goes further.

The referrer is told the friend is being texted, and never what the friend answers. The
friend's side is ``friend_invite``: yes starts their own self-referral, no or silence ends it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from flows import answers, phones, texts
from flows.conversations.base import (
    YES_NO,
    Context,
    InviteFriend,
    Step,
    UnreadableState,
)
from flows.messages import Inbound, Reply

NAME = "refer_a_friend"
MAX_INVITES_A_WEEK = 3  # a referrer cannot turn the service into a way to text strangers


class Question(enum.StrEnum):
    FRIEND_NAME = "friend_name"
    FRIEND_PHONE = "friend_phone"
    RELATIONSHIP = "relationship"
    YOUR_NAME = "your_name"
    CONFIRM = "confirm"


ORDER = tuple(Question)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the referrer has told us so far: their friend, and their own first name."""

    friend: str | None = None  # the friend's first name
    phone: str | None = None  # the friend's mobile, E.164
    relationship: str | None = None  # how they know them, in their words
    referrer: str | None = None  # the referrer's first name

    def to_json(self) -> dict[str, Any]:
        given = {
            "friend": self.friend,
            "phone": self.phone,
            "relationship": self.relationship,
            "referrer": self.referrer,
        }
        return {key: value for key, value in given.items() if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Suggestion:
        return cls(
            data.get("friend"), data.get("phone"), data.get("relationship"), data.get("referrer")
        )

    def invitation(self, reference: str) -> InviteFriend:
        if self.friend is None or self.phone is None or self.referrer is None:
            raise UnreadableState("a suggestion to confirm lacks the friend or the referrer")
        return InviteFriend(reference, self.friend, self.phone, self.relationship, self.referrer)


@dataclass(frozen=True, slots=True)
class ReferAFriendState:
    conversation: ClassVar[str] = NAME
    referral: ClassVar[None] = None
    step: Question = Question.FRIEND_NAME  # the question waiting for an answer
    answers: Suggestion = Suggestion()

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step.value, "a": self.answers.to_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReferAFriendState:
        step = Question(data.get("step", Question.FRIEND_NAME))
        return cls(step, Suggestion.from_json(data.get("a", {})))


def start(ctx: Context) -> Step:
    if ctx.recent_invites >= MAX_INVITES_A_WEEK:
        return Step((Reply(texts.RF_TOO_MANY, "rf_too_many"),))
    return Step((Reply(texts.RF_START, "rf_start"),), ReferAFriendState())


class ReferAFriend:
    name = NAME

    def read(self, data: Mapping[str, Any]) -> ReferAFriendState:
        return ReferAFriendState.from_json(data)

    def step(self, ctx: Context, state: ReferAFriendState, inbound: Inbound) -> Step:
        text = inbound.text.strip()
        current, a = state.step, state.answers
        match answers.command(text):
            case answers.Command.RESTART:
                return start(ctx)
            case answers.Command.BACK:
                index = max(0, ORDER.index(current) - 1)
                if ORDER[index] is Question.YOUR_NAME and ctx.client.name:
                    index -= 1
                return _ask(a, ORDER[index])
        match current:
            case Question.FRIEND_NAME:
                name = answers.clean_name(text)
                if name is None:
                    return _again(state, texts.RF_NAME_AGAIN)
                a = replace(a, friend=answers.first_name(name))
            case Question.FRIEND_PHONE:
                phone = phones.uk_mobile(text)
                if phone is None:
                    return _again(state, texts.RF_PHONE_AGAIN)
                if phone == ctx.client.phone or phone == inbound.phone:
                    return _again(state, texts.RF_PHONE_OWN)
                a = replace(a, phone=phone)
            case Question.RELATIONSHIP:
                if not text or answers.is_greeting(text):
                    return _ask(a, current)
                a = replace(a, relationship=text[:100])
            case Question.YOUR_NAME:
                name = answers.clean_name(text)
                if name is None:
                    return _ask(a, current)
                a = replace(a, referrer=answers.first_name(name))
            case Question.CONFIRM:
                return _confirm(ctx, a, text)
        nxt = ORDER[ORDER.index(current) + 1]
        if nxt is Question.YOUR_NAME and ctx.client.name:
            a = replace(a, referrer=answers.first_name(ctx.client.name))
            nxt = Question.CONFIRM
        return _ask(a, nxt)

    def interrupt(self, ctx: Context, state: ReferAFriendState) -> Step:
        return Step()


def _confirm(ctx: Context, a: Suggestion, text: str) -> Step:
    said = answers.yes_no(text)
    if said is None:
        return _ask(a, Question.CONFIRM)
    if said is False:
        return Step((Reply(texts.RF_CANCELLED, "rf_cancelled"),))
    if ctx.recent_invites >= MAX_INVITES_A_WEEK:
        return Step((Reply(texts.RF_TOO_MANY, "rf_too_many"),))
    invite = a.invitation(ctx.new_reference)
    done = texts.RF_DONE.format(referrer=invite.referrer_name, friend=invite.friend_name)
    return Step((Reply(done, "rf_done"),), effects=(invite,))


def _again(state: ReferAFriendState, text: str) -> Step:
    return Step((Reply(text, "rf_again"),), state)


def _ask(a: Suggestion, step: Question) -> Step:
    friend = a.friend or "your friend"
    state = ReferAFriendState(step, a)
    match step:
        case Question.FRIEND_NAME:
            text = texts.RF_START
        case Question.FRIEND_PHONE:
            text = texts.RF_PHONE.format(friend=friend)
        case Question.RELATIONSHIP:
            text = texts.RF_RELATIONSHIP.format(friend=friend)
        case Question.YOUR_NAME:
            text = texts.RF_YOUR_NAME.format(friend=friend)
        case Question.CONFIRM:
            invite = a.invitation("")
            text = texts.RF_CONFIRM.format(
                friend=friend, phone=phones.national(invite.phone), referrer=invite.referrer_name
            )
            return Step((Reply(text, "rf_confirm", buttons=YES_NO),), state)
    return Step((Reply(text, f"rf_{step}"),), state)
