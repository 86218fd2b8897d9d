"""Where a self-referral is, and what the person has told us so far.

Kept on the client row as JSON: ``step``, ``source``, ``reference``, the answers so far in
``a``, ``tries`` (unreadable answers to this question), ``at`` (when the question was asked, to
greet someone coming back), and, once set, ``editing`` (an answer that returns to the
read-back) and ``returning`` (someone we know, asked only what they need now). An answer not
given yet is absent from ``a``; an answer of "nothing" or "not sure" is there as null.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from flows.conversations.base import UnreadableState
from flows.referrals import ContactMethod, ReferralDetails, ReferralSource

NAME = "self_referral"
RESUME_AFTER = timedelta(hours=12)  # a gap after which a stray message gets "welcome back"


class Question(enum.StrEnum):
    CONSENT = "consent"
    NAME = "name"
    DOB = "dob"
    PRACTICE = "practice"
    PRACTICE_CHOICE = "practice_choice"  # which of a few practices their words could mean
    NEEDS = "needs"
    NOTES = "notes"
    CONTACT = "contact"
    CALL_NUMBER = "call_number"
    CONFIRM = "confirm"  # the read-back


@dataclass(frozen=True, slots=True)
class Practice:
    id: int | None  # one of ours; None when they are not sure or named one we do not know
    text: str | None = None  # "not sure", or their words for a practice we could not find
    asked: bool = True  # False when known from their record or the link they came by


@dataclass(frozen=True, slots=True)
class Needs:
    codes: tuple[str, ...]
    words: str | None = None  # their own words, when they wrote some


@dataclass(frozen=True, slots=True)
class Notes:
    text: str | None  # None: nothing else to tell us


@dataclass(frozen=True, slots=True)
class Contact:
    method: ContactMethod
    times: str | None = None  # "mornings", or their words


@dataclass(frozen=True, slots=True)
class Answers:
    name: str | None = None
    dob: date | None = None
    practice: Practice | None = None
    choices: tuple[int, ...] = ()  # the practices last offered to choose from, by id
    needs: Needs | None = None
    notes: Notes | None = None
    contact: Contact | None = None
    phone: str | None = None  # the number to call, E.164, when we had none

    @property
    def practice_id(self) -> int | None:
        return self.practice.id if self.practice is not None else None

    @property
    def need_codes(self) -> tuple[str, ...]:
        return self.needs.codes if self.needs is not None else ()

    @property
    def wants_calls(self) -> bool:
        method = self.contact.method if self.contact is not None else None
        return method in (ContactMethod.CALL, ContactMethod.EITHER)

    def details(self) -> ReferralDetails:
        """The referral as told so far."""
        practice, needs, contact = self.practice, self.needs, self.contact
        return ReferralDetails(
            name=self.name,
            date_of_birth=self.dob,
            practice_id=self.practice_id,
            practice_text=practice.text if practice is not None else None,
            needs=self.need_codes,
            needs_text=needs.words if needs is not None else None,
            notes=self.notes.text if self.notes is not None else None,
            contact_method=contact.method if contact is not None else None,
            contact_times=contact.times if contact is not None else None,
            phone=self.phone,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name is not None:
            out["name"] = self.name
        if self.dob is not None:
            out["dob"] = self.dob.isoformat()
        if self.practice is not None:
            out["practice_id"] = self.practice.id
            if self.practice.asked:
                out["practice_text"] = self.practice.text
        if self.choices:
            out["choices"] = list(self.choices)
        if self.needs is not None:
            out |= {"needs": list(self.needs.codes), "needs_text": self.needs.words}
        if self.notes is not None:
            out["notes"] = self.notes.text
        if (contact := self.contact) is not None:
            out |= {"contact_method": contact.method.value, "contact_times": contact.times}
        if self.phone is not None:
            out["phone"] = self.phone
        return out

    @classmethod
    def from_json(cls, a: Mapping[str, Any]) -> Answers:
        practice = None
        if "practice_id" in a or "practice_text" in a:
            chosen = a.get("practice_id")
            practice = Practice(
                int(chosen) if chosen is not None else None,
                a.get("practice_text"),
                asked="practice_text" in a,
            )
        needs = Needs(tuple(a["needs"]), a.get("needs_text")) if "needs" in a else None
        method = a.get("contact_method")
        return cls(
            name=a.get("name"),
            dob=date.fromisoformat(a["dob"]) if a.get("dob") else None,
            practice=practice,
            choices=tuple(int(c) for c in a.get("choices", ())),
            needs=needs,
            notes=Notes(a["notes"]) if "notes" in a else None,
            contact=Contact(ContactMethod(method), a.get("contact_times")) if method else None,
            phone=a.get("phone"),
        )


@dataclass(frozen=True, slots=True)
class SelfReferralState:
    conversation: ClassVar[str] = NAME
    step: Question = Question.CONSENT  # the question waiting for an answer
    source: ReferralSource = ReferralSource.SELF
    reference: str | None = None  # set from their consent on (or by a friend's invitation)
    answers: Answers = Answers()
    tries: int = 0  # unreadable answers to this question
    asked_at: datetime | None = None  # when this question was asked
    editing: bool | None = None  # changing one answer from the read-back (None: never set)
    returning: bool = False  # someone we know: asked only what they need now

    @property
    def referral(self) -> str | None:
        return self.reference

    @property
    def asks_how_to_contact(self) -> bool:
        """The question waiting is how to reach them: "please call me" is an answer to it."""
        return self.step in (Question.CONTACT, Question.CALL_NUMBER)

    @property
    def asks_number_to_call(self) -> bool:
        """The question waiting is what number to call: a shared contact answers it."""
        return self.step is Question.CALL_NUMBER

    @property
    def practice_id(self) -> int | None:
        """The practice chosen so far, if any: an incomplete referral goes to its queue."""
        return self.answers.practice_id

    def after_gap(self, now: datetime) -> bool:
        """They are coming back to this question after a long while."""
        return self.asked_at is not None and now - self.asked_at > RESUME_AFTER

    def begun(self) -> str:
        """The reference of the referral under way, which every step after consent has."""
        if self.reference is None:
            raise UnreadableState(f"a self-referral at {self.step} has no reference")
        return self.reference

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "step": self.step.value,
            "source": self.source.value,
            "reference": self.reference,
            "a": self.answers.to_json(),
            "tries": self.tries,
        }
        if self.asked_at is not None:
            out["at"] = self.asked_at.isoformat()
        if self.editing is not None:
            out["editing"] = self.editing
        if self.returning:
            out["returning"] = True
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SelfReferralState:
        at, editing = data.get("at"), data.get("editing")
        return cls(
            step=Question(data.get("step", Question.CONSENT)),
            source=ReferralSource(data.get("source", ReferralSource.SELF)),
            reference=data.get("reference"),
            answers=Answers.from_json(data.get("a", {})),
            tries=int(data.get("tries", 0)),
            asked_at=datetime.fromisoformat(at) if isinstance(at, str) else None,
            editing=None if editing is None else bool(editing),
            returning=bool(data.get("returning", False)),
        )
