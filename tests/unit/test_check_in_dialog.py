"""The follow-up check-in at step level: better, the same or worse, their own words, SWEMWBS by
message when the service has supplied its wording, and a campaign's own message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import texts
from flows.conversations import check_in
from flows.conversations.base import OpenCase, RecordFollowUp, SaveAnswers, SetTimer, Step
from flows.conversations.check_in import CheckInState
from flows.conversations.check_in.conversation import END, IDLE
from flows.model import CasePriority
from tests.support.talk import SERVICE, Talk, context, swemwbs

FOLLOW_UP = 7
WITH_WORDING = replace(SERVICE, questionnaires=(swemwbs(),))


def _checked_in(*, wording: bool = False) -> Talk:
    ctx = context(service=WITH_WORDING if wording else SERVICE)
    return Talk(ctx, CheckInState.asking(FOLLOW_UP))


def _lapses(talk: Talk) -> SetTimer:
    """Each question waited on lapses if they go quiet."""
    return SetTimer(END, talk.ctx.now + IDLE, str(FOLLOW_UP))


def test_the_check_in_waits_for_how_things_are_and_offers_three_buttons() -> None:
    state = CheckInState.asking(FOLLOW_UP)
    assert state.awaits_first_answer and state.to_json() == {
        "id": FOLLOW_UP,
        "mode": "check_in",
        "step": "how",
    }
    assert [b.label for b in check_in.BUTTONS] == ["Better", "About the same", "Worse"]


def test_better_thanks_them_and_closes_the_loop() -> None:
    talk = _checked_in()
    talk.say("1")
    assert talk.answer == [texts.FU_BETTER]
    assert talk.effects == (RecordFollowUp(FOLLOW_UP, "better"), _lapses(talk))
    assert isinstance(talk.state, CheckInState) and not talk.state.awaits_first_answer
    talk.say("The walking group has been lovely, thank you")
    assert talk.answer == [texts.FU_THANKS] and talk.over
    assert talk.effects == (
        RecordFollowUp(FOLLOW_UP, words="The walking group has been lovely, thank you"),
        RecordFollowUp(FOLLOW_UP, ended=True),
    )


@pytest.mark.parametrize("said", ["2", "about the same", "Same really"])
def test_about_the_same_thanks_them(said: str) -> None:
    talk = _checked_in()
    talk.say(said)
    assert talk.answer == [texts.FU_SAME]
    talk.say("no")
    assert talk.answer == [texts.FU_THANKS] and talk.over
    assert talk.effects[0] == RecordFollowUp(FOLLOW_UP, words=None)


@pytest.mark.parametrize("said", ["3", "worse", "Not good at all"])
def test_worse_opens_a_case_and_their_words_join_it(said: str) -> None:
    talk = _checked_in()
    talk.say(said)
    assert talk.answer == [texts.FU_WORSE]
    assert talk.effects == (
        OpenCase("follow_up", CasePriority.HIGH),
        RecordFollowUp(FOLLOW_UP, "worse", escalated=True),
        _lapses(talk),
    )
    talk.say("Money worries again")
    assert talk.answer == [texts.FU_NOTED] and talk.over
    assert talk.effects == (RecordFollowUp(FOLLOW_UP, words="Money worries again", ended=True),)


def test_worse_in_their_own_words_is_taken_whole() -> None:
    talk = _checked_in()
    said = "Worse, I lost my job and I am behind on the rent"
    talk.say(said)
    assert talk.answer == [texts.FU_WORSE_NOTED] and talk.over
    assert talk.effects == (
        OpenCase("follow_up", CasePriority.HIGH),
        RecordFollowUp(FOLLOW_UP, "worse", said, escalated=True, ended=True),
    )


def test_better_in_many_words_counts_as_their_own_words_too() -> None:
    talk = _checked_in()
    said = "Much better, the walking group has been great"
    talk.say(said)
    assert talk.answer == [texts.FU_THANKS] and talk.over
    assert talk.effects[0] == RecordFollowUp(FOLLOW_UP, "better", said)


def test_an_unclear_answer_is_asked_again_then_goes_to_a_person() -> None:
    talk = _checked_in()
    talk.say("who is this?")
    assert talk.answer == [texts.FU_AGAIN] and talk.effects == (_lapses(talk),)
    assert isinstance(talk.state, CheckInState) and talk.state.awaits_first_answer
    talk.say("hmm")
    assert talk.answer == [texts.FU_UNCLEAR_TO_QUEUE] and talk.over
    assert talk.effects == (
        OpenCase("follow_up"),
        RecordFollowUp(FOLLOW_UP, "unclear", "hmm", escalated=True, ended=True),
    )


def test_asking_for_a_person_records_talk_only_as_the_first_answer() -> None:
    talk = _checked_in()
    talk.interrupt()
    assert talk.effects == (RecordFollowUp(FOLLOW_UP, "talk", escalated=True, ended=True),)
    talk = _checked_in()
    talk.say("1")
    talk.interrupt()
    assert talk.effects == (RecordFollowUp(FOLLOW_UP, None, escalated=True, ended=True),)


def test_without_the_wording_the_questions_are_not_offered() -> None:
    talk = _checked_in()
    talk.play([("better", []), ("no", [texts.FU_THANKS])])


def _to_the_questions() -> Talk:
    talk = _checked_in(wording=True)
    talk.play([("better", []), ("nothing else", [])])
    assert talk.answer == [texts.FU_OFFER.format(count=7)]
    talk.say("yes")
    assert talk.answer == [
        "Thank you. Think about the last 2 weeks. Reply with a number from 1 to 5: 1 none of the "
        "time, 2 rarely, 3 some of the time, 4 often, 5 all of the time",
        "1 of 7: Test statement 1",
    ]
    return talk


def test_a_swemwbs_taken_by_message_is_scored_by_the_published_table() -> None:
    talk = _to_the_questions()
    for n, answer in enumerate(["3", "4", "2", "5", "3", "4"], start=2):
        talk.say(answer)
        assert talk.answer == [f"{n} of 7: Test statement {n}"]
    assert talk.effects[0] == SaveAnswers(FOLLOW_UP, "swemwbs", (3, 4, 2, 5, 3, 4))
    talk.say("3")
    assert talk.answer == [texts.Q_DONE] and talk.over
    # 3+4+2+5+3+4+3 = 24, which the SWEMWBS conversion table turns into 21.54.
    assert talk.effects == (
        SaveAnswers(
            FOLLOW_UP, "swemwbs", (3, 4, 2, 5, 3, 4, 3), complete=True, raw=24, metric=21.54
        ),
        RecordFollowUp(FOLLOW_UP, ended=True),
    )


@pytest.mark.parametrize("bad", ["0", "6", "often", "3 or 4"])
def test_an_answer_off_the_scale_is_asked_again_kindly(bad: str) -> None:
    talk = _to_the_questions()
    talk.say(bad)
    assert talk.answer == [
        "Sorry, please reply with one number from 1 to 5. 1 of 7: Test statement 1"
    ]
    talk.say("5")
    assert talk.answer == ["2 of 7: Test statement 2"]
    assert talk.effects[0] == SaveAnswers(FOLLOW_UP, "swemwbs", (5,))


def test_they_can_stop_the_questions_part_way() -> None:
    talk = _to_the_questions()
    talk.say("2")
    talk.say("no more please")
    assert talk.answer == [texts.Q_STOPPED] and talk.over
    assert talk.effects == (RecordFollowUp(FOLLOW_UP, ended=True),)


def test_wording_withdrawn_part_way_stops_the_questions() -> None:
    talk = _to_the_questions()
    talk.ctx = replace(talk.ctx, service=SERVICE)
    talk.say("2")
    assert talk.answer == [texts.Q_STOPPED] and talk.over


def test_saying_no_to_the_questions_thanks_them() -> None:
    talk = _checked_in(wording=True)
    talk.play([("same", []), ("no", [])])
    talk.say("maybe")
    assert talk.answer == [texts.FU_OFFER_AGAIN]
    talk.say("no thank you")
    assert talk.answer == [texts.FU_THANKS] and talk.over


def test_a_reply_to_a_campaigns_message_goes_to_the_queue() -> None:
    ctx = context()
    state = CheckInState.message(FOLLOW_UP)
    assert state.to_json() == {"id": FOLLOW_UP, "mode": "message"}
    assert not state.awaits_first_answer
    talk = Talk(ctx, state)
    talk.say("Is the walking group still on?")
    assert talk.answer == [texts.acknowledge(SERVICE)] and talk.over
    assert talk.effects == (
        OpenCase("follow_up"),
        RecordFollowUp(
            FOLLOW_UP, "replied", "Is the walking group still on?", escalated=True, ended=True
        ),
    )


def test_a_state_with_nothing_left_to_wait_for_ends_quietly() -> None:
    talk = Talk(context(), CheckInState(FOLLOW_UP))
    assert talk.say("hello") == Step(effects=(RecordFollowUp(FOLLOW_UP, ended=True),))
