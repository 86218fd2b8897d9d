"""Every conversation a client can be in, by the name kept on the client row, and reading a
client's saved state back into its conversation's typed state.

States are read only when asked for, so a damaged row fails the message or timer that needs
it (and only that one), while STOP, crisis wording and everything else still work."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flows.conversations import welcome
from flows.conversations.base import Context, Conversation, State, Step, reading
from flows.conversations.check_in import CheckIn
from flows.conversations.friend_invite import FriendInvite
from flows.conversations.link_account import LinkAccount
from flows.conversations.refer_a_friend import ReferAFriend
from flows.conversations.self_referral import SelfReferral
from flows.messages import Inbound
from flows.model import Client

T = TypeVar("T", bound=State)


def read(conversation: str | None, data: Mapping[str, Any]) -> State | None:
    """The typed state saved under that conversation's name; None outside any we know.

    Raises ``UnreadableState`` when the row cannot be read as that conversation's state."""
    known = CONVERSATIONS.get(conversation or "")
    if known is None:
        return None
    with reading(known.name):
        state: State = known.read(data)
    return state


CONVERSATIONS: dict[str, Conversation[Any]] = {
    conversation.name: conversation
    for conversation in (
        welcome.Welcome(),
        SelfReferral(),
        ReferAFriend(),
        FriendInvite(),
        LinkAccount(read_resumed=read),
        CheckIn(),
    )
}


@dataclass(frozen=True, slots=True)
class Current:
    """The conversation a client is in, with its state read from their row."""

    conversation: Conversation[Any]
    state: State

    def step(self, ctx: Context, inbound: Inbound) -> Step:
        return self.conversation.step(ctx, self.state, inbound)

    def interrupt(self, ctx: Context) -> Step:
        return self.conversation.interrupt(ctx, self.state)


def current(client: Client) -> Current | None:
    """The client's conversation and its state; None when they are in none we know."""
    state = read(client.flow, client.flow_state)
    return None if state is None else Current(CONVERSATIONS[state.conversation], state)


def state_of(client: Client, kind: type[T]) -> T | None:
    """The client's state when they are in the conversation whose state is ``kind``; other
    conversations' states are not read."""
    if client.flow != kind.conversation:
        return None
    state = read(client.flow, client.flow_state)
    assert isinstance(state, kind)
    return state
