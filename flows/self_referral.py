"""Self-referral: consent, then name, date of birth, practice, needs, notes and contact, read
back for checking, then sent to the queue with a reference.

State (JSON in the client row): ``step``, ``reference``, ``source``, the answers so far in
``a``, ``editing`` (an answer that returns to the summary), ``tries`` (unreadable answers to
this question) and ``at`` (when the question was asked, to greet someone coming back).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers

from flows import answers, texts
from flows.dates import DateProblem, parse_date_of_birth
from flows.messages import SHARE_CONTACT, Button, Inbound, Reply
from flows.needs import NEED_BY_CODE, NEEDS, NeedsAnswer, parse_needs
from flows.practices import is_not_sure, match_practice
from flows.referrals import ContactMethod, ReferralDetails, ReferralSource
from flows.steps import (
    CancelTimers,
    CloseInvitation,
    Context,
    Effect,
    SaveReferral,
    SetTimer,
    StartReferral,
    Step,
)

NAME = "self_referral"
NUDGE_AFTER = timedelta(days=3)
INCOMPLETE_AFTER_NUDGE = timedelta(days=4)
RESUME_AFTER = timedelta(hours=12)  # a gap after which a stray message gets "welcome back"
NUDGE, INCOMPLETE = "referral_nudge", "referral_incomplete"
TIMERS = (NUDGE, INCOMPLETE)

ORDER = ("name", "dob", "practice", "needs", "notes", "contact", "call_number")
# What the summary's numbers change.
EDITS = {1: "name", 2: "dob", 3: "practice", 4: "needs", 5: "notes", 6: "contact"}
EDIT_WORDS = {
    "name": "name",
    "birth": "dob",
    "born": "dob",
    "date": "dob",
    "dob": "dob",
    "birthday": "dob",
    "gp": "practice",
    "practice": "practice",
    "surgery": "practice",
    "doctor": "practice",
    "doctors": "practice",
    "help": "needs",
    "needs": "needs",
    "notes": "notes",
    "note": "notes",
    "contact": "contact",
    "phone": "contact",
}
DOB_AGAIN = {
    DateProblem.UNREADABLE: texts.SR_DOB_UNREADABLE,
    DateProblem.IMPOSSIBLE: texts.SR_DOB_IMPOSSIBLE,
    DateProblem.FUTURE: texts.SR_DOB_FUTURE,
    DateProblem.TOO_OLD: texts.SR_DOB_TOO_OLD,
}
NEEDS_MENU = texts.needs_menu(tuple((need.number, need.short) for need in NEEDS))
_QUESTION_WORDS = frozenset({"why", "what", "who", "how", "pardon", "eh", "huh", "sorry"})
MAX_NOTES = 1000


def _say(text: str, kind: str, buttons: tuple[Button, ...] = ()) -> Reply:
    return Reply(text, kind, buttons=buttons)


YES_NO = (Button("Yes", "yes"), Button("No", "no"))
NOT_SURE = Button("Not sure", "not sure")
NEED_BUTTONS = tuple(Button(need.short, str(need.number)) for need in NEEDS)
CONTACT_BUTTONS = (Button("Message", "1"), Button("Phone call", "2"), Button("Either", "3"))
SUMMARY_BUTTONS = (
    Button("Send it", "yes"),
    Button("Name", "1"),
    Button("Birth date", "2"),
    Button("GP", "3"),
    Button("Help", "4"),
    Button("Notes", "5"),
    Button("Contact", "6"),
)


def asks_how_to_contact(state: Mapping[str, Any]) -> bool:
    """The question waiting is how to reach them: "please call me" is an answer to it."""
    return state.get("step") in ("contact", "call_number")


def _is_question(text: str) -> bool:
    """A question back, not an answer: "why?", "what do you mean", "why do you need that"."""
    words = text.lower().replace("?", " ? ").split()
    return bool(words) and (words[-1] == "?" or words[0] in _QUESTION_WORDS) and len(words) <= 10


def _carrying_on(ctx: Context, state: Mapping[str, Any], inbound: Inbound, text: str) -> bool:
    """After a long gap, "hi", "ok" or "yes" means "carry on", not an answer to the question;
    so does Telegram's Start at any time."""
    if inbound.starts:
        return True
    if not _after_gap(ctx, state):
        return False
    return answers.is_greeting(text) or answers.yes_no(text) is True


