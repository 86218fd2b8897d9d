"""The friend's side of refer-a-friend: we text them once, on the referrer's word, and wait.

Yes starts their own self-referral; no, or no answer within ``INVITE_LAPSES_AFTER``, ends it
and nothing more is sent. A reply long after the invitation is a fresh start, as for anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from flows import answers, texts
from flows.conversations import self_referral, welcome
from flows.conversations.base import YES_NO, CloseInvitation, Context, InviteFriend, OpenCase, Step
from flows.messages import Inbound, Reply
from flows.referrals import ReferralSource

NAME = "friend_invite"
INVITE_LAPSES_AFTER = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class FriendInviteState:
    conversation: ClassVar[str] = NAME
    reference: str  # the referral the referrer's suggestion made
    invited_at: datetime
    tries: int = 0  # answers we could not read

    @property
    def referral(self) -> str:
        return self.reference

    def to_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "invited_at": self.invited_at.isoformat(),
            "tries": self.tries,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FriendInviteState:
        invited_at = datetime.fromisoformat(data["invited_at"])
        return cls(str(data["reference"]), invited_at, int(data.get("tries", 0)))


def invitation(service: texts.ServiceInfo, invite: InviteFriend, at: datetime) -> Step:
    """The friend's first message from us, and the state that waits for their answer."""
    text = texts.FRIEND_INVITE.format(
        friend=invite.friend_name, referrer=invite.referrer_name, service=service.name
    )
    state = FriendInviteState(invite.reference, at)
    return Step((Reply(text, "friend_invite", buttons=YES_NO),), state)


class FriendInvite:
    name = NAME

    def read(self, data: Mapping[str, Any]) -> FriendInviteState:
        return FriendInviteState.from_json(data)

    def step(self, ctx: Context, state: FriendInviteState, inbound: Inbound) -> Step:
        reference = state.reference
        if ctx.now - state.invited_at > INVITE_LAPSES_AFTER:
            # Long after the invitation: a fresh start, as for anyone new.
            lapsed = welcome.start(ctx, inbound)
            return replace(lapsed, effects=(CloseInvitation(reference, lapsed=True),))
        said = answers.yes_no(inbound.text)
        if said is True:
            return self_referral.start(ctx, source=ReferralSource.FRIEND, reference=reference)
        if said is False:
            declined = Reply(texts.FRIEND_DECLINED, "friend_declined")
            return Step((declined,), effects=(CloseInvitation(reference),))
        if state.tries == 0:
            again = texts.FRIEND_INVITE_AGAIN.format(service=ctx.service.name)
            return Step(
                (Reply(again, "friend_invite_again", buttons=YES_NO),), replace(state, tries=1)
            )
        return Step(
            replies=(Reply(texts.acknowledge(ctx.service), "acknowledge"),),
            effects=(OpenCase("message"),),
        )

    def interrupt(self, ctx: Context, state: FriendInviteState) -> Step:
        return Step()
