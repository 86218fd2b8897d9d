"""Self-referral: consent, then name, date of birth, practice, needs, notes and contact, read
back for checking, then sent to the queue with a reference.

``BACK`` goes to the previous question and ``START AGAIN`` to the first; a question back
("why?") gets a reason and the question again; after a long gap a greeting gets "welcome
back". Someone we already know is asked only what they need now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from flows import answers, texts
from flows.conversations.base import (
    YES_NO,
    CancelTimers,
    CloseInvitation,
    Context,
    Effect,
    SaveReferral,
    SetTimer,
    StartReferral,
    Step,
)
from flows.conversations.self_referral.questions import SUMMARY_BUTTONS, question, say
from flows.conversations.self_referral.readers import READERS, Ask
from flows.conversations.self_referral.state import (
    NAME,
    Answers,
    Needs,
    Practice,
    Question,
    SelfReferralState,
)
from flows.messages import Inbound, Reply
from flows.needs import NeedsAnswer
from flows.practices import is_not_sure
from flows.referrals import ReferralSource

NUDGE_AFTER = timedelta(days=3)
INCOMPLETE_AFTER_NUDGE = timedelta(days=4)
NUDGE, INCOMPLETE = "referral_nudge", "referral_incomplete"
TIMERS = (NUDGE, INCOMPLETE)

Q = Question
ORDER = (Q.NAME, Q.DOB, Q.PRACTICE, Q.NEEDS, Q.NOTES, Q.CONTACT, Q.CALL_NUMBER)
EDITS = {1: Q.NAME, 2: Q.DOB, 3: Q.PRACTICE, 4: Q.NEEDS, 5: Q.NOTES, 6: Q.CONTACT}  # read-back
EDIT_WORDS = {
    **dict.fromkeys(("name",), Q.NAME),
    **dict.fromkeys(("birth", "born", "date", "dob", "birthday"), Q.DOB),
    **dict.fromkeys(("gp", "practice", "surgery", "doctor", "doctors"), Q.PRACTICE),
    **dict.fromkeys(("help", "needs"), Q.NEEDS),
    **dict.fromkeys(("notes", "note"), Q.NOTES),
    **dict.fromkeys(("contact", "phone"), Q.CONTACT),
}
_QUESTION_WORDS = frozenset({"why", "what", "who", "how", "pardon", "eh", "huh", "sorry"})


def start(
    ctx: Context,
    *,
    source: ReferralSource = ReferralSource.SELF,
    reference: str | None = None,
    needs: NeedsAnswer | None = None,
) -> Step:
    """Ask consent. ``needs`` already told us (in their first message) are kept for later."""
    a = Answers()
    if needs is not None and needs.codes != ("other",):
        a = Answers(needs=Needs(needs.codes, needs.own_words))
    state = SelfReferralState(source=source, reference=reference, answers=a, asked_at=ctx.now)
    return Step(question(ctx, state, Q.CONSENT), state)


class SelfReferral:
    name = NAME

    def read(self, data: Mapping[str, Any]) -> SelfReferralState:
        return SelfReferralState.from_json(data)

    def step(self, ctx: Context, state: SelfReferralState, inbound: Inbound) -> Step:
        text = inbound.text.strip()
        current = state.step
        if current is Q.CONSENT:
            return _consent(ctx, state, text)
        match answers.command(text):
            case answers.Command.RESTART:
                fresh = replace(state, answers=Answers(), editing=False)
                return _ask(ctx, fresh, Q.NAME).led_by(say(texts.SR_RESTART, "sr_restart"))
            case answers.Command.BACK:
                if state.editing and current is not Q.CONFIRM:
                    return _ask(ctx, state, Q.CONFIRM)  # back to the read-back they came from
                return _ask(ctx, replace(state, editing=False), _previous(ctx, state, current))
        if _carrying_on(ctx, state, inbound, text):
            return _ask(ctx, state, current).led_by(say(texts.SR_RESUME, "sr_resume"))
        if current is not Q.NOTES and _is_question(text) and not is_not_sure(text):
            return _ask(ctx, state, current).led_by(say(texts.SR_WHY, "sr_why"))
        if current is Q.CONFIRM:
            return _confirm(ctx, state, text)
        return _answer(ctx, state, current, text)

    def interrupt(self, ctx: Context, state: SelfReferralState) -> Step:
        effects: tuple[Effect, ...] = (CancelTimers(TIMERS),)
        if state.reference and state.step is not Q.CONSENT:
            effects = (SaveReferral(state.reference, state.answers.details()), *effects)
        return Step(effects=effects)


def _is_question(text: str) -> bool:
    """A question back, not an answer: "why?", "what do you mean", "why do you need that"."""
    words = text.lower().replace("?", " ? ").split()
    return bool(words) and (words[-1] == "?" or words[0] in _QUESTION_WORDS) and len(words) <= 10


def _carrying_on(ctx: Context, state: SelfReferralState, inbound: Inbound, text: str) -> bool:
    """After a long gap, "hi", "ok" or "yes" means "carry on", not an answer to the question;
    so does Telegram's Start at any time."""
    if inbound.starts:
        return True
    if not state.after_gap(ctx.now):
        return False
    return answers.is_greeting(text) or answers.yes_no(text) is True


