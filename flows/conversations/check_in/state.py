"""Where a check-in is: which follow-up it answers, and what it waits for.

Kept on the client row (under the conversation name ``follow_up``) as JSON: ``id`` (the
follow-up), ``mode`` (``check_in``, or ``message`` for a campaign's own text), ``step``,
and once given ``answer``, ``asked_again``, ``offer_asked_again`` and the questionnaire's
``answers`` so far.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

NAME = "follow_up"


class Mode(enum.StrEnum):
    CHECK_IN = "check_in"  # how are things: better, the same or worse
    MESSAGE = "message"  # a campaign's own text: any reply goes to the queue


class Stage(enum.StrEnum):
    HOW = "how"  # how are things since you last saw your link worker?
    WORDS = "words"  # anything to add in your own words?
    OFFER = "offer"  # would you answer a few questions?
    ITEM = "item"  # one statement of the questionnaire


@dataclass(frozen=True, slots=True)
class CheckInState:
    conversation: ClassVar[str] = NAME
    referral: ClassVar[None] = None
    follow_up_id: int
    mode: Mode = Mode.CHECK_IN
    step: Stage | None = None  # None in message mode
    answer: str | None = None  # better, same or worse, once they said
    asked_again: bool = False  # "how are things" was asked a second time
    offer_asked_again: bool = False  # so was the offer of the questionnaire
    answers: tuple[int, ...] | None = None  # the questionnaire's answers, once begun

    @classmethod
    def asking(cls, follow_up_id: int) -> CheckInState:
        """A check-in just sent: waiting for how things are."""
        return cls(follow_up_id, Mode.CHECK_IN, Stage.HOW)

    @classmethod
    def message(cls, follow_up_id: int) -> CheckInState:
        """A campaign's own message just sent: waiting for any reply."""
        return cls(follow_up_id, Mode.MESSAGE)

    @property
    def awaits_first_answer(self) -> bool:
        """Nothing heard yet since the check-in: a nudge may go."""
        return self.step is Stage.HOW

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.follow_up_id, "mode": self.mode.value}
        if self.step is not None:
            out["step"] = self.step.value
        if self.answer is not None:
            out["answer"] = self.answer
        if self.asked_again:
            out["asked_again"] = True
        if self.offer_asked_again:
            out["offer_asked_again"] = True
        if self.answers is not None:
            out["answers"] = list(self.answers)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckInState:
        step, answers = data.get("step"), data.get("answers")
        return cls(
            follow_up_id=int(data["id"]),
            mode=Mode(data.get("mode", Mode.CHECK_IN)),
            step=Stage(step) if step is not None else None,
            answer=data.get("answer"),
            asked_again=bool(data.get("asked_again")),
            offer_asked_again=bool(data.get("offer_asked_again")),
            answers=tuple(int(a) for a in answers) if answers is not None else None,
        )
