"""The self-referral conversation at step level: what it asks, how it reads the answers, what it
keeps and what it asks the engine to do, with no database and no channel."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from flows import texts
from flows.conversations import self_referral, welcome
from flows.conversations.base import (
    CancelTimers,
    CloseInvitation,
    SaveReferral,
    SetTimer,
    StartReferral,
)
from flows.conversations.self_referral import Question, SelfReferralState
from flows.referrals import ContactMethod, ReferralDetails, ReferralSource
from tests.support.talk import NUMBER, REFERENCE, Talk, context, heard, person


def _welcomed(phone: str | None = NUMBER) -> Talk:
    ctx = context(person(phone=phone))
    return Talk.begin(ctx, welcome.start(ctx, heard(ctx, "Hello")))


def _at_name(phone: str | None = NUMBER) -> Talk:
    talk = _welcomed(phone)
    talk.play([("1", ["YES or NO"]), ("yes", ["What is your name"])])
    return talk


def _submitted(talk: Talk) -> ReferralDetails:
    [save, cancel] = talk.effects
    assert isinstance(save, SaveReferral) and save.submit and save.signpost
    assert save.reference == REFERENCE and cancel == CancelTimers(self_referral.TIMERS)
    return save.details


@pytest.mark.parametrize("phone", [NUMBER, None], ids=["number known", "no number yet"])
def test_a_self_referral_from_hello_to_reference(phone: str | None) -> None:
    """Consent, details, read-back, reference; a chat with no number is asked for one."""
    talk = _welcomed(phone)
    talk.play(
        [
            ("1", ["only our link workers see your answers", "YES or NO"]),
            ("yes", ["What is your name"]),
        ]
    )
    assert talk.effects == (StartReferral(REFERENCE, ReferralSource.SELF),)
    talk.play(
        [
            ("mary o'brien", ["Thanks, Mary", "date of birth"]),
            ("14/3/52", ["Which GP practice"]),
            ("pemberton", ["What would you like help with", "1 Lonely"]),
            ("1 3", ["anything else"]),
            ("I find it hard to leave the house", ["How should the link worker contact you"]),
            ("2 mornings", []),
        ]
    )
    if phone is None:
        assert talk.answer == [texts.SR_CALL_NUMBER]
        talk.say("07700 900123")
    [summary] = talk.answer
    for detail in (
        "Mary O'Brien",
        "14/03/1952",
        "Pemberton Surgery",
        "loneliness or isolation",
        "money, benefits or debt",
        "hard to leave the house",
        "a phone call, mornings",
    ):
        assert detail in summary, detail
    talk.say("yes")
    [done] = talk.answer
    assert re.search(rf"reference {REFERENCE}\b", done)
    assert "Thank you, Mary" in done and "2 working days" in done
    assert "lonel" not in done.lower() and "money" not in done.lower()
    assert talk.over
    assert _submitted(talk) == ReferralDetails(
        name="Mary O'Brien",
        date_of_birth=date(1952, 3, 14),
        practice_id=1,
        needs=("loneliness", "money"),
        needs_text=None,  # numbers from the menu, not their own words
        notes="I find it hard to leave the house",
        contact_method=ContactMethod.CALL,
        contact_times="mornings",
        phone=None if phone else "+447700900123",
    )


def test_every_answer_keeps_what_was_said_and_restarts_the_nudge_clock() -> None:
    talk = _at_name()
    talk.say("Ann")
    assert talk.effects == (
        SaveReferral(REFERENCE, ReferralDetails(name="Ann")),
        SetTimer(self_referral.NUDGE, talk.ctx.now + self_referral.NUDGE_AFTER),
        CancelTimers((self_referral.INCOMPLETE,)),
    )


def test_typos_capitals_and_extra_words_are_understood() -> None:
    ctx = context()
    talk = Talk.begin(ctx, welcome.start(ctx, heard(ctx, "hi there")))
    talk.play(
        [
            ("For me please", ["YES or NO"]),
            ("YES PLEASE", ["What is your name"]),
            ("my name is JEAN SMITH thanks", ["Thanks, Jean"]),
            ("born on the 14th of March 1952", ["Which GP practice"]),
            ("im with the pembertn surgery", ["What would you like help with"]),
            ("lonley and my landlord wont fix the damp", ["anything else"]),
            ("no thats all", ["How should"]),
            ("text me in the evenings please", ["Please check"]),
        ]
    )
    [summary] = talk.answer
    assert "Jean Smith" in summary and "Pemberton Surgery" in summary
    assert "loneliness or isolation, housing" in summary
    assert "Notes: none" in summary and "a message, evenings" in summary


def test_back_and_start_again() -> None:
    talk = _at_name()
    talk.play(
        [
            ("Ann", ["Thanks, Ann", "date of birth"]),
            ("back", ["What is your name"]),
            ("Anne Jones", ["Thanks, Anne"]),
            ("1/2/1960", ["Which GP"]),
            ("go back", ["date of birth"]),
            ("2/1/1960", ["Which GP"]),
            ("start again", ["start again", "What is your name"]),
            ("Bea", ["Thanks, Bea"]),
        ]
    )
    assert isinstance(talk.state, SelfReferralState)
    assert talk.state.answers.dob is None  # starting again forgets the answers


def test_back_from_the_choice_of_practices_asks_the_practice_again() -> None:
    talk = _at_name()
    talk.play([("Ann", []), ("14/3/52", []), ("hindley", ["Which one do you mean"])])
    talk.play([("back", ["Which GP practice"])])


def test_impossible_future_and_unreadable_dates_are_refused_kindly() -> None:
    talk = _at_name()
    talk.play(
        [
            ("Ann", ["date of birth"]),
            ("31/2/1990", ["doesn't exist", "14/3/1952"]),
            ("1/1/2030", ["in the future"]),
            ("March 1952", ["couldn't read that date"]),
            ("1952-03-14", ["Which GP"]),
        ]
    )


@pytest.mark.parametrize(
    ("question", "said", "asked_again"),
    [
        ("name", "!!!", texts.SR_NAME_AGAIN),
        ("needs", "hello", texts.SR_NEEDS_AGAIN),
        ("contact", "purple", texts.SR_CONTACT_AGAIN),
        ("call_number", "soon", texts.SR_CALL_NUMBER_AGAIN),
    ],
)
def test_an_unreadable_answer_is_asked_again_and_counted(
    question: str, said: str, asked_again: str
) -> None:
    state = SelfReferralState(Question(question), reference=REFERENCE, asked_at=context().now)
    talk = Talk(context(person(phone=None)), state)
    talk.say(said)
    assert talk.answer == [asked_again] and talk.effects == ()
    assert isinstance(talk.state, SelfReferralState) and talk.state.tries == 1


def test_practice_not_sure_a_choice_and_an_unknown_name() -> None:
    talk = _at_name()
    talk.play(
        [
            ("Ann", ["date of birth"]),
            ("14/3/52", ["Which GP"]),
            (
                "hindley",
                ["Which one do you mean", "Hindley Health Centre", "Hindley Green Surgery"],
            ),
            ("2", ["What would you like help with"]),
            ("back", ["Which GP"]),
            ("Riverside", ["couldn't find that practice", "NOT SURE"]),
            ("Riverside medical", ["What would you like help with"]),
            ("back", ["Which GP"]),
            ("not sure", ["What would you like help with"]),
            ("4", ["anything else"]),
            ("no", ["How should"]),
            ("1", ["Please check", "GP: not sure"]),
        ]
    )


def test_a_choice_of_practices_is_offered_as_buttons() -> None:
    talk = _at_name()
    talk.play([("Ann", []), ("14/3/52", []), ("hindley", [])])
    [choice] = talk.last.replies
    assert [b.label for b in choice.buttons] == [
        "Hindley Health Centre",
        "Hindley Green Surgery",
        "Not sure",
    ]
    talk.say("1")
    assert isinstance(talk.state, SelfReferralState) and talk.state.practice_id == 2


def test_an_unknown_practice_at_the_choice_is_kept_after_asking_twice() -> None:
    talk = _at_name()
    talk.play(
        [
            ("Ann", []),
            ("14/3/52", []),
            ("hindley", ["Which one do you mean"]),
            ("the one near the big supermarket", ["couldn't find that practice"]),
            ("the one near the big supermarket", ["What would you like help with"]),
        ]
    )
    [save, *_] = talk.effects
    assert isinstance(save, SaveReferral)
    assert save.details.practice_text == "the one near the big supermarket"
    assert save.details.practice_id is None


def test_the_summary_can_be_corrected_before_sending() -> None:
    talk = _at_name()
    talk.play(
        [
            ("Ann Lee", []),
            ("14/3/52", []),
            ("Pemberton", []),
            ("money", []),
            ("no", []),
            ("1 afternoons", ["Please check", "Pemberton Surgery", "a message, afternoons"]),
            ("3", ["Which GP"]),
            ("Beech Hill", ["Please check", "Beech Hill Medical Practice"]),
            ("change my birth date", ["date of birth"]),
            ("15/3/1952", ["Please check", "15/03/1952"]),
            ("hmm", ["Reply YES to send"]),
            ("yes", ["reference LB-"]),
        ]
    )
    details = _submitted(talk)
    assert details.practice_id == 4 and details.date_of_birth == date(1952, 3, 15)


def test_back_while_correcting_returns_to_the_read_back() -> None:
    talk = _at_name()
    talk.play([("Ann", []), ("14/3/52", []), ("Pemberton", []), ("money", []), ("no", [])])
    talk.play([("text", ["Please check"]), ("5", ["anything else"]), ("back", ["Please check"])])


def test_changing_to_calls_from_the_read_back_asks_for_a_number_when_there_is_none() -> None:
    talk = _at_name(phone=None)
    talk.play([("Ann", []), ("14/3/52", []), ("Pemberton", []), ("money", []), ("no", [])])
    talk.play(
        [
            ("text", ["Please check", "a message"]),
            ("6", ["How should"]),
            ("call me", ["What number"]),
            ("07700 900123", ["Please check", "a phone call"]),
        ]
    )


def test_declining_consent_takes_no_details() -> None:
    talk = _welcomed()
    talk.play([("1", ["YES or NO"]), ("no thanks", ["won't ask for any details"])])
    assert talk.over and talk.effects == ()


@pytest.mark.parametrize("practice_id", [1, None])
def test_a_known_client_starting_again_keeps_their_details(practice_id: int | None) -> None:
    known = person(name="Ann Lee", date_of_birth="1952-03-14", practice_id=practice_id)
    ctx = context(known)
    talk = Talk.begin(ctx, welcome.returning(ctx, heard(ctx, "1")))
    assert talk.answer == [texts.SR_CONSENT]
    talk.play(
        [
            ("yes", ["Welcome back, Ann", "1 Lonely"]),
            ("bereavement", ["anything else"]),
            ("no", []),
            ("1", ["Please check", "Ann Lee", "14/03/1952", "bereavement"]),
        ]
    )
    gp = "Pemberton Surgery" if practice_id else "GP: not sure"
    assert gp in talk.answer[0]
    talk.say("yes")
    details = _submitted(talk)
    assert details.needs == ("bereavement",) and details.name == "Ann Lee"
    assert details.practice_id == practice_id


def test_needs_told_in_words_first_skip_the_menu() -> None:
    """'I've been so lonely since my wife died' after the welcome starts a referral with that."""
    talk = _welcomed()
    talk.play(
        [
            ("I've been so lonely since my wife died", ["YES or NO"]),
            ("ok", ["name"]),
            ("Ted", []),
            ("1/1/1940", []),
            ("Pemberton", ["anything else"]),
        ]
    )