def _answer(ctx: Context, state: SelfReferralState, current: Question, text: str) -> Step:
    read = READERS[current](ctx, state, text)
    if isinstance(read, Ask):
        progress = _progress(ctx, state, read.answers)
        return _ask(ctx, replace(state, answers=read.answers), read.step, effects=progress)
    if isinstance(read, Answers):
        if state.editing:
            calls = current is Q.CONTACT and _needed(ctx, read, Q.CALL_NUMBER)
            nxt = Q.CALL_NUMBER if calls else Q.CONFIRM
        else:
            nxt = _following(ctx, read, current)
        return _ask(ctx, replace(state, answers=read), nxt, effects=_progress(ctx, state, read))
    # Not an answer we can use: ask again, kindly, or welcome them back after a gap.
    tries = state.tries + 1
    if state.after_gap(ctx.now) and tries == 1:
        return _ask(ctx, state, current).led_by(say(texts.SR_RESUME, "sr_resume"))
    again = read if isinstance(read, Reply) else question(ctx, state, current)[0]
    return Step((again,), replace(state, tries=tries))


def _consent(ctx: Context, state: SelfReferralState, text: str) -> Step:
    said = answers.yes_no(text)
    if said is False:
        closed = (CloseInvitation(state.reference),) if state.reference else ()
        return Step((say(texts.SR_DECLINED, "sr_declined"),), effects=closed)
    if said is None:
        return Step((say(texts.SR_CONSENT_AGAIN, "sr_consent_again", YES_NO),), state)
    begun = replace(state, reference=state.reference or ctx.new_reference)
    effects = (StartReferral(begun.begun(), state.source),)
    client = ctx.client
    if client.name and client.date_of_birth:
        # Someone we know coming back: keep their details, ask what they need now. (At
        # consent the answers hold at most the needs told in their first message.)
        a = replace(
            state.answers,
            name=client.name,
            dob=date.fromisoformat(client.date_of_birth),
            practice=Practice(client.practice_id, asked=False),
        )
        nxt = Q.CONFIRM if a.need_codes else Q.NEEDS
        known = replace(begun, answers=a, returning=True)
        return _ask(ctx, known, nxt, effects=effects + _progress(ctx, begun, a))
    if client.practice_id:  # preselected by the practice's own link
        preselected = replace(begun.answers, practice=Practice(client.practice_id, asked=False))
        begun = replace(begun, answers=preselected)
    return _ask(ctx, begun, Q.NAME, effects=effects)


def _confirm(ctx: Context, state: SelfReferralState, text: str) -> Step:
    a = state.answers
    if answers.yes_no(text) is True:
        reference = state.begun()
        effects = (
            SaveReferral(reference, a.details(), submit=True, signpost=True),
            CancelTimers(TIMERS),
        )
        name = answers.first_name(a.name or "")
        done = texts.SR_DONE.format(name=name, reference=reference)
        return Step((say(done, "sr_done"),), effects=effects)
    number = answers.choice_number(text, len(EDITS))
    target = EDITS.get(number or 0) or _edit_word(text)
    if target is not None:
        return _ask(ctx, replace(state, editing=True), target)
    again = say(texts.SR_SUMMARY_AGAIN, "sr_summary_again", SUMMARY_BUTTONS)
    return Step((again,), state)


def _edit_word(text: str) -> Question | None:
    for word in text.lower().replace(",", " ").split():
        if word in EDIT_WORDS:
            return EDIT_WORDS[word]
    return None


def _needed(ctx: Context, a: Answers, step: Question) -> bool:
    if step is Q.PRACTICE:
        return bool(ctx.practices)
    if step is Q.CALL_NUMBER:
        return a.wants_calls and not (ctx.client.phone or a.phone)
    return True


def _following(ctx: Context, a: Answers, current: Question) -> Question:
    base = Q.PRACTICE if current is Q.PRACTICE_CHOICE else current
    for step in ORDER[ORDER.index(base) + 1 :]:
        if step is Q.NEEDS and a.need_codes:
            continue  # they told us already; the summary lets them change it
        if step is Q.PRACTICE and a.practice_id:
            continue  # known from the link they came by; the summary shows it
        if _needed(ctx, a, step):
            return step
    return Q.CONFIRM


def _previous(ctx: Context, state: SelfReferralState, current: Question) -> Question:
    if current is Q.PRACTICE_CHOICE:
        return Q.PRACTICE
    before = ORDER if current is Q.CONFIRM else ORDER[: ORDER.index(current)]
    earlier = [s for s in before if _needed(ctx, state.answers, s)]
    return earlier[-1] if earlier else current


def _progress(ctx: Context, state: SelfReferralState, a: Answers) -> tuple[Effect, ...]:
    """Keep the answers so far and restart the three-day nudge clock."""
    return (
        SaveReferral(state.begun(), a.details()),
        SetTimer(NUDGE, ctx.now + NUDGE_AFTER),
        CancelTimers((INCOMPLETE,)),
    )


def _ask(
    ctx: Context, state: SelfReferralState, step: Question, *, effects: tuple[Effect, ...] = ()
) -> Step:
    asked = replace(state, step=step, tries=0, asked_at=ctx.now)
    if step is Q.CONFIRM:
        asked = replace(asked, editing=False)
    return Step(question(ctx, asked, step), asked, effects)
