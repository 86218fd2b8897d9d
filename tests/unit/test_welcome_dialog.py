"""The welcome at step level: 1 for themselves, 2 for a friend, needs told in words, a message
about someone else, and what happens when we cannot tell."""

from __future__ import annotations

import pytest

from flows import texts
from flows.conversations import welcome
from flows.conversations.base import OpenCase
from flows.conversations.refer_a_friend import ReferAFriendState
from flows.conversations.self_referral import SelfReferralState
from flows.conversations.welcome import WelcomeState
from tests.support.talk import SERVICE, Talk, context, heard, person


def _welcomed(first: str = "Hello") -> Talk:
    ctx = context()
    return Talk.begin(ctx, welcome.start(ctx, heard(ctx, first)))


def test_a_new_number_is_told_what_the_service_is_with_two_choices() -> None:
    talk = _welcomed()
    assert talk.answer == [texts.welcome(SERVICE)]
    [reply] = talk.last.replies
    assert [(b.label, b.value) for b in reply.buttons] == [
        ("Get help", "1"),
        ("Help a friend", "2"),
    ]
    assert talk.saved_state() == {"first": "Hello", "tries": 0}


@pytest.mark.parametrize("said", ["1", "For me please", "me", "help me", "yes"])
def test_one_or_words_for_themselves_start_a_self_referral(said: str) -> None:
    talk = _welcomed()
    talk.say(said)
    assert talk.answer == [texts.SR_CONSENT]
    assert isinstance(talk.state, SelfReferralState)


@pytest.mark.parametrize("said", ["2", "a friend", "someone else", "for my neighbour"])
def test_two_or_words_for_someone_else_start_refer_a_friend(said: str) -> None:
    talk = _welcomed()
    talk.say(said)
    assert talk.answer == [texts.RF_START]
    assert isinstance(talk.state, ReferAFriendState)


def test_words_about_their_needs_start_a_self_referral_that_keeps_them() -> None:
    talk = _welcomed()
    talk.say("I've been so lonely since my wife died")
    assert talk.answer == [texts.SR_CONSENT]
    assert isinstance(talk.state, SelfReferralState)
    assert talk.state.answers.need_codes == ("loneliness", "bereavement")


def test_needs_in_the_first_message_are_kept_when_they_then_reply_1() -> None:
    talk = _welcomed("I am struggling with debt")
    talk.say("1")
    assert isinstance(talk.state, SelfReferralState)
    assert talk.state.answers.need_codes == ("money",)


def test_a_message_about_someone_else_is_asked_about_not_assumed() -> None:
    talk = _welcomed()
    talk.play(
        [
            (
                "my friend is struggling with debt",
                ["1 if you would like help for yourself", "2 to tell us about a friend"],
            ),
            ("2", ["first name"]),
        ]
    )


def test_asked_twice_whatever_they_say_goes_to_a_link_worker() -> None:
    talk = _welcomed()
    talk.say("what is this")
    assert talk.answer == [texts.WELCOME_AGAIN]
    assert isinstance(talk.state, WelcomeState) and talk.state.tries == 1
    talk.say("still not sure")
    assert talk.answer == [texts.acknowledge(SERVICE)] and talk.over
    assert talk.effects == (OpenCase("message"),)


def test_the_start_button_shows_the_welcome_again() -> None:
    talk = _welcomed()
    talk.say("what is this")
    talk.start_pressed()
    assert talk.answer == [texts.welcome(SERVICE)]
    assert isinstance(talk.state, WelcomeState) and talk.state.tries == 0


@pytest.mark.parametrize(("said", "first"), [("1", texts.SR_CONSENT), ("2", texts.RF_START)])
def test_someone_known_who_writes_1_or_2_starts_again(said: str, first: str) -> None:
    ctx = context(person(name="Ann Lee"))
    assert [r.text for r in welcome.returning(ctx, heard(ctx, said)).replies] == [first]


def test_someone_known_who_writes_anything_else_reaches_a_link_worker() -> None:
    ctx = context(person(name="Ann Lee"))
    step = welcome.returning(ctx, heard(ctx, "Thanks for your help last month"))
    assert [r.text for r in step.replies] == [texts.acknowledge(SERVICE)]
    assert step.next is None and step.effects == (OpenCase("message"),)


def test_someone_known_who_presses_start_gets_the_menu() -> None:
    ctx = context(person(name="Ann Lee"))
    step = welcome.returning(ctx, heard(ctx, "/start", start_tag=""))
    assert [r.text for r in step.replies] == [texts.welcome(SERVICE)]
    assert isinstance(step.next, WelcomeState)


def test_leaving_the_welcome_for_a_person_keeps_nothing_to_do() -> None:
    talk = _welcomed()
    talk.interrupt()
    assert talk.over and talk.effects == ()