def test_a_known_client_who_told_their_needs_goes_straight_to_the_read_back() -> None:
    ctx = context(person(name="Ann Lee", date_of_birth="1952-03-14", practice_id=1))
    first = heard(ctx, "I've been so lonely since my wife died")
    talk = Talk.begin(ctx, welcome.returning(ctx, first))
    assert talk.answer == [texts.acknowledge(ctx.service)]  # not a menu choice: for the queue
    talk = Talk.begin(ctx, welcome.start(ctx, first))
    talk.play([("1", ["YES or NO"]), ("yes", ["Please check", "loneliness or isolation"])])


@pytest.mark.parametrize("phone", [NUMBER, None], ids=["number known", "no number yet"])
def test_please_call_me_answers_the_contact_question(phone: str | None) -> None:
    talk = _at_name(phone)
    talk.play([("Ann", []), ("14/3/52", []), ("Pemberton", []), ("3", []), ("no", ["How should"])])
    talk.say("please call me in the mornings")
    if phone is None:
        assert "What number" in talk.answer[0]
        assert isinstance(talk.state, SelfReferralState) and talk.state.asks_number_to_call
        talk.say("07700 900123")
    assert "a phone call, mornings" in talk.answer[0]


def test_the_contact_questions_are_known_to_be_pending() -> None:
    """While we ask how to reach them, "please call me" is an answer, not a wish to talk."""
    talk = _at_name(phone=None)
    talk.play([("Ann", []), ("14/3/52", []), ("Pemberton", []), ("3", [])])
    assert isinstance(talk.state, SelfReferralState) and not talk.state.asks_how_to_contact
    talk.say("no")
    assert isinstance(talk.state, SelfReferralState) and talk.state.asks_how_to_contact
    assert not talk.state.asks_number_to_call


