"""Conversation states as the client row keeps them: rows written by earlier versions read back
and write out unchanged, a damaged row fails loudly without saying what it held, and each state
answers the engine's questions about it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from flows.conversations import registry
from flows.conversations.base import UnreadableState
from flows.conversations.check_in import CheckInState
from flows.conversations.friend_invite import FriendInviteState
from flows.conversations.link_account import LinkAccountState
from flows.conversations.self_referral import SelfReferralState
from tests.support.talk import person

AT = "2026-11-24T10:00:00+00:00"
TOLD = {
    "name": "Ann Lee",
    "dob": "1952-03-14",
    "practice_id": None,
    "practice_text": "not sure",
    "choices": [2, 3],
    "needs": ["money"],
    "needs_text": "money",
    "notes": None,
    "contact_method": "call",
    "contact_times": "mornings",
    "phone": "+447700900123",
}
CONSENT = {
    "step": "consent",
    "source": "friend",
    "reference": "LB-ACDEFG",
    "a": {},
    "tries": 0,
    "at": AT,
}
ROWS: list[tuple[str, dict[str, Any]]] = [
    ("welcome", {"first": "Hello", "tries": 1}),
    ("self_referral", {**CONSENT, "source": "self", "reference": None}),
    ("self_referral", {**CONSENT, "a": {"needs": ["loneliness"], "needs_text": "lonely"}}),
    ("self_referral", {**CONSENT, "step": "confirm", "a": TOLD, "editing": False}),
    (
        "self_referral",
        {
            **CONSENT,
            "step": "needs",
            "a": {"name": "Ann Lee", "dob": "1952-03-14", "practice_id": 4},
            "tries": 2,
            "returning": True,
            "editing": True,
        },
    ),
    ("refer_a_friend", {"step": "friend_name", "a": {}}),
    (
        "refer_a_friend",
        {"step": "confirm", "a": {"friend": "Jean", "phone": "+447700900456", "referrer": "Bob"}},
    ),
    ("friend_invite", {"reference": "LB-ACDEFG", "invited_at": AT, "tries": 1}),
    (
        "link_account",
        {"target": 42, "check": "ab12", "tries": 1, "resume_flow": None, "resume_state": {}},
    ),
    (
        "link_account",
        {
            "target": 42,
            "check": "ab12",
            "tries": 0,
            "resume_flow": "friend_invite",
            "resume_state": {"reference": "LB-ACDEFG", "invited_at": AT, "tries": 0},
        },
    ),
    ("follow_up", {"id": 7, "mode": "message"}),
    ("follow_up", {"id": 7, "mode": "check_in", "step": "words", "answer": "worse"}),
    (
        "follow_up",
        {
            "id": 7,
            "mode": "check_in",
            "step": "item",
            "answer": "better",
            "asked_again": True,
            "offer_asked_again": True,
            "answers": [3, 4],
        },
    ),
]


@pytest.mark.parametrize(("conversation", "row"), ROWS)
def test_a_saved_state_reads_back_and_is_written_as_it_was(
    conversation: str, row: dict[str, Any]
) -> None:
    state = registry.read(conversation, row)
    assert state is not None and state.conversation == conversation
    assert state.to_json() == row


def test_outside_any_conversation_there_is_no_state() -> None:
    assert registry.read(None, {}) is None
    assert registry.read("a conversation since retired", {"step": "x"}) is None
    assert registry.current(person()) is None


@pytest.mark.parametrize(
    ("conversation", "row", "fault"),
    [
        ("follow_up", {"mode": "check_in", "step": "how"}, "no 'id'"),
        ("follow_up", {"id": 7, "mode": "check_in", "step": "later"}, "ValueError"),
        ("self_referral", {"step": "favourite colour"}, "ValueError"),
        ("self_referral", {"step": "dob", "a": {"dob": "14/03/1952"}}, "ValueError"),
        ("friend_invite", {"reference": "LB-ACDEFG"}, "no 'invited_at'"),
        ("link_account", {"check": "ab12"}, "no 'target'"),
        ("welcome", {"first": "Hello", "tries": "several"}, "ValueError"),
    ],
)
def test_a_damaged_state_cannot_be_read_and_the_error_shows_no_value(
    conversation: str, row: dict[str, Any], fault: str
) -> None:
    with pytest.raises(UnreadableState) as caught:
        registry.read(conversation, row)
    assert str(caught.value).endswith(fault)
    assert "1952" not in str(caught.value) and "favourite" not in str(caught.value)


def test_only_the_conversation_asked_about_is_read() -> None:
    """A damaged self-referral does not stop the engine asking whether a check-in waits."""
    damaged = replace(person(), flow="self_referral", flow_state={"step": "?"})
    assert registry.state_of(damaged, CheckInState) is None
    with pytest.raises(UnreadableState):
        registry.state_of(damaged, SelfReferralState)


def test_what_the_engine_asks_of_each_state() -> None:
    referral = SelfReferralState.from_json(
        {**CONSENT, "step": "call_number", "a": {**TOLD, "practice_id": 2}}
    )
    assert referral.referral == "LB-ACDEFG" and referral.practice_id == 2
    assert referral.asks_how_to_contact and referral.asks_number_to_call
    assert referral.answers.dob == date(1952, 3, 14)
    invite = registry.read("friend_invite", ROWS[7][1])
    assert isinstance(invite, FriendInviteState) and invite.referral == "LB-ACDEFG"
    check_in = CheckInState.asking(9)
    assert check_in.follow_up_id == 9 and check_in.awaits_first_answer
    linking = registry.read(*ROWS[9])
    assert isinstance(linking, LinkAccountState) and linking.referral is None
    assert isinstance(linking.resume, FriendInviteState)