def start(
    ctx: Context,
    *,
    source: ReferralSource = ReferralSource.SELF,
    reference: str | None = None,
    needs: NeedsAnswer | None = None,
) -> Step:
    """Ask consent. ``needs`` already told us (in their first message) are kept for later."""
    a: dict[str, Any] = {}
    if needs is not None and needs.codes != ("other",):
        a = {"needs": list(needs.codes), "needs_text": needs.own_words}
    state = {
        "step": "consent",
        "source": source.value,
        "reference": reference,
        "a": a,
        "tries": 0,
        "at": ctx.now.isoformat(),
    }
    return Step((_say(texts.SR_CONSENT, "sr_consent", YES_NO),), NAME, state)


class SelfReferral:
    name = NAME

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step:
        text = inbound.text.strip()
        current = state.get("step", "consent")
        if current == "consent":
            return _consent(ctx, state, text)
        match answers.command(text):
            case answers.Command.RESTART:
                fresh = {**state, "a": {}, "editing": False}
                step = _ask(ctx, fresh, "name")
                return _with(step, lead=(_say(texts.SR_RESTART, "sr_restart"),))
            case answers.Command.BACK:
                if state.get("editing") and current != "confirm":
                    return _ask(ctx, state, "confirm")  # back to the read-back they came from
                return _ask(ctx, {**state, "editing": False}, _previous(ctx, state, current))
        if _carrying_on(ctx, state, inbound, text):
            step = _ask(ctx, state, current)
            return _with(step, lead=(_say(texts.SR_RESUME, "sr_resume"),))
        if current != "notes" and _is_question(text) and not is_not_sure(text):
            step = _ask(ctx, state, current)
            return _with(step, lead=(_say(texts.SR_WHY, "sr_why"),))
        if current == "confirm":
            return _confirm(ctx, state, text)
        answer = READERS[current](ctx, state, text)
        if isinstance(answer, dict):
            a = {**state.get("a", {}), **answer}
            if "_next" in a:
                nxt = a.pop("_next")
                return _ask(ctx, {**state, "a": a}, nxt, effects=_progress(ctx, state, a))
            if state.get("editing"):
                calls = current == "contact" and _needed(ctx, a, "call_number")
                nxt = "call_number" if calls else "confirm"
            else:
                nxt = _following(ctx, a, current)
            return _ask(ctx, {**state, "a": a}, nxt, effects=_progress(ctx, state, a))
        # Not an answer we can use: ask again, kindly, or welcome them back after a gap.
        tries = int(state.get("tries", 0)) + 1
        if _after_gap(ctx, state) and tries == 1:
            step = _ask(ctx, state, current)
            return _with(step, lead=(_say(texts.SR_RESUME, "sr_resume"),))
        again = answer if isinstance(answer, Reply) else _question(ctx, state, current)[0]
        return Step((again,), NAME, {**state, "tries": tries})

    def interrupt(self, ctx: Context, state: Mapping[str, Any]) -> Step:
        effects: tuple[Effect, ...] = (CancelTimers(TIMERS),)
        reference = state.get("reference")
        if reference and state.get("step") != "consent":
            effects = (SaveReferral(reference, details(state.get("a", {}))), *effects)
        return Step(flow=None, effects=effects)


def _with(step: Step, *, lead: tuple[Reply, ...]) -> Step:
    return Step(lead + step.replies, step.flow, step.state, step.effects)


def _after_gap(ctx: Context, state: Mapping[str, Any]) -> bool:
    at = state.get("at")
    return isinstance(at, str) and ctx.now - datetime.fromisoformat(at) > RESUME_AFTER