def test_questions_back_get_a_reason_and_the_question_again() -> None:
    talk = _at_name()
    talk.play(
        [
            ("why do you need that?", ["only ask what a link worker needs", "what is your name"]),
            ("Ann", ["date of birth"]),
            ("what?", ["only ask what", "date of birth"]),
            ("14/3/52", ["Which GP"]),
        ]
    )


def test_coming_back_with_ok_to_the_read_back_shows_it_again() -> None:
    """After days away, "ok" is not taken as sending a referral they cannot see."""
    talk = _at_name()
    talk.play([("Ann", []), ("14/3/52", []), ("Pemberton", []), ("3", []), ("no", [])])
    talk.play([("text", ["Please check"])])
    talk.later(timedelta(days=2))
    talk.play([("ok", ["Welcome back", "Please check", "Ann"])])
    assert not any(isinstance(e, SaveReferral) and e.submit for e in talk.effects)
    talk.play([("yes", ["reference"])])
    _submitted(talk)


def test_a_greeting_after_a_long_gap_gets_welcome_back_and_the_question_again() -> None:
    talk = _at_name()
    talk.play([("Ann", ["date of birth"]), ("14/3/52", ["Which GP"]), ("Pemberton", ["help with"])])
    talk.later(timedelta(days=37))
    talk.play(
        [
            ("hello", ["Welcome back", "What would you like help with"]),
            ("5", ["anything else"]),
            ("no", []),
            ("1", ["Please check"]),
            ("yes", ["reference"]),
        ]
    )


