"""Every conversation the engine can be in, by the name kept on the client."""

from __future__ import annotations

from flows import follow_up, welcome
from flows.link_account import LinkAccount
from flows.refer_a_friend import FriendInvite, ReferAFriend
from flows.self_referral import SelfReferral
from flows.steps import Flow

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        welcome.Welcome(),
        SelfReferral(),
        ReferAFriend(),
        FriendInvite(),
        LinkAccount(),
        follow_up.FollowUp(),
    )
}