def _consent(ctx: Context, state: Mapping[str, Any], text: str) -> Step:
    said = answers.yes_no(text)
    source = ReferralSource(state.get("source", "self"))
    if said is False:
        effects: tuple[Effect, ...] = ()
        if state.get("reference"):
            effects = (CloseInvitation(state["reference"]),)
        return Step((_say(texts.SR_DECLINED, "sr_declined"),), None, {}, effects)
    if said is None:
        return Step((_say(texts.SR_CONSENT_AGAIN, "sr_consent_again", YES_NO),), NAME, state)
    reference = state.get("reference") or ctx.new_reference
    begun = {**state, "reference": reference}
    effects = (StartReferral(reference, source),)
    client = ctx.client
    if client.name and client.date_of_birth:
        # Someone we know coming back: keep their details, ask what they need now.
        a = {
            "name": client.name,
            "dob": client.date_of_birth,
            "practice_id": client.practice_id,
            **state.get("a", {}),
        }
        nxt = "confirm" if a.get("needs") else "needs"
        return _ask(
            ctx,
            {**begun, "a": a, "returning": True},
            nxt,
            effects=effects + _progress(ctx, begun, a),
        )
    if client.practice_id:  # preselected by the practice's own link
        begun = {**begun, "a": {**begun.get("a", {}), "practice_id": client.practice_id}}
    return _ask(ctx, begun, "name", effects=effects)


def _confirm(ctx: Context, state: Mapping[str, Any], text: str) -> Step:
    a = state.get("a", {})
    if answers.yes_no(text) is True:
        effects = (
            SaveReferral(state["reference"], details(a), submit=True, signpost=True),
            CancelTimers(TIMERS),
        )
        name = answers.first_name(a.get("name") or "")
        done = texts.SR_DONE.format(name=name, reference=state["reference"])
        return Step((_say(done, "sr_done"),), None, {}, effects)
    number = answers.choice_number(text, len(EDITS))
    target = EDITS.get(number or 0) or _edit_word(text)
    if target is not None:
        return _ask(ctx, {**state, "editing": True}, target)
    return Step((_say(texts.SR_SUMMARY_AGAIN, "sr_summary_again", SUMMARY_BUTTONS),), NAME, state)


def _edit_word(text: str) -> str | None:
    for word in text.lower().replace(",", " ").split():
        if word in EDIT_WORDS:
            return EDIT_WORDS[word]
    return None


# Readers: each returns the answers to keep (a dict), or a Reply to ask again with, or None to
# ask the question again as it was.
def _read_name(ctx: Context, state: Mapping[str, Any], text: str) -> dict[str, Any] | Reply:
    name = answers.clean_name(text)
    return {"name": name} if name else _say(texts.SR_NAME_AGAIN, "sr_name_again")


def _read_dob(ctx: Context, state: Mapping[str, Any], text: str) -> dict[str, Any] | Reply:
    answer = parse_date_of_birth(text, ctx.today)
    if answer.value is None:
        problem = answer.problem or DateProblem.UNREADABLE
        return _say(DOB_AGAIN[problem], "sr_dob_again")
    return {"dob": answer.value.isoformat()}


def _read_practice(ctx: Context, state: Mapping[str, Any], text: str) -> dict[str, Any] | Reply:
    if is_not_sure(text):
        return {"practice_id": None, "practice_text": "not sure"}
    found = match_practice(text, ctx.practices)
    if found.chosen is not None:
        return {"practice_id": found.chosen.id, "practice_text": None}
    if found.choices:
        return {"choices": [p.id for p in found.choices], "_next": "practice_choice"}
    if int(state.get("tries", 0)) >= 1 and not answers.is_greeting(text):
        # Asked twice: keep what they wrote for the link worker to sort out.
        return {"practice_id": None, "practice_text": text[:200]}
    return _say(texts.SR_PRACTICE_UNKNOWN, "sr_practice_unknown", (NOT_SURE,))


