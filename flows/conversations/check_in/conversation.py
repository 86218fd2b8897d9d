"""The follow-up check-in: how are things since you last saw your link worker?

Better, about the same or worse (1, 2, 3 or words), then an optional line in their own words,
then, when the service has supplied the SWEMWBS wording, an offer to answer it by message one
item at a time. Worse, or an answer we cannot read twice, opens a case; crisis wording and a
wish to talk are handled by the engine before any step, as everywhere.

A campaign's own message (not a check-in) uses the same conversation in ``message`` mode: any
reply is recorded as the answer and goes to the link worker queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flows import answers, texts
from flows.conversations.base import (
    YES_NO,
    Context,
    Effect,
    OpenCase,
    RecordFollowUp,
    SaveAnswers,
    SetTimer,
    Step,
)
from flows.conversations.check_in import words
from flows.conversations.check_in.state import NAME, CheckInState, Mode, Stage
from flows.messages import Button, Inbound, Reply
from flows.model import CasePriority
from flows.questionnaires import Questionnaire, read_answer, score

# Timers, each about one follow-up (its id is the subject).
NUDGE = "follow_up_nudge"
END = "follow_up_end"
NUDGE_AFTER = timedelta(days=4)  # one gentle nudge after a few days without a reply
END_AFTER_NUDGE = timedelta(days=4)  # then nothing more: the check-in lapses
IDLE = timedelta(days=3)  # a conversation under way lapses after this long without a reply
MESSAGE_REPLIES_FOR = timedelta(days=14)  # a reply to a campaign's message counts this long
EXIT_QUESTIONNAIRE = "swemwbs"
CASE_REASON = "follow_up"

BUTTONS = (Button("Better", "1"), Button("About the same", "2"), Button("Worse", "3"))


class CheckIn:
    name = NAME

    def read(self, data: Mapping[str, Any]) -> CheckInState:
        return CheckInState.from_json(data)

    def step(self, ctx: Context, state: CheckInState, inbound: Inbound) -> Step:
        text = inbound.text.strip()
        follow_up = state.follow_up_id
        if state.mode is Mode.MESSAGE:
            return Step(
                (Reply(texts.acknowledge(ctx.service), "acknowledge"),),
                effects=(
                    OpenCase(CASE_REASON),
                    RecordFollowUp(follow_up, "replied", text, escalated=True, ended=True),
                ),
            )
        match state.step:
            case Stage.HOW:
                return _how(ctx, state, text)
            case Stage.WORDS:
                return _own_words(ctx, state, text)
            case Stage.OFFER:
                return _offer(ctx, state, text)
            case Stage.ITEM:
                return _item(ctx, state, text)
        return Step(effects=(RecordFollowUp(follow_up, ended=True),))

    def interrupt(self, ctx: Context, state: CheckInState) -> Step:
        """They asked for a person, or a person answered them: the case takes it from here."""
        answer = "talk" if state.step is Stage.HOW else None
        ended = RecordFollowUp(state.follow_up_id, answer, escalated=True, ended=True)
        return Step(effects=(ended,))


def _how(ctx: Context, state: CheckInState, text: str) -> Step:
    follow_up = state.follow_up_id
    answer = words.how_are_things(text)
    says_more = text if words.says_more(text) else None
    if answer is None:
        if not state.asked_again:
            again = Reply(texts.FU_AGAIN, "follow_up_again", buttons=BUTTONS)
            return _stay(ctx, replace(state, asked_again=True), again)
        # Whatever they wrote, a person should read it.
        return Step(
            (Reply(texts.FU_UNCLEAR_TO_QUEUE, "follow_up_unclear"),),
            effects=(
                OpenCase(CASE_REASON),
                RecordFollowUp(follow_up, "unclear", text, escalated=True, ended=True),
            ),
        )
    if answer == "worse":
        effects = (
            OpenCase(CASE_REASON, CasePriority.HIGH),
            RecordFollowUp(
                follow_up, "worse", says_more, escalated=True, ended=says_more is not None
            ),
        )
        if says_more:
            return Step((Reply(texts.FU_WORSE_NOTED, "follow_up_worse"),), effects=effects)
        reply = Reply(texts.FU_WORSE, "follow_up_worse")
        return _stay(ctx, replace(state, step=Stage.WORDS, answer=answer), reply, effects=effects)
    record = RecordFollowUp(follow_up, answer, says_more)
    if says_more:
        return _after_words(ctx, state, record)
    text_for = texts.FU_BETTER if answer == "better" else texts.FU_SAME
    reply = Reply(text_for, f"follow_up_{answer}")
    return _stay(ctx, replace(state, step=Stage.WORDS, answer=answer), reply, effects=(record,))


def _own_words(ctx: Context, state: CheckInState, text: str) -> Step:
    follow_up = state.follow_up_id
    if state.answer == "worse":
        # The case is open: this message joins it for the link worker.
        return Step(
            (Reply(texts.FU_NOTED, "follow_up_noted"),),
            effects=(RecordFollowUp(follow_up, words=text, ended=True),),
        )
    nothing = words.nothing_more(text) or answers.yes_no(text) is False
    record = RecordFollowUp(follow_up, words=None if nothing else text)
    return _after_words(ctx, state, record)


def _offer(ctx: Context, state: CheckInState, text: str) -> Step:
    said = answers.yes_no(text)
    questionnaire = _askable(ctx)
    if said is True and questionnaire is not None:
        intro = texts.Q_START.format(
            intro=questionnaire.intro, hint=questionnaire.scale_hint()
        ).replace("  ", " ")
        begun = replace(state, step=Stage.ITEM, answers=())
        return _stay(ctx, begun, Reply(intro, "questionnaire_start"), _item_reply(questionnaire, 0))
    if said is None and not state.offer_asked_again:
        reply = Reply(texts.FU_OFFER_AGAIN, "follow_up_offer_again", buttons=YES_NO)
        return _stay(ctx, replace(state, offer_asked_again=True), reply)
    return _thanks(state.follow_up_id)


def _item(ctx: Context, state: CheckInState, text: str) -> Step:
    follow_up = state.follow_up_id
    questionnaire = _askable(ctx)
    if questionnaire is None:  # wording withdrawn since
        return _stopped(follow_up)
    so_far = state.answers or ()
    value = read_answer(questionnaire, text)
    if value is None:
        if words.stops_asking(text):
            return _stopped(follow_up)
        again = texts.Q_AGAIN.format(
            low=questionnaire.minimum,
            high=questionnaire.maximum,
            n=len(so_far) + 1,
            count=questionnaire.item_count,
            item=questionnaire.items[len(so_far)],
        )
        return _stay(ctx, state, Reply(again, "questionnaire_again"))
    so_far = (*so_far, value)
    if len(so_far) < questionnaire.item_count:
        saved = SaveAnswers(follow_up, questionnaire.instrument, so_far)
        next_item = _item_reply(questionnaire, len(so_far))
        return _stay(ctx, replace(state, answers=so_far), next_item, effects=(saved,))
    scored = score(questionnaire, list(so_far))
    saved = SaveAnswers(
        follow_up,
        questionnaire.instrument,
        so_far,
        complete=True,
        raw=scored.raw,
        metric=scored.metric,
    )
    return Step(
        (Reply(texts.Q_DONE, "questionnaire_done"),),
        effects=(saved, RecordFollowUp(follow_up, ended=True)),
    )


def _askable(ctx: Context) -> Questionnaire | None:
    """The exit questionnaire, when the service has supplied wording we can ask it with."""
    questionnaire = ctx.service.questionnaire(EXIT_QUESTIONNAIRE)
    return questionnaire if questionnaire is not None and questionnaire.askable else None


def _item_reply(questionnaire: Questionnaire, index: int) -> Reply:
    text = texts.Q_ITEM.format(
        n=index + 1, count=questionnaire.item_count, item=questionnaire.items[index]
    )
    buttons = tuple(
        Button(str(v), str(v)) for v in range(questionnaire.minimum, questionnaire.maximum + 1)
    )
    return Reply(text, "questionnaire_item", buttons=buttons)


def _after_words(ctx: Context, state: CheckInState, record: RecordFollowUp) -> Step:
    """Better or the same: offer the questionnaire when we can ask it, else thank them."""
    questionnaire = _askable(ctx)
    if questionnaire is None:
        return _thanks(state.follow_up_id, record)
    offer = Reply(
        texts.FU_OFFER.format(count=questionnaire.item_count), "follow_up_offer", buttons=YES_NO
    )
    return _stay(ctx, replace(state, step=Stage.OFFER), offer, effects=(record,))


def _thanks(follow_up: int, record: RecordFollowUp | None = None) -> Step:
    ended = RecordFollowUp(follow_up, ended=True)
    effects = (record, ended) if record is not None else (ended,)
    return Step((Reply(texts.FU_THANKS, "follow_up_thanks"),), effects=effects)


def _stopped(follow_up: int) -> Step:
    return Step(
        (Reply(texts.Q_STOPPED, "questionnaire_stopped"),),
        effects=(RecordFollowUp(follow_up, ended=True),),
    )


def _stay(
    ctx: Context, state: CheckInState, *replies: Reply, effects: tuple[Effect, ...] = ()
) -> Step:
    """Carry on waiting for their answer; the check-in lapses if they go quiet."""
    lapse = SetTimer(END, ctx.now + IDLE, str(state.follow_up_id))
    return Step(tuple(replies), state, (*effects, lapse))
