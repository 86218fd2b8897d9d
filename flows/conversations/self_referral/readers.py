"""Reading each self-referral answer.

A reader returns the answers with this one taken in, an ``Ask`` when another question must
come first, a ``Reply`` to ask again with, or None to ask the question again as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from flows import answers, contact, phones, texts
from flows.conversations.base import Context
from flows.conversations.self_referral.questions import CONTACT_BUTTONS, NOT_SURE, say
from flows.conversations.self_referral.state import (
    Answers,
    Contact,
    Needs,
    Notes,
    Practice,
    Question,
    SelfReferralState,
)
from flows.dates import DateProblem, parse_date_of_birth
from flows.messages import Reply
from flows.needs import parse_needs
from flows.practices import is_not_sure, match_practice

MAX_NOTES = 1000
DOB_AGAIN = {
    DateProblem.UNREADABLE: texts.SR_DOB_UNREADABLE,
    DateProblem.IMPOSSIBLE: texts.SR_DOB_IMPOSSIBLE,
    DateProblem.FUTURE: texts.SR_DOB_FUTURE,
    DateProblem.TOO_OLD: texts.SR_DOB_TOO_OLD,
}
_NOTHING = frozenset(
    {
        "nothing",
        "none",
        "nothing else",
        "n/a",
        "na",
        "no thats all",
        "thats all",
        "thats it",
        "that's all",
        "that's it",
        "nope thats it",
    }
)


@dataclass(frozen=True, slots=True)
class Ask:
    """Not an answer yet: ask ``step`` next, keeping these answers."""

    answers: Answers
    step: Question


Read = Answers | Ask | Reply | None
Reader = Callable[[Context, SelfReferralState, str], Read]


def read_name(ctx: Context, state: SelfReferralState, text: str) -> Read:
    name = answers.clean_name(text)
    if not name:
        return say(texts.SR_NAME_AGAIN, "sr_name_again")
    return replace(state.answers, name=name)


def read_dob(ctx: Context, state: SelfReferralState, text: str) -> Read:
    answer = parse_date_of_birth(text, ctx.today)
    if answer.value is None:
        problem = answer.problem or DateProblem.UNREADABLE
        return say(DOB_AGAIN[problem], "sr_dob_again")
    return replace(state.answers, dob=answer.value)


def read_practice(ctx: Context, state: SelfReferralState, text: str) -> Read:
    a = state.answers
    if is_not_sure(text):
        return replace(a, practice=Practice(None, "not sure"))
    found = match_practice(text, ctx.practices)
    if found.chosen is not None:
        return replace(a, practice=Practice(found.chosen.id))
    if found.choices:
        return Ask(replace(a, choices=tuple(p.id for p in found.choices)), Question.PRACTICE_CHOICE)
    if state.tries >= 1 and not answers.is_greeting(text):
        # Asked twice: keep what they wrote for the link worker to sort out.
        return replace(a, practice=Practice(None, text[:200]))
    return say(texts.SR_PRACTICE_UNKNOWN, "sr_practice_unknown", (NOT_SURE,))


def read_practice_choice(ctx: Context, state: SelfReferralState, text: str) -> Read:
    choices = state.answers.choices
    number = answers.choice_number(text, len(choices))
    if number is not None:
        return replace(state.answers, practice=Practice(choices[number - 1]))
    return read_practice(ctx, state, text) if text else None


def read_needs(ctx: Context, state: SelfReferralState, text: str) -> Read:
    found = None if answers.is_greeting(text) else parse_needs(text)
    if found is None:
        return say(texts.SR_NEEDS_AGAIN, "sr_needs_again")
    return replace(state.answers, needs=Needs(found.codes, found.own_words))


def read_notes(ctx: Context, state: SelfReferralState, text: str) -> Read:
    if not text or (answers.is_greeting(text) and state.after_gap(ctx.now)):
        return None
    nothing = answers.yes_no(text) is False or text.lower().strip(" .!") in _NOTHING
    return replace(state.answers, notes=Notes(None if nothing else text[:MAX_NOTES]))


def read_contact(ctx: Context, state: SelfReferralState, text: str) -> Read:
    found = contact.contact_preference(text)
    if found is None:
        return say(texts.SR_CONTACT_AGAIN, "sr_contact_again", CONTACT_BUTTONS)
    return replace(state.answers, contact=Contact(found.method, found.when))


def read_call_number(ctx: Context, state: SelfReferralState, text: str) -> Read:
    phone = phones.uk_number_in(text)
    if phone is None:
        return say(texts.SR_CALL_NUMBER_AGAIN, "sr_call_number_again")
    return replace(state.answers, phone=phone)


READERS: dict[Question, Reader] = {
    Question.NAME: read_name,
    Question.DOB: read_dob,
    Question.PRACTICE: read_practice,
    Question.PRACTICE_CHOICE: read_practice_choice,
    Question.NEEDS: read_needs,
    Question.NOTES: read_notes,
    Question.CONTACT: read_contact,
    Question.CALL_NUMBER: read_call_number,
}
