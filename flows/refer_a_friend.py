"""Refer a friend: the referrer gives a first name, a mobile number and how they know them;
the friend is asked whether they want to hear from us, and only a yes goes further.

The referrer is told the friend is being texted, and never what the friend answers. The
friend's side is ``FriendInvite``: yes starts their own self-referral, no or silence ends it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import phonenumbers

from flows import answers, self_referral, texts
from flows.messages import Inbound, Reply
from flows.referrals import ReferralSource
from flows.self_referral import YES_NO
from flows.steps import CloseInvitation, Context, InviteFriend, OpenCase, Step

NAME = "refer_a_friend"
INVITE = "friend_invite"
MAX_INVITES_A_WEEK = 3  # a referrer cannot turn the service into a way to text strangers
INVITE_LAPSES_AFTER = timedelta(days=14)
ORDER = ("friend_name", "friend_phone", "relationship", "your_name", "confirm")


def start(ctx: Context) -> Step:
    if ctx.recent_invites >= MAX_INVITES_A_WEEK:
        return Step((Reply(texts.RF_TOO_MANY, "rf_too_many"),), None)
    return Step((Reply(texts.RF_START, "rf_start"),), NAME, {"step": "friend_name", "a": {}})


def national(phone: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(phone, "GB"), phonenumbers.PhoneNumberFormat.NATIONAL
    )


class ReferAFriend:
    name = NAME

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step:
        text = inbound.text.strip()
        current = state.get("step", "friend_name")
        a: dict[str, Any] = dict(state.get("a", {}))
        match answers.command(text):
            case answers.Command.RESTART:
                return start(ctx)
            case answers.Command.BACK:
                index = max(0, ORDER.index(current) - 1)
                if ORDER[index] == "your_name" and ctx.client.name:
                    index -= 1
                return self._ask(ctx, a, ORDER[index])
        match current:
            case "friend_name":
                name = answers.clean_name(text)
                if name is None:
                    return self._again(state, texts.RF_NAME_AGAIN)
                a["friend"] = answers.first_name(name)
            case "friend_phone":
                phone = answers.parse_mobile(text)
                if phone is None:
                    return self._again(state, texts.RF_PHONE_AGAIN)
                if phone == ctx.client.phone or phone == inbound.phone:
                    return self._again(state, texts.RF_PHONE_OWN)
                a["phone"] = phone
            case "relationship":
                if not text or answers.is_greeting(text):
                    return self._ask(ctx, a, current)
                a["relationship"] = text[:100]
            case "your_name":
                name = answers.clean_name(text)
                if name is None:
                    return self._ask(ctx, a, current)
                a["referrer"] = answers.first_name(name)
            case _:
                return self._confirm(ctx, a, text)
        nxt = ORDER[ORDER.index(current) + 1]
        if nxt == "your_name" and ctx.client.name:
            a["referrer"] = answers.first_name(ctx.client.name)
            nxt = "confirm"
        return self._ask(ctx, a, nxt)

    def _confirm(self, ctx: Context, a: dict[str, Any], text: str) -> Step:
        said = answers.yes_no(text)
        if said is None:
            return self._ask(ctx, a, "confirm")
        if said is False:
            return Step((Reply(texts.RF_CANCELLED, "rf_cancelled"),), None)
        if ctx.recent_invites >= MAX_INVITES_A_WEEK:
            return Step((Reply(texts.RF_TOO_MANY, "rf_too_many"),), None)
        invite = InviteFriend(
            ctx.new_reference, a["friend"], a["phone"], a.get("relationship"), a["referrer"]
        )
        done = texts.RF_DONE.format(referrer=a["referrer"], friend=a["friend"])
        return Step((Reply(done, "rf_done"),), None, {}, (invite,))

    def _again(self, state: Mapping[str, Any], text: str) -> Step:
        return Step((Reply(text, "rf_again"),), NAME, state)

    def _ask(self, ctx: Context, a: dict[str, Any], step: str) -> Step:
        friend = a.get("friend", "your friend")
        match step:
            case "friend_name":
                text = texts.RF_START
            case "friend_phone":
                text = texts.RF_PHONE.format(friend=friend)
            case "relationship":
                text = texts.RF_RELATIONSHIP.format(friend=friend)
            case "your_name":
                text = texts.RF_YOUR_NAME.format(friend=friend)
            case _:
                text = texts.RF_CONFIRM.format(
                    friend=friend, phone=national(a["phone"]), referrer=a.get("referrer", "")
                )
                return Step(
                    (Reply(text, "rf_confirm", buttons=YES_NO),), NAME, {"step": step, "a": a}
                )
        return Step((Reply(text, f"rf_{step}"),), NAME, {"step": step, "a": a})

    def interrupt(self, ctx: Context, state: Mapping[str, Any]) -> Step:
        return Step(flow=None)


def invitation(service: texts.ServiceInfo, invite: InviteFriend, at: datetime) -> Step:
    """The friend's first message from us, and the state that waits for their answer."""
    text = texts.FRIEND_INVITE.format(
        friend=invite.friend_name, referrer=invite.referrer_name, service=service.name
    )
    state = {"reference": invite.reference, "invited_at": at.isoformat(), "tries": 0}
    return Step((Reply(text, "friend_invite", buttons=YES_NO),), INVITE, state)


class FriendInvite:
    name = INVITE

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step:
        reference = state["reference"]
        invited_at = datetime.fromisoformat(state["invited_at"])
        if ctx.now - invited_at > INVITE_LAPSES_AFTER:
            # Long after the invitation: a fresh start, as for anyone new.
            from flows import welcome  # here, as welcome imports this module

            lapsed = welcome.start(ctx, inbound)
            return Step(
                lapsed.replies,
                lapsed.flow,
                lapsed.state,
                (CloseInvitation(reference, lapsed=True),),
            )
        said = answers.yes_no(inbound.text)
        if said is True:
            return self_referral.start(ctx, source=ReferralSource.FRIEND, reference=reference)
        if said is False:
            return Step(
                (Reply(texts.FRIEND_DECLINED, "friend_declined"),),
                None,
                {},
                (CloseInvitation(reference),),
            )
        if int(state.get("tries", 0)) == 0:
            again = texts.FRIEND_INVITE_AGAIN.format(service=ctx.service.name)
            return Step(
                (Reply(again, "friend_invite_again", buttons=YES_NO),),
                INVITE,
                {**state, "tries": 1},
            )
        return Step(
            replies=(Reply(texts.acknowledge(ctx.service), "acknowledge"),),
            effects=(OpenCase("message"),),
        )

    def interrupt(self, ctx: Context, state: Mapping[str, Any]) -> Step:
        return Step(flow=None)
