"""What the self-referral asks at each step, with its buttons, and the read-back summary."""

from __future__ import annotations

from flows import answers, texts
from flows.conversations.base import YES_NO, Context
from flows.conversations.self_referral.state import Answers, Question, SelfReferralState
from flows.messages import SHARE_CONTACT, Button, Reply
from flows.needs import NEED_BY_CODE, NEEDS

NEEDS_MENU = texts.needs_menu(tuple((need.number, need.short) for need in NEEDS))
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


def say(text: str, kind: str, buttons: tuple[Button, ...] = ()) -> Reply:
    return Reply(text, kind, buttons=buttons)


def question(ctx: Context, state: SelfReferralState, step: Question) -> tuple[Reply, ...]:
    """The question for ``step``, as first asked (or asked again as it was)."""
    a = state.answers
    name = answers.first_name(a.name or "")
    match step:
        case Question.CONSENT:
            return (say(texts.SR_CONSENT, "sr_consent", YES_NO),)
        case Question.NAME:
            return (say(texts.SR_NAME, "sr_name"),)
        case Question.DOB:
            return (say(texts.SR_DOB.format(name=name), "sr_dob"),)
        case Question.PRACTICE:
            return (say(texts.SR_PRACTICE, "sr_practice", (NOT_SURE,)),)
        case Question.PRACTICE_CHOICE:
            return (_practice_choice(ctx, a),)
        case Question.NEEDS:
            intro = texts.SR_NEEDS
            if state.returning and not state.editing:
                intro = texts.SR_NEEDS_RETURNING.format(name=name)
            return (say(intro, "sr_needs"), say(NEEDS_MENU, "sr_needs_menu", NEED_BUTTONS))
        case Question.NOTES:
            return (say(texts.SR_NOTES, "sr_notes", (Button("No, that's all", "no"),)),)
        case Question.CONTACT:
            return (say(texts.SR_CONTACT, "sr_contact", CONTACT_BUTTONS),)
        case Question.CALL_NUMBER:
            share = Button("Share my number", SHARE_CONTACT)  # chat apps only
            return (say(texts.SR_CALL_NUMBER, "sr_call_number", (share,)),)
        case Question.CONFIRM:
            text = texts.SR_SUMMARY.format(summary=summary(ctx, a))
            return (say(text, "sr_summary", SUMMARY_BUTTONS),)


def _practice_choice(ctx: Context, a: Answers) -> Reply:
    names = {p.id: p.name for p in ctx.practices}
    offered = [(i, names.get(pid, "?")) for i, pid in enumerate(a.choices, 1)]
    listed = ", ".join(f"{i} {name}" for i, name in offered)
    choices = tuple(Button(name, str(i)) for i, name in offered)
    text = texts.SR_PRACTICE_CHOICES.format(choices=listed)
    return say(text, "sr_practice_choice", (*choices, NOT_SURE))


_METHODS = {"message": "a message", "call": "a phone call", "either": "message or call"}


def summary(ctx: Context, a: Answers) -> str:
    """The read-back: only while the conversation is going on, never afterwards."""
    practices = {p.id: p.name for p in ctx.practices}
    said = a.practice.text if a.practice is not None else None
    gp = practices.get(a.practice_id or 0) or said or "not sure"
    needs = ", ".join(NEED_BY_CODE[c].label for c in a.need_codes if c in NEED_BY_CODE)
    if a.needs is not None and a.needs.words and a.needs.codes == ("other",):
        needs = _short(a.needs.words)
    notes = _short(a.notes.text) if a.notes is not None and a.notes.text else "none"
    contact = _METHODS.get(a.contact.method, "any way") if a.contact is not None else "any way"
    if a.contact is not None and a.contact.times:
        contact += f", {a.contact.times}"
    born = a.dob.strftime("%d/%m/%Y") if a.dob is not None else "not given"
    return (
        f"{a.name or 'no name given'}, born {born}. GP: {gp}. "
        f"Help with: {needs or 'not given'}. Notes: {notes}. Contact: {contact}"
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