def test_an_unreadable_answer_after_a_gap_gets_welcome_back_before_asking_again() -> None:
    talk = _at_name()
    talk.play([("Ann", ["date of birth"])])
    talk.later(timedelta(hours=13))
    talk.play([("sometime in spring", ["Welcome back", "date of birth"])])
    talk.play([("sometime in spring", ["couldn't read that date"])])


def test_the_chat_apps_start_button_carries_on_where_they_were() -> None:
    talk = _at_name()
    talk.play([("Ann", ["date of birth"])])
    talk.start_pressed()
    assert talk.answer == [texts.SR_RESUME, texts.SR_DOB.format(name="Ann")]
    talk.start_pressed("p-P92001")
    assert talk.answer[0] == texts.SR_RESUME


def test_the_words_start_typed_are_not_the_start_button() -> None:
    """Only the chat app's Start carries on: typed, "/start" is an answer like any other."""
    talk = _at_name()
    talk.say("/start")
    assert texts.SR_RESUME not in talk.answer


def test_a_practice_from_the_link_they_came_by_is_not_asked() -> None:
    ctx = context(person(phone=None, practice_id=1))
    talk = Talk.begin(ctx, welcome.start(ctx, heard(ctx, "/start p-P92001", start_tag="p-P92001")))
    talk.play(
        [
            ("1", []),
            ("yes", []),
            ("Ann", []),
            ("14/3/52", ["What would you like help with"]),
            ("1", []),
            ("no", []),
            ("1", ["Please check", "GP: Pemberton Surgery"]),
        ]
    )


def test_asking_for_a_person_mid_way_keeps_what_was_said() -> None:
    talk = _at_name()
    talk.play([("Ann Lee", []), ("14/3/52", [])])
    talk.interrupt()
    assert talk.over and talk.answer == []
    assert talk.effects == (
        SaveReferral(REFERENCE, ReferralDetails(name="Ann Lee", date_of_birth=date(1952, 3, 14))),
        CancelTimers(self_referral.TIMERS),
    )


def test_asking_for_a_person_before_consent_keeps_nothing() -> None:
    talk = _welcomed()
    talk.say("1")
    talk.interrupt()
    assert talk.effects == (CancelTimers(self_referral.TIMERS),)


def test_a_friend_who_declines_consent_closes_their_invitation() -> None:
    ctx = context()
    start = self_referral.start(ctx, source=ReferralSource.FRIEND, reference="LB-FRIEND")
    talk = Talk.begin(ctx, start)
    talk.say("no")
    assert talk.over and talk.effects == (CloseInvitation("LB-FRIEND"),)