def _read_practice_choice(
    ctx: Context, state: Mapping[str, Any], text: str
) -> dict[str, Any] | Reply | None:
    choices = state.get("a", {}).get("choices", [])
    number = answers.choice_number(text, len(choices))
    if number is not None:
        return {"practice_id": choices[number - 1], "practice_text": None}
    return _read_practice(ctx, state, text) if text else None


def _read_needs(ctx: Context, state: Mapping[str, Any], text: str) -> dict[str, Any] | Reply:
    found = None if answers.is_greeting(text) else parse_needs(text)
    if found is None:
        return _say(texts.SR_NEEDS_AGAIN, "sr_needs_again")
    return {"needs": list(found.codes), "needs_text": found.own_words}


def _read_notes(ctx: Context, state: Mapping[str, Any], text: str) -> dict[str, Any] | None:
    if not text or (answers.is_greeting(text) and _after_gap(ctx, state)):
        return None
    nothing = answers.yes_no(text) is False or text.lower().strip(" .!") in _NOTHING
    return {"notes": None if nothing else text[:MAX_NOTES]}


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


def _read_contact(ctx: Context, state: Mapping[str, Any], text: str) -> dict[str, Any] | Reply:
    found = answers.contact_preference(text)
    if found is None:
        return _say(texts.SR_CONTACT_AGAIN, "sr_contact_again", CONTACT_BUTTONS)
    return {"contact_method": found.method.value, "contact_times": found.when}


def _read_call_number(ctx: Context, state: Mapping[str, Any], text: str) -> dict[str, Any] | Reply:
    phone = uk_phone(text)
    if phone is None:
        return _say(texts.SR_CALL_NUMBER_AGAIN, "sr_call_number_again")
    return {"phone": phone}


def uk_phone(text: str) -> str | None:
    """Any valid UK number in the text (mobile or landline), as E.164."""
    for match in phonenumbers.PhoneNumberMatcher(text, "GB"):
        if phonenumbers.region_code_for_number(match.number) in ("GB", "GG", "JE", "IM"):
            return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return answers.parse_mobile(text)


READERS: dict[str, Any] = {
    "name": _read_name,
    "dob": _read_dob,
    "practice": _read_practice,
    "practice_choice": _read_practice_choice,
    "needs": _read_needs,
    "notes": _read_notes,
    "contact": _read_contact,
    "call_number": _read_call_number,
}


def _needed(ctx: Context, a: Mapping[str, Any], step: str) -> bool:
    if step == "practice":
        return bool(ctx.practices)
    if step == "call_number":
        wants_call = a.get("contact_method") in (ContactMethod.CALL, ContactMethod.EITHER)
        return wants_call and not (ctx.client.phone or a.get("phone"))
    return True


def _following(ctx: Context, a: Mapping[str, Any], current: str) -> str:
    base = "practice" if current == "practice_choice" else current
    later = ORDER[ORDER.index(base) + 1 :]
    for step in later:
        if step == "needs" and a.get("needs"):
            continue  # they told us already; the summary lets them change it
        if step == "practice" and a.get("practice_id"):
            continue  # known from the link they came by; the summary shows it
        if _needed(ctx, a, step):
            return step
    return "confirm"


def _previous(ctx: Context, state: Mapping[str, Any], current: str) -> str:
    if current == "practice_choice":
        return "practice"
    before = ORDER if current == "confirm" else ORDER[: ORDER.index(current)]
    earlier = [s for s in before if _needed(ctx, state.get("a", {}), s)]
    return earlier[-1] if earlier else current


def _progress(ctx: Context, state: Mapping[str, Any], a: Mapping[str, Any]) -> tuple[Effect, ...]:
    """Keep the answers so far and restart the three-day nudge clock."""
    return (
        SaveReferral(state["reference"], details(a)),
        SetTimer(NUDGE, ctx.now + NUDGE_AFTER),
        CancelTimers((INCOMPLETE,)),
    )


