"""Every client-facing sentence, in one place.

SMS templates stay in GSM-7 and, with the longest service name we expect filled in, inside one
160-character segment where they can (a test checks both). Crisis contacts are the exception:
they are sent whole, whatever they cost.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


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


# Templates are filled with str.format(service=..., phone_line=...).
WELCOME = (
    "Hi, this is the {service}. We help with loneliness, money, housing and more. "
    "What can we help you with? Text STOP to opt out."
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

CRISIS = {
    Nation.ENGLAND: (
        "If you are in danger now, call 999. For urgent mental health help call NHS 111 "
        "and choose option 2. Samaritans: 116 123, free, day or night. Or text SHOUT to 85258."
    ),
    Nation.WALES: (
        "If you are in danger now, call 999. For urgent mental health help call NHS 111 "
        "and choose option 2. Samaritans: 116 123, free, day or night. Or text SHOUT to 85258."
    ),
    Nation.SCOTLAND: (
        "If you are in danger now, call 999. NHS 24: call 111. Breathing Space: "
        "0800 83 85 87. Samaritans: 116 123, free, day or night. Or text SHOUT to 85258."
    ),
    Nation.NORTHERN_IRELAND: (
        "If you are in danger now, call 999. Lifeline: 0808 808 8000. Samaritans: 116 123, "
        "free, day or night. Or text SHOUT to 85258."
    ),
}
CRISIS_FOLLOW_UP = "We have asked a link worker to contact you as soon as they can{phone_line}."
CRISIS_PHONE_LINE = ". You can also call us on {phone}"


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


def crisis(service: ServiceInfo) -> str:
    return CRISIS[service.nation] + " " + _fill(CRISIS_FOLLOW_UP, service, CRISIS_PHONE_LINE)


# Templates that must stay within one segment (crisis contacts are allowed more).
ONE_SEGMENT_TEMPLATES = {
    "WELCOME": WELCOME,
    "ACKNOWLEDGE": ACKNOWLEDGE,
    "TALK": TALK,
    "HELP": HELP,
    "OPTED_OUT": OPTED_OUT,
    "OPTED_IN": OPTED_IN,
}
ALL_TEMPLATES = {
    **ONE_SEGMENT_TEMPLATES,
    "HELP_PHONE_LINE": HELP_PHONE_LINE,
    "CRISIS_FOLLOW_UP": CRISIS_FOLLOW_UP,
    "CRISIS_PHONE_LINE": CRISIS_PHONE_LINE,
    **{f"CRISIS_{nation.name}": text for nation, text in CRISIS.items()},
}
