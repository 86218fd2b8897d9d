"""Every client-facing sentence, in one place.

SMS templates stay in GSM-7 and, with the longest service name we expect filled in, inside one
160-character segment where they can (a test checks both). Crisis contacts are the exception:
they are sent whole, whatever they cost.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flows.safety import Concern

if TYPE_CHECKING:
    from flows.offers import BookingRules
    from flows.questionnaires import Questionnaire
    from flows.variants import ReminderVariant


class Nation(enum.StrEnum):
    ENGLAND = "england"
    SCOTLAND = "scotland"
    WALES = "wales"
    NORTHERN_IRELAND = "northern_ireland"


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """What messages say about the service."""

    name: str
    phone: str | None
    nation: Nation
    timezone: str = "Europe/London"
    # Questionnaires the bot can ask by message: those whose wording it has.
    questionnaires: tuple[Questionnaire, ...] = ()
    # Booking by reply, when the service allows it (BOOKING_BY_REPLY=on).
    booking: BookingRules | None = None
    # Whether a client on a landline can be phoned (Twilio's Voice API, from a phone number).
    voice: bool = False
    # Reminder wordings being tested (REMINDER_VARIANTS); none: the standard one only.
    reminder_variants: tuple[ReminderVariant, ...] = ()

    def questionnaire(self, instrument: str) -> Questionnaire | None:
        return next((q for q in self.questionnaires if q.instrument == instrument), None)


# Templates are filled with str.format(service=..., phone_line=...).
WELCOME = (
    "Hi from the {service}. We help with loneliness, money, housing and more. "
    "Reply 1 to get help, 2 to help a friend, STOP to opt out"
)
WELCOME_AGAIN = (
    "Sorry, I didn't follow. Reply 1 if you would like help for yourself, or 2 to tell us "
    "about a friend. Or text TALK to reach a link worker."
)
ACKNOWLEDGE = (
    "Thank you. A link worker will read your message and reply, usually within 2 working "
    "days. If it is urgent, call NHS 111, or 999 in an emergency."
)
TALK = (
    "Thank you. A link worker will reply to you here, usually within 2 working days. "
    "If it is urgent, call NHS 111, or 999 in an emergency."
)
HELP = (
    "{service}: we help with what affects your wellbeing. "
    "Text TALK for a link worker{phone_line}. Text STOP to opt out."
)
HELP_PHONE_LINE = " or call {phone}"
OPTED_OUT = (
    "You will not get any more messages from the {service}. "
    "Text START at any time to hear from us again."
)
OPTED_IN = (
    "Welcome back. You will get messages from the {service} again. "
    "Text HELP for help or STOP to stop."
)

# Contacts for each kind of concern (flows/safety), as sentences: a message that raises more
# than one gets each sentence once, in the order of REPLY_ORDER.
_DANGER = "If you are in danger now, call 999."
_SAMARITANS = "Samaritans: 116 123, free, day or night."
_SHOUT = "Or text SHOUT to 85258."
_NHS_111 = "For urgent mental health help call NHS 111 and choose option 2."
_SILENT = "If you cannot speak on the call, press 55 when asked."
_CHILDLINE = "Under 18? Childline: 0800 1111."
_OTHER_DANGER = "If someone else is in danger now, or has taken an overdose, call 999."
CRISIS: dict[Nation, tuple[str, ...]] = {
    Nation.ENGLAND: (_DANGER, _NHS_111, _SAMARITANS, _SHOUT),
    Nation.WALES: (_DANGER, _NHS_111, _SAMARITANS, _SHOUT),
    Nation.SCOTLAND: (
        _DANGER,
        "NHS 24: call 111.",
        "Breathing Space: 0800 83 85 87.",
        _SAMARITANS,
        _SHOUT,
    ),
    Nation.NORTHERN_IRELAND: (_DANGER, "Lifeline: 0808 808 8000.", _SAMARITANS, _SHOUT),
}
SAFEGUARDING: dict[Nation, tuple[str, ...]] = {
    Nation.ENGLAND: (
        _DANGER,
        _SILENT,
        "National Domestic Abuse Helpline: 0808 2000 247, free, day or night.",
        _CHILDLINE,
        _SAMARITANS,
        _SHOUT,
    ),
    Nation.WALES: (
        _DANGER,
        _SILENT,
        "Live Fear Free helpline: 0808 80 10 800, free, day or night.",
        _CHILDLINE,
        _SAMARITANS,
        _SHOUT,
    ),
    Nation.SCOTLAND: (
        _DANGER,
        _SILENT,
        "Domestic Abuse and Forced Marriage Helpline: 0800 027 1234, free, day or night.",
        _CHILDLINE,
        _SAMARITANS,
        _SHOUT,
    ),
    Nation.NORTHERN_IRELAND: (
        _DANGER,
        _SILENT,
        "Domestic and Sexual Abuse Helpline: 0808 802 1414, free, day or night.",
        _CHILDLINE,
        _SAMARITANS,
        _SHOUT,
    ),
}
SOMEONE_AT_RISK: dict[Nation, tuple[str, ...]] = {
    Nation.ENGLAND: (
        _OTHER_DANGER,
        "For urgent mental health help for them, call NHS 111 and choose option 2.",
        _SAMARITANS,
        _SHOUT,
    ),
    Nation.WALES: (
        _OTHER_DANGER,
        "For urgent mental health help for them, call NHS 111 and choose option 2.",
        _SAMARITANS,
        _SHOUT,
    ),
    Nation.SCOTLAND: (
        _OTHER_DANGER,
        "For urgent help for them, call NHS 24 on 111.",
        _SAMARITANS,
        _SHOUT,
    ),
    Nation.NORTHERN_IRELAND: (
        _OTHER_DANGER,
        "Lifeline, for them or for you: 0808 808 8000.",
        _SAMARITANS,
        _SHOUT,
    ),
}
CONTACTS = {
    Concern.SELF_HARM: CRISIS,
    Concern.HARM_FROM_OTHERS: SAFEGUARDING,
    Concern.SOMEONE_ELSE: SOMEONE_AT_RISK,
}
# The texter's own risk first, then harm from others, then someone else's.
REPLY_ORDER = (Concern.SELF_HARM, Concern.HARM_FROM_OTHERS, Concern.SOMEONE_ELSE)
CRISIS_FOLLOW_UP = "We have asked a link worker to contact you as soon as they can{phone_line}."
CRISIS_PHONE_LINE = ". You can also call us on {phone}"


# Self-referral. {name} is the first name they gave; {reference} the referral's reference.
SR_CONSENT = (
    "Thank you. We will ask a few short questions, about 5 minutes. Only our link workers see "
    "your answers, and only to help you. Is that OK? Reply YES or NO"
)
SR_CONSENT_AGAIN = (
    "Please reply YES to start, or NO if you would rather not. Your answers only go to our "
    "link workers."
)
SR_DECLINED = (
    "That's fine, we won't ask for any details. If you change your mind, text 1. "
    "To reach a link worker, text TALK."
)
SR_NAME = "Great. First, what is your name?"
SR_NAME_AGAIN = "Sorry, I didn't catch that. What name would you like us to use?"
SR_DOB = "Thanks, {name}. What is your date of birth? For example 14/3/1952"
SR_DOB_UNREADABLE = "Sorry, I couldn't read that date. Please send it like this: 14/3/1952"
SR_DOB_IMPOSSIBLE = "That date doesn't exist. Please check it and send it like this: 14/3/1952"
SR_DOB_FUTURE = "That date is in the future. Please send your date of birth like this: 14/3/1952"
SR_DOB_TOO_OLD = "Please check the year of that date and send it like this: 14/3/1952"
SR_PRACTICE = "Which GP practice are you with? Send its name, or NOT SURE if you don't know."
SR_PRACTICE_CHOICES = "Which one do you mean? {choices}. Reply with the number, or NOT SURE."
SR_PRACTICE_UNKNOWN = (
    "Sorry, I couldn't find that practice. Please try its name again, or reply NOT SURE and "
    "the link worker will check."
)
SR_NEEDS = (
    "What would you like help with? Reply with the numbers that fit, for example 1 3, "
    "or tell us in your own words."
)
SR_NEEDS_RETURNING = (
    "Welcome back, {name}. We still have your details. What would you like help with this "
    "time? Reply with numbers, for example 1 3, or in your own words."
)
SR_NEEDS_AGAIN = (
    "Sorry, I didn't follow. Reply with one or more numbers from the list, for example 1 3, "
    "or say in a few words what you would like help with."
)
SR_NOTES = (
    "Thank you. Is there anything else you would like the link worker to know? If not, reply NO."
)
SR_CONTACT = (
    "How should the link worker contact you? Reply 1 for a message, 2 for a phone call or "
    "3 for either, and a good time, for example: 2 mornings"
)
SR_CONTACT_AGAIN = (
    "Sorry, I didn't follow. Reply 1 for a message, 2 for a phone call or 3 for either. "
    "You can add a good time, for example: 2 mornings"
)
SR_CALL_NUMBER = "What number should the link worker call you on?"
SR_CALL_NUMBER_AGAIN = (
    "Sorry, that doesn't look like a UK phone number. Please send it like this: 07700 900123"
)
SR_SUMMARY = (
    "Please check: {summary}. Reply YES to send, or a number to change it: 1 name 2 birth "
    "date 3 GP 4 help 5 notes 6 contact"
)
SR_SUMMARY_AGAIN = (
    "Reply YES to send your referral, or a number to change something: 1 name, 2 birth date, "
    "3 GP, 4 help, 5 notes, 6 contact"
)
# At most two, after SR_DONE, for needs that are not health details. Name and contact only.
SIGNPOST_FIRST = "While you wait, this may help: {name}, {contact}"
SIGNPOST_NEXT = "You could also try: {name}, {contact}"
SR_DONE = (
    "Thank you, {name}. Your referral is sent, reference {reference}. A link worker will "
    "contact you within 2 working days. If things get worse, call NHS 111 or 999."
)
SR_RESTART = "No problem, let's start again."
SR_WHY = (
    "We only ask what a link worker needs to help you, and your answers stay with our team. "
    "Text TALK if you would rather ask a person."
)
SR_RESUME = "Welcome back. Let's carry on where we left off."
SR_NUDGE = (
    "Hi from the {service}. You started asking us for help but didn't finish. Reply to "
    "carry on, or text TALK to reach a link worker."
)
# Refer a friend. {friend} is the friend's first name, {referrer} the referrer's.
RF_START = (
    "That's kind of you. Please only do this if your friend is happy for us to text them. "
    "What is their first name?"
)
RF_NAME_AGAIN = "Sorry, I didn't catch that. What is your friend's first name?"
RF_PHONE = "What is {friend}'s mobile number?"
RF_PHONE_AGAIN = (
    "Sorry, that doesn't look like a UK mobile number. Please send it like this: 07700 900123"
)
RF_PHONE_OWN = "That is your own number. Please send your friend's mobile number."
RF_RELATIONSHIP = "How do you know {friend}? For example: friend, neighbour or family."
RF_YOUR_NAME = "And what is your first name, so {friend} knows who suggested us?"
RF_CONFIRM = (
    "We will text {friend} on {phone} to say {referrer} suggested us. Is that OK? Reply YES or NO"
)
RF_CANCELLED = (
    "OK, we won't text them. Text 1 if you would like help for yourself, or TALK to reach "
    "a link worker."
)
RF_DONE = (
    "Thank you, {referrer}. We are texting {friend} now. It is up to them whether to reply, "
    "and anything they tell us stays private."
)
RF_TOO_MANY = (
    "Thank you. You have suggested us to several people this week, so we can't text anyone "
    "else just now. Text TALK to reach a link worker."
)
# The friend's side.
FRIEND_INVITE = (
    "Hi {friend}, {referrer} thought you might like to hear from the {service}, a free local "
    "support service. Can we get in touch? Reply YES or NO"
)
FRIEND_INVITE_AGAIN = (
    "Sorry, I didn't follow. Would you like to hear from the {service}? Reply YES or NO"
)
FRIEND_DECLINED = "No problem, we won't contact you again. Take care."
# Appointments. {when} is like "Tue 24 Nov at 2:30pm"; no reason for the session, ever.
APPT_CONFIRM = (
    "{service}: you have a session with {worker} on {when} at {location}. Please reply YES "
    "to confirm or NO if you can't make it."
)
APPT_CONFIRMED = "Thank you, that's confirmed: {when} at {location}. See you then."
APPT_MOVED = (
    "{service}: your session with {worker} has moved to {when} at {location}. Please reply "
    "YES to confirm or NO if you can't make it."
)
APPT_REMINDER = (
    "{service}: a reminder of your session with {worker} on {when} at {location}. If you "
    "can't make it, please reply NO."
)
APPT_REARRANGE = (
    "Thank you for letting us know about {when}. A link worker will be in touch to find a "
    "better time."
)
APPT_ASK_AGAIN = "Sorry, I didn't follow. Can you come on {when}? Please reply YES or NO."
APPT_CANCELLED = (
    "{service}: your session on {when} at {location} is cancelled. A link worker will be in "
    "touch if you need another."
)
APPT_DNA = (
    "We missed you at your session today. That's OK. Reply if you would like another time "
    "and a link worker will help."
)
# Booking by reply. Each choice is like "1) Tue 8 Dec at 10am"; {until} like "3pm" or a when.
OFFER_TIMES = (
    "We can see you {choices}{common}. Reply {numbers} to book, or CALL for a call instead. "
    "We hold {these} until {until}."
)
OFFER_OPENING_NEW = "{service}:"
OFFER_OPENING_REARRANGE = "Thank you for letting us know about {when}."
OFFER_OPENING_TAKEN = "Sorry, that time has just gone."
OFFER_OPENING_LAPSED = "Sorry, those times were only held until {until}."
OFFER_WHICH = "Please reply {numbers} to book one of the times we sent, or CALL for a call instead."
OFFER_BOOKED = (
    "Booked: {when} at {location} with {worker}. We will text you a reminder. If you can't "
    "make it, reply NO."
)
OFFER_NONE_FREE = (
    "Sorry, there are no free times to offer just now. A link worker will be in touch to find one."
)
OFFER_CALL = "Thank you. A link worker will ring you to find a time."
FREED_OFFER = (
    "{service}: a sooner session has come up: {when} at {location} with {worker}. Reply 1 to "
    "take it. The first to reply gets it."
)
FREED_LAPSED = (
    "Sorry, the session on {when} is no longer held for the waiting list. You are still on "
    "the list and we will text you if another comes up."
)
FREED_GONE = (
    "Sorry, the session on {when} has gone to someone else. You are still on our waiting "
    "list and we will text you if another comes up."
)
# Phone calls to landlines, read out by text-to-speech: short sentences, times in words.
VOICE_CONFIRM = (
    "Hello. This is the {service}. You have a session with {worker} on {when}, at {location}. "
    "To confirm, press 1. If you cannot make it, press 2. To hear this again, press 3."
)
VOICE_MOVED = (
    "Hello. This is the {service}. Your session with {worker} has moved to {when}, at "
    "{location}. To confirm, press 1. If you cannot make it, press 2. To hear this again, press 3."
)
VOICE_REMINDER = (
    "Hello. This is the {service}, with a reminder of your session with {worker} on {when}, "
    "at {location}. If you can come, press 1. If you cannot make it, press 2. To hear this "
    "again, press 3."
)
VOICE_CONFIRMED = "Thank you, that is confirmed. See you then. Goodbye."
VOICE_REARRANGE = (
    "Thank you for letting us know. A link worker will be in touch to find a better time. Goodbye."
)
VOICE_NO_CHOICE = "We did not hear a choice. We will try you again later. Goodbye."
VOICE_GONE = "Sorry, we could not find that message. A link worker will be in touch. Goodbye."
# Linking a Telegram chat to the same person's text messages.
LINK_HOW = (
    "Already text us from your phone? Tap Share my number below, then we will ask your date "
    "of birth to check it is you."
)
LINK_ASK_DOB = "Thanks. To check it is you, what is your date of birth? For example 14/3/1952"
LINK_DOB_WRONG = (
    "That doesn't match what we have. Please check it and try again, like this: 14/3/1952"
)
LINK_FAILED = "Sorry, we couldn't link them this way. Text TALK and a link worker will help."
LINK_DONE = "Thank you. This chat is now linked to your messages with us, and we will reply here."
LINK_CANNOT_CHECK = (
    "Thanks. We can't check that number by message, so a link worker will help you link them."
)
LINK_NUMBER_SAVED = "Thanks, we have saved your number in case a link worker needs to call you."
# Professional referrals: to the client, and updates to the referrer. No clinical detail.
PRO_CLIENT_NOTICE = (
    "Hi {name}, you have been referred to the {service}. A link worker will contact you "
    "soon. Text STOP if you don't want messages from us."
)
REFERRER_RECEIVED = (
    "{service}: we have your referral, reference {reference}. We will text you when a link "
    "worker picks it up."
)
REFERRER_PICKED_UP = "{service}: referral {reference} has been picked up by {worker}, link worker."
REFERRER_FIRST_CONTACT = (
    "{service}: the link worker has made first contact for referral {reference}."
)
REFERRER_CLOSED = "{service}: referral {reference} is now closed. Thank you for referring."
EMAIL_SUBJECT = "{service}: referral update"
# To the service's duty contact (DUTY_CONTACT), not a client: the case's number and nothing
# of the client, neither their name nor a word of what they wrote.
DUTY_ALERT = (
    "{service}: an urgent case (#{case}) has waited over an hour with no one on it. Please "
    "open the queue now."
)
# Follow-up check-ins, two to three months after the last session. No health details.
FU_CHECK_IN = (
    "Hello from the {service}. How are things since you last saw your link worker? Reply 1 "
    "if better, 2 if the same, or 3 if worse."
)
FU_NUDGE = (
    "Hello again from the {service}. We'd love to know how you are. Reply 1 if things are "
    "better, 2 if about the same, or 3 if worse."
)
FU_AGAIN = (
    "Sorry, I didn't follow. Please reply 1 if things are better, 2 if about the same, or 3 "
    "if worse."
)
FU_BETTER = (
    "That's good to hear, thank you. Is there anything you'd like to tell us? Reply in a few "
    "words, or reply NO."
)
FU_SAME = (
    "Thank you for letting us know. Is there anything you'd like to tell us? Reply in a few "
    "words, or reply NO."
)
FU_WORSE = (
    "I'm sorry things are harder. A link worker will be in touch soon. If you'd like to tell "
    "us what has changed, reply in a few words."
)
FU_WORSE_NOTED = (
    "Thank you for telling us, and I'm sorry things are harder. A link worker will be in "
    "touch soon."
)
FU_UNCLEAR_TO_QUEUE = "Thank you for telling us. A link worker will read your message."
FU_NOTED = "Thank you. A link worker will read this and be in touch."
FU_THANKS = "Thank you, and take care. If you ever need us again, just send us a message."
FU_OFFER = (
    "Thank you. Would you answer {count} short questions about how you have been feeling? It "
    "helps us know what works. Reply YES or NO."
)
FU_OFFER_AGAIN = "Sorry, I didn't follow. Would you answer the questions? Please reply YES or NO."
# One questionnaire item at a time. {item} is the service's own licensed wording.
Q_START = "Thank you. {intro} {hint}"
Q_ITEM = "{n} of {count}: {item}"
Q_AGAIN = "Sorry, please reply with one number from {low} to {high}. {n} of {count}: {item}"
Q_DONE = "Thank you, that's all. Your answers help us know what works. Take care."
Q_STOPPED = "That's fine, we'll stop there. Thank you, and take care."


def needs_menu(needs: tuple[tuple[int, str], ...]) -> str:
    """The numbered list of needs, one SMS: "1 Lonely 2 Low mood ... 12 Other"."""
    return " ".join(f"{number} {short}" for number, short in needs)


def _fill(template: str, service: ServiceInfo, phone_template: str = "") -> str:
    phone_line = phone_template.format(phone=service.phone) if service.phone else ""
    return template.format(service=service.name, phone_line=phone_line)


def welcome(service: ServiceInfo) -> str:
    return _fill(WELCOME, service)


def acknowledge(service: ServiceInfo) -> str:
    return _fill(ACKNOWLEDGE, service)


def talk(service: ServiceInfo) -> str:
    return _fill(TALK, service)


def help_text(service: ServiceInfo) -> str:
    return _fill(HELP, service, HELP_PHONE_LINE)


def opted_out(service: ServiceInfo) -> str:
    return _fill(OPTED_OUT, service)


def opted_in(service: ServiceInfo) -> str:
    return _fill(OPTED_IN, service)


def duty_alert(service: ServiceInfo, case_id: int) -> str:
    return DUTY_ALERT.format(service=service.name, case=case_id)


def crisis(service: ServiceInfo, concerns: Iterable[Concern] = (Concern.SELF_HARM,)) -> str:
    """The contacts for every concern raised, each sentence once, then that a link worker will
    be in touch."""
    raised = set(concerns) or {Concern.SELF_HARM}
    sentences: list[str] = []
    for concern in REPLY_ORDER:
        if concern in raised:
            sentences += [s for s in CONTACTS[concern][service.nation] if s not in sentences]
    return " ".join([*sentences, _fill(CRISIS_FOLLOW_UP, service, CRISIS_PHONE_LINE)])


def case_reason(concerns: Iterable[Concern], earlier: str = "") -> str:
    """The urgent case's reason: each concern raised, now or in the ``earlier`` reason of the
    case, the texter's own first. At most 40 characters, as the column allows:
    "crisis+safeguarding+risk_to_someone_else"."""
    before = set(earlier.split("+"))
    raised = set(concerns) | {c for c in Concern if c.case_reason in before}
    return "+".join(c.case_reason for c in REPLY_ORDER if c in (raised or {Concern.SELF_HARM}))


# Templates that must fit one segment with the longest service name and every personal detail
# left empty (crisis contacts are allowed more: they go whole, whatever they cost).
ONE_SEGMENT_TEMPLATES = {
    name: value
    for name, value in globals().items()
    if name.isupper()
    and isinstance(value, str)
    and name.split("_")[0]
    in {
        "WELCOME",
        "ACKNOWLEDGE",
        "TALK",
        "HELP",
        "OPTED",
        "SR",
        "RF",
        "FRIEND",
        "PRO",
        "REFERRER",
        "LINK",
        "APPT",
        "FU",
        "Q",
        "DUTY",
    }
    and not name.endswith("_LINE")
}
ALL_TEMPLATES = {
    **ONE_SEGMENT_TEMPLATES,
    "EMAIL_SUBJECT": EMAIL_SUBJECT,
    "HELP_PHONE_LINE": HELP_PHONE_LINE,
    "CRISIS_FOLLOW_UP": CRISIS_FOLLOW_UP,
    "CRISIS_PHONE_LINE": CRISIS_PHONE_LINE,
    **{
        f"{concern.name}_{nation.name}": " ".join(sentences)
        for concern, by_nation in CONTACTS.items()
        for nation, sentences in by_nation.items()
    },
}


def numbers(count: int) -> str:
    """ "1", "1 or 2", "1, 2 or 3"."""
    said = [str(n) for n in range(1, count + 1)]
    return said[0] if count == 1 else f"{', '.join(said[:-1])} or {said[-1]}"


def offer(opening: str, choices: list[tuple[str, str, str]], until: str) -> str:
    """Free times to choose from: ``choices`` are (when, worker's first name, location); a
    worker or place common to all is said once, after them."""
    workers = {w for _, w, _ in choices}
    places = {p for _, _, p in choices}
    said = []
    for n, (at, worker, place) in enumerate(choices, start=1):
        one = f"{n}) {at}"
        if len(workers) > 1:
            one += f" with {worker}"
        if len(places) > 1:
            one += f" at {place}"
        said.append(one)
    common = ""
    if len(workers) == 1:
        common += f", with {next(iter(workers))}"
    if len(places) == 1:
        common += f" at {next(iter(places))}"
    body = OFFER_TIMES.format(
        choices=" ".join(said),
        common=common,
        numbers=numbers(len(choices)),
        these="it" if len(choices) == 1 else "these",
        until=until,
    )
    return f"{opening} {body}"