def _ask(
    ctx: Context, state: Mapping[str, Any], step: str, *, effects: tuple[Effect, ...] = ()
) -> Step:
    new_state = {**state, "step": step, "tries": 0, "at": ctx.now.isoformat()}
    if step == "confirm":
        new_state["editing"] = False
    return Step(_question(ctx, new_state, step), NAME, new_state, effects)


def _question(ctx: Context, state: Mapping[str, Any], step: str) -> tuple[Reply, ...]:
    a = state.get("a", {})
    name = answers.first_name(a.get("name") or "")
    match step:
        case "name":
            return (_say(texts.SR_NAME, "sr_name"),)
        case "dob":
            return (_say(texts.SR_DOB.format(name=name), "sr_dob"),)
        case "practice":
            return (_say(texts.SR_PRACTICE, "sr_practice", (NOT_SURE,)),)
        case "practice_choice":
            names = {p.id: p.name for p in ctx.practices}
            listed = ", ".join(
                f"{i} {names.get(pid, '?')}" for i, pid in enumerate(a.get("choices", []), 1)
            )
            choices = tuple(
                Button(names.get(pid, "?"), str(i)) for i, pid in enumerate(a.get("choices", []), 1)
            )
            text = texts.SR_PRACTICE_CHOICES.format(choices=listed)
            return (_say(text, "sr_practice_choice", (*choices, NOT_SURE)),)
        case "needs":
            intro = texts.SR_NEEDS
            if state.get("returning") and not state.get("editing"):
                intro = texts.SR_NEEDS_RETURNING.format(name=name)
            return (_say(intro, "sr_needs"), _say(NEEDS_MENU, "sr_needs_menu", NEED_BUTTONS))
        case "notes":
            return (_say(texts.SR_NOTES, "sr_notes", (Button("No, that's all", "no"),)),)
        case "contact":
            return (_say(texts.SR_CONTACT, "sr_contact", CONTACT_BUTTONS),)
        case "call_number":
            share = Button("Share my number", SHARE_CONTACT)  # chat apps only
            return (_say(texts.SR_CALL_NUMBER, "sr_call_number", (share,)),)
        case _:
            text = texts.SR_SUMMARY.format(summary=summary(ctx, a))
            return (_say(text, "sr_summary", SUMMARY_BUTTONS),)


def summary(ctx: Context, a: Mapping[str, Any]) -> str:
    """The read-back: only while the conversation is going on, never afterwards."""
    practices = {p.id: p.name for p in ctx.practices}
    gp = practices.get(a.get("practice_id") or 0) or a.get("practice_text") or "not sure"
    needs = ", ".join(NEED_BY_CODE[c].label for c in a.get("needs", []) if c in NEED_BY_CODE)
    if a.get("needs_text") and a.get("needs") == ["other"]:
        needs = _short(a["needs_text"])
    notes = _short(a["notes"]) if a.get("notes") else "none"
    method = {"message": "a message", "call": "a phone call", "either": "message or call"}
    contact = method.get(a.get("contact_method") or "", "any way")
    if a.get("contact_times"):
        contact += f", {a['contact_times']}"
    born = date.fromisoformat(a["dob"]).strftime("%d/%m/%Y") if a.get("dob") else "not given"
    return (
        f"{a.get('name') or 'no name given'}, born {born}. GP: {gp}. "
        f"Help with: {needs or 'not given'}. Notes: {notes}. Contact: {contact}"
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def details(a: Mapping[str, Any]) -> ReferralDetails:
    method = a.get("contact_method")
    return ReferralDetails(
        name=a.get("name"),
        date_of_birth=date.fromisoformat(a["dob"]) if a.get("dob") else None,
        practice_id=a.get("practice_id"),
        practice_text=a.get("practice_text"),
        needs=tuple(a.get("needs", ())),
        needs_text=a.get("needs_text"),
        notes=a.get("notes"),
        contact_method=ContactMethod(method) if method else None,
        contact_times=a.get("contact_times"),
        phone=a.get("phone"),
    )
