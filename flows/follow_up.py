"""The follow-up check-in conversation: how are things since you last saw your link worker?

Better, about the same or worse (1, 2, 3 or words), then an optional line in their own words,
then, when the service has supplied the SWEMWBS wording, an offer to answer it by message one
item at a time. Worse, or an answer we cannot read twice, opens a case; crisis wording and a
wish to talk are handled by the engine before any step, as everywhere.

A campaign's own message (not a check-in) uses the same flow in ``message`` mode: any reply is
recorded as the answer and goes to the link worker queue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flows import answers, texts
from flows.messages import Button, Inbound, Reply
from flows.model import CasePriority
from flows.questionnaires import Questionnaire, read_answer, score
from flows.steps import (
    Context,
    Effect,
    OpenCase,
    RecordFollowUp,
    SaveAnswers,
    SetTimer,
    Step,
)

NAME = "follow_up"
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
YES_NO = (Button("Yes", "yes"), Button("No", "no"))

_SAME_FIRST = re.compile(r"\b(not|no)\s+(that\s+|too\s+|so\s+)?(bad|worse)\b")
_WORSE = re.compile(
    r"\b(not|no)\s+(so\s+|very\s+|too\s+|that\s+|feeling\s+)?(good|great|well|better|fine|"
    r"brilliant)\b|\bworse\b|\bbad\b|\bawful\b|\bterrible\b|\bstruggl\w*|\bpoor\w*|\brubbish\b|"
    r"\bhorrible\b|\bdreadful\b|\bdown\b|\bharder\b|\bdeclin\w*"
)
_SAME = re.compile(
    r"\bsame\b|\bno\s+change\b|\bnothing('?s|\s+has)?\s+changed\b|\bso-?\s?so\b|\bok(ay)?\b|"
    r"\balright\b|\bno\s+different\b|\bas\s+before\b|\bmuch\s+of\s+a\s+muchness\b"
)
_BETTER = re.compile(
    r"\bbetter\b|\bgood\b|\bgreat\b|\bimprov\w*|\bfine\b|\bwell\b|\bbrilliant\b|"
    r"\bexcellent\b|\bhappier\b|\blovely\b|\bfab\w*|\bwonderful\b|\bbrighter\b"
)
_NUMBERS = {
    "1": "better",
    "2": "same",
    "3": "worse",
    "one": "better",
    "two": "same",
    "three": "worse",
}
_NOTHING = re.compile(
    r"^(no|nope|nah|nothing|not really|no thanks?( you)?|no ta|nothing (else|more)|"
    r"that'?s (all|it)|all good|none|n/?a|skip)\b"
)
_STOP_ASKING = re.compile(
    r"^(no|nope|nah|skip|no more|enough|later|not now|stop (the )?questions|i'?ll stop)\b"
)
# Beyond this many words, an answer to "how are things" also counts as their own words.
_SAYS_MORE = 4


def how_are_things(text: str) -> str | None:
    """``better``, ``same`` or ``worse`` from 1/2/3 or words; None when unclear or mixed."""
    plain = text.strip().lower().replace("\u2019", "'")
    bare = plain.strip(" .!?,")
    if bare in _NUMBERS:
        return _NUMBERS[bare]
    if _SAME_FIRST.search(plain):
        found = {"same"}
        plain = _SAME_FIRST.sub(" ", plain)
    else:
        found = set()
    if _WORSE.search(plain):
        found.add("worse")
        plain = _WORSE.sub(" ", plain)
    if _SAME.search(plain):
        found.add("same")
    if _BETTER.search(plain):
        found.add("better")
    return found.pop() if len(found) == 1 else None


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z']+", text))


class FollowUp:
    name = NAME

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step:
        text = inbound.text.strip()
        follow_up = int(state["id"])
        if state.get("mode") == "message":
            return Step(
                (Reply(texts.acknowledge(ctx.service), "acknowledge"),),
                effects=(
                    OpenCase(CASE_REASON),
                    RecordFollowUp(follow_up, "replied", text, escalated=True, ended=True),
                ),
            )
        match state.get("step"):
            case "how":
                return self._how(ctx, state, text, follow_up)
            case "words":
                return self._own_words(ctx, state, text, follow_up)
            case "offer":
                return self._offer(ctx, state, text, follow_up)
            case "item":
                return self._item(ctx, state, text, follow_up)
        return Step(effects=(RecordFollowUp(follow_up, ended=True),))

    def interrupt(self, ctx: Context, state: Mapping[str, Any]) -> Step:
        """They asked for a person, or a person answered them: the case takes it from here."""
        answer = "talk" if state.get("step") == "how" else None
        return Step(effects=(RecordFollowUp(int(state["id"]), answer, escalated=True, ended=True),))

    def _how(self, ctx: Context, state: Mapping[str, Any], text: str, follow_up: int) -> Step:
        answer = how_are_things(text)
        says_more = text if _words(text) > _SAYS_MORE else None
        if answer is None:
            if not state.get("asked_again"):
                return _stay(
                    ctx,
                    {**state, "asked_again": True},
                    follow_up,
                    Reply(texts.FU_AGAIN, "follow_up_again", buttons=BUTTONS),
                )
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
            return _stay(
                ctx, {**state, "step": "words", "answer": answer}, follow_up, reply, effects=effects
            )
        record = RecordFollowUp(follow_up, answer, says_more)
        if says_more:
            return _after_words(ctx, state, follow_up, record)
        reply = Reply(
            texts.FU_BETTER if answer == "better" else texts.FU_SAME, f"follow_up_{answer}"
        )
        return _stay(
            ctx, {**state, "step": "words", "answer": answer}, follow_up, reply, effects=(record,)
        )

    def _own_words(self, ctx: Context, state: Mapping[str, Any], text: str, follow_up: int) -> Step:
        if state.get("answer") == "worse":
            # The case is open: this message joins it for the link worker.
            return Step(
                (Reply(texts.FU_NOTED, "follow_up_noted"),),
                effects=(RecordFollowUp(follow_up, words=text, ended=True),),
            )
        nothing = _NOTHING.match(text.lower()) is not None or answers.yes_no(text) is False
        record = RecordFollowUp(follow_up, words=None if nothing else text)
        return _after_words(ctx, state, follow_up, record)

    def _offer(self, ctx: Context, state: Mapping[str, Any], text: str, follow_up: int) -> Step:
        said = answers.yes_no(text)
        questionnaire = ctx.service.questionnaire(EXIT_QUESTIONNAIRE)
        if said is True and questionnaire is not None and questionnaire.askable:
            intro = texts.Q_START.format(
                intro=questionnaire.intro, hint=questionnaire.scale_hint()
            ).replace("  ", " ")
            replies = (Reply(intro, "questionnaire_start"), _item_reply(questionnaire, 0))
            return _stay(ctx, {**state, "step": "item", "answers": []}, follow_up, *replies)
        if said is None and not state.get("offer_asked_again"):
            reply = Reply(texts.FU_OFFER_AGAIN, "follow_up_offer_again", buttons=YES_NO)
            return _stay(ctx, {**state, "offer_asked_again": True}, follow_up, reply)
        return _thanks(follow_up)

    def _item(self, ctx: Context, state: Mapping[str, Any], text: str, follow_up: int) -> Step:
        questionnaire = ctx.service.questionnaire(EXIT_QUESTIONNAIRE)
        if questionnaire is None or not questionnaire.askable:  # wording withdrawn since
            return Step(
                (Reply(texts.Q_STOPPED, "questionnaire_stopped"),),
                effects=(RecordFollowUp(follow_up, ended=True),),
            )
        so_far = [int(a) for a in state.get("answers", [])]
        value = read_answer(questionnaire, text)
        if value is None:
            if _STOP_ASKING.match(text.strip().lower()):
                return Step(
                    (Reply(texts.Q_STOPPED, "questionnaire_stopped"),),
                    effects=(RecordFollowUp(follow_up, ended=True),),
                )
            n = len(so_far)
            again = texts.Q_AGAIN.format(
                low=questionnaire.minimum,
                high=questionnaire.maximum,
                n=n + 1,
                count=questionnaire.item_count,
                item=questionnaire.items[n],
            )
            return _stay(ctx, state, follow_up, Reply(again, "questionnaire_again"))
        so_far.append(value)
        if len(so_far) < questionnaire.item_count:
            saved = SaveAnswers(follow_up, questionnaire.instrument, tuple(so_far))
            return _stay(
                ctx,
                {**state, "answers": so_far},
                follow_up,
                _item_reply(questionnaire, len(so_far)),
                effects=(saved,),
            )
        scored = score(questionnaire, so_far)
        saved = SaveAnswers(
            follow_up,
            questionnaire.instrument,
            tuple(so_far),
            complete=True,
            raw=scored.raw,
            metric=scored.metric,
        )
        return Step(
            (Reply(texts.Q_DONE, "questionnaire_done"),),
            effects=(saved, RecordFollowUp(follow_up, ended=True)),
        )


def _item_reply(questionnaire: Questionnaire, index: int) -> Reply:
    text = texts.Q_ITEM.format(
        n=index + 1, count=questionnaire.item_count, item=questionnaire.items[index]
    )
    buttons = tuple(
        Button(str(v), str(v)) for v in range(questionnaire.minimum, questionnaire.maximum + 1)
    )
    return Reply(text, "questionnaire_item", buttons=buttons)


def _after_words(
    ctx: Context, state: Mapping[str, Any], follow_up: int, record: RecordFollowUp
) -> Step:
    """Better or the same: offer the questionnaire when we can ask it, else thank them."""
    questionnaire = ctx.service.questionnaire(EXIT_QUESTIONNAIRE)
    if questionnaire is None or not questionnaire.askable:
        return _thanks(follow_up, record)
    offer = Reply(
        texts.FU_OFFER.format(count=questionnaire.item_count), "follow_up_offer", buttons=YES_NO
    )
    return _stay(ctx, {**state, "step": "offer"}, follow_up, offer, effects=(record,))


def _thanks(follow_up: int, record: RecordFollowUp | None = None) -> Step:
    ended = RecordFollowUp(follow_up, ended=True)
    effects = (record, ended) if record is not None else (ended,)
    return Step((Reply(texts.FU_THANKS, "follow_up_thanks"),), effects=effects)


def _stay(
    ctx: Context,
    state: Mapping[str, Any],
    follow_up: int,
    *replies: Reply,
    effects: tuple[Effect, ...] = (),
) -> Step:
    """Carry on waiting for their answer; the check-in lapses if they go quiet."""
    lapse = SetTimer(END, ctx.now + IDLE, str(follow_up))
    return Step(tuple(replies), NAME, dict(state), (*effects, lapse))


def check_in_state(follow_up: int) -> dict[str, Any]:
    return {"id": follow_up, "mode": "check_in", "step": "how"}


def message_state(follow_up: int) -> dict[str, Any]:
    return {"id": follow_up, "mode": "message"}
