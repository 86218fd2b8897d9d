"""Refer a friend and the friend's invitation at step level: the referrer's questions, the
invitation's yes, no and silence, and the weekly limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from flows import texts
from flows.conversations import friend_invite, refer_a_friend, welcome
from flows.conversations.base import (
    CloseInvitation,
    InviteFriend,
    OpenCase,
    StartReferral,
)
from flows.conversations.friend_invite import FriendInviteState
from flows.conversations.self_referral import SelfReferralState
from flows.referrals import ReferralSource
from tests.support.talk import NUMBER, REFERENCE, SERVICE, Talk, context, heard, person

FRIEND = "+447700900456"
INVITE = InviteFriend(REFERENCE, "Jean", FRIEND, "she's my neighbour", "Bob")


def _welcomed(name: str | None = None) -> Talk:
    ctx = context(person(name=name))
    return Talk.begin(ctx, welcome.start(ctx, heard(ctx, "Hello")))


def test_the_referrer_is_asked_name_number_and_how_they_know_them_then_the_friend_is_texted() -> (
    None
):
    talk = _welcomed()
    assert "2 to help a friend" in talk.answer[0]
    talk.play(
        [
            ("2", ["happy for us to text them", "first name"]),
            ("jean", ["Jean's mobile number"]),
            ("her number is 07700 900456", ["How do you know Jean"]),
            ("she's my neighbour", ["your first name"]),
            ("Bob", ["text Jean on 07700 900456", "Bob suggested us", "YES or NO"]),
            ("yes", ["Thank you, Bob", "texting Jean"]),
        ]
    )
    assert talk.over and talk.effects == (INVITE,)


def test_a_referrer_we_know_is_not_asked_their_name() -> None:
    talk = _welcomed(name="Bob Smith")
    talk.play(
        [
            ("2", ["first name"]),
            ("Jean", []),
            ("07700 900456", []),
            ("friend", ["text Jean on 07700 900456", "Bob suggested us"]),
            ("back", ["How do you know Jean"]),  # their own name is skipped going back too
        ]
    )


def test_own_number_and_landlines_are_refused() -> None:
    talk = _welcomed()
    talk.play(
        [
            ("2", []),
            ("Jean", ["mobile number"]),
            ("07700 900123", ["your own number"]),
            ("01942 123456", ["doesn't look like a UK mobile"]),
            ("not sure", ["doesn't look like a UK mobile"]),
            ("+44 7700 900456", ["How do you know Jean"]),
        ]
    )


def test_the_number_a_chat_message_came_from_is_their_own_too() -> None:
    """A client record may have no number yet while the message itself carries one."""
    ctx = context(person(phone=None))
    talk = Talk.begin(ctx, refer_a_friend.start(ctx))
    talk.play([("Jean", [])])
    assert isinstance(talk.state, refer_a_friend.ReferAFriendState)
    inbound = replace(heard(ctx, "07700 900123"), phone=NUMBER)
    step = refer_a_friend.ReferAFriend().step(ctx, talk.state, inbound)
    assert [r.text for r in step.replies] == [texts.RF_PHONE_OWN]


def test_back_start_again_and_no_at_the_end() -> None:
    talk = _welcomed()
    talk.play(
        [
            ("2", []),
            ("Jean", ["Jean's mobile"]),
            ("back", ["first name"]),
            ("Joan", ["Joan's mobile"]),
            ("start again", ["first name"]),
            ("Jean", []),
            ("07700 900456", []),
            ("friend", []),
            ("Bob", ["YES or NO"]),
            ("maybe", ["YES or NO"]),
            ("no", [texts.RF_CANCELLED]),
        ]
    )
    assert talk.over and talk.effects == ()


@pytest.mark.parametrize("said", ["", "hello"])
def test_no_answer_to_how_they_know_them_is_asked_again(said: str) -> None:
    talk = _welcomed()
    talk.play([("2", []), ("Jean", []), ("07700 900456", [])])
    talk.play([(said, ["How do you know Jean"])])


def test_three_invitations_a_week_at_most() -> None:
    """A referrer cannot use the service to text strangers in bulk."""
    ctx = context(recent_invites=3)
    talk = Talk.begin(ctx, welcome.start(ctx, heard(ctx, "Hello")))
    talk.say("2")
    assert talk.answer == [texts.RF_TOO_MANY] and talk.over
    # The limit is checked again when they confirm: others may have gone meanwhile.
    ctx = context(recent_invites=2)
    talk = Talk.begin(ctx, refer_a_friend.start(ctx))
    talk.play([("Jean", []), ("07700 900456", []), ("friend", []), ("Bob", [])])
    talk.ctx = replace(ctx, recent_invites=3)
    talk.say("yes")
    assert talk.answer == [texts.RF_TOO_MANY] and talk.effects == ()


def _invited(gap: timedelta = timedelta(0)) -> Talk:
    ctx = context(person(phone=FRIEND))
    talk = Talk.begin(ctx, friend_invite.invitation(SERVICE, INVITE, ctx.now))
    talk.later(gap)
    return talk


def test_the_invitation_says_who_suggested_us_and_asks_yes_or_no() -> None:
    [invite] = _invited().answer
    assert "Hi Jean, Bob thought you might like to hear from the" in invite
    assert "YES or NO" in invite


def test_a_friend_who_says_yes_makes_their_own_referral() -> None:
    talk = _invited()
    talk.play(
        [
            ("Yes please", ["YES or NO", "only our link workers"]),
            ("yes", ["name"]),
        ]
    )
    assert talk.effects == (StartReferral(REFERENCE, ReferralSource.FRIEND),)
    talk.play(
        [
            ("Jean Brown", []),
            ("3/4/1950", []),
            ("not sure", []),
            ("money", ["anything else"]),
            ("no", []),
            ("1", ["Please check"]),
            ("yes", [f"reference {REFERENCE}"]),
        ]
    )


def test_a_friend_who_says_no_hears_nothing_more() -> None:
    talk = _invited()
    talk.say("no thanks")
    assert talk.answer == [texts.FRIEND_DECLINED] and talk.over
    assert talk.effects == (CloseInvitation(REFERENCE),)


def test_an_unclear_answer_is_asked_once_then_goes_to_a_person() -> None:
    talk = _invited()
    talk.play([("who is this", ["YES or NO"])])
    assert isinstance(talk.state, FriendInviteState) and talk.state.tries == 1
    talk.say("who are you")
    assert talk.answer == [texts.acknowledge(SERVICE)] and talk.over
    assert talk.effects == (OpenCase("message"),)


def test_a_late_reply_starts_afresh_and_the_invitation_lapses() -> None:
    talk = _invited(timedelta(days=15))
    talk.say("yes")
    assert talk.answer == [texts.welcome(SERVICE)]
    assert talk.effects == (CloseInvitation(REFERENCE, lapsed=True),)
    assert talk.state is not None and talk.state.conversation == welcome.NAME


def test_within_two_weeks_the_invitation_still_stands() -> None:
    talk = _invited(timedelta(days=13))
    talk.say("yes")
    assert isinstance(talk.state, SelfReferralState) and talk.state.reference == REFERENCE


def test_the_invitation_is_the_referral_the_engine_links_to_a_case() -> None:
    """Asking for a person keeps the invitation with the case they get."""
    talk = _invited()
    assert talk.state is not None and talk.state.referral == REFERENCE
    talk.interrupt()
    assert talk.over and talk.effects == ()
