"""Linking a Telegram chat to a client known by SMS, at step level: the date of birth must
match, three tries at most, and nothing about the other client is shown or kept."""

from __future__ import annotations

import json

from flows import texts
from flows.conversations import link_account, self_referral
from flows.conversations.base import MergeInto
from flows.conversations.self_referral import SelfReferralState
from tests.support.talk import Talk, context, person

SMS_CLIENT = 42


def _linking(resume: SelfReferralState | None = None) -> Talk:
    ctx = context(person(phone=None))
    return Talk.begin(ctx, link_account.start(ctx, SMS_CLIENT, "1952-03-14", resume))


def test_a_matching_date_links_the_chat() -> None:
    talk = _linking()
    assert talk.answer == [texts.LINK_ASK_DOB]
    talk.play([("14/3/1952", ["now linked"])])
    assert talk.over and talk.effects == (MergeInto(SMS_CLIENT),)


def test_a_wrong_date_or_an_unreadable_one_is_asked_again() -> None:
    talk = _linking()
    talk.play([("1/1/1990", ["doesn't match"])])
    talk.say("a long time ago")
    assert talk.answer == [texts.SR_DOB_UNREADABLE] and talk.effects == ()


def test_three_wrong_dates_stop_and_go_back_to_where_they_were() -> None:
    ctx = context(person(phone=None))
    before = self_referral.start(ctx).next
    assert isinstance(before, SelfReferralState)
    talk = _linking(resume=before)
    talk.play(
        [
            ("1/1/1990", ["doesn't match"]),
            ("2/1/1990", ["doesn't match"]),
            ("3/1/1990", ["couldn't link"]),
        ]
    )
    assert talk.effects == () and talk.state == before


def test_with_no_conversation_before_three_wrong_dates_leave_none() -> None:
    talk = _linking()
    talk.play([("1/1/1990", []), ("2/1/1990", []), ("3/1/1990", ["couldn't link"])])
    assert talk.over


def test_the_state_keeps_no_date_of_birth_only_a_check_of_it() -> None:
    saved = _linking().saved_state()
    assert saved == {
        "target": SMS_CLIENT,
        "check": link_account.dob_check(SMS_CLIENT, "1952-03-14"),
        "tries": 0,
        "resume_flow": None,
        "resume_state": {},
    }
    assert "1952" not in json.dumps(saved)
