"""Client-facing SMS templates (flows/texts.py): GSM-7, one segment, crisis contacts."""

from __future__ import annotations

import string

import pytest

from flows import texts
from flows.conversations.self_referral import NEEDS_MENU
from flows.gsm import is_gsm7, segments
from flows.safety import Concern
from flows.texts import Nation, ServiceInfo

LONGEST_NAME = "Wigan and Leigh Community Link Service X"
assert len(LONGEST_NAME) == 40
PHONE = "01942 000000"

# Placeholders that carry personal details: left empty, since the rule is about the template.
PERSONAL = {
    "name",
    "friend",
    "referrer",
    "phone",
    "reference",
    "summary",
    "choices",
    "organisation",
    "worker",
    "when",
    "location",
    # a questionnaire's own wording and numbers, filled in as it is asked
    "intro",
    "hint",
    "item",
    "n",
    "count",
    "low",
    "high",
    # a case's number, in the duty contact's alert
    "case",
}


def _fill_blank(template: str, service: ServiceInfo) -> str:
    """The template with the longest service name, a phone line and no personal details."""
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    assert fields <= PERSONAL | {"service", "phone_line"}, fields - PERSONAL
    values = dict.fromkeys(fields, "")
    values["service"] = service.name
    values["phone_line"] = texts.HELP_PHONE_LINE.format(phone=service.phone)
    return template.format(**values)


@pytest.mark.parametrize("name", sorted(texts.ALL_TEMPLATES))
def test_every_template_is_gsm7(name: str) -> None:
    """One non-GSM character would double the cost of every message sent from the template."""
    template = texts.ALL_TEMPLATES[name]
    assert is_gsm7(template), [ch for ch in template if not is_gsm7(ch)]


def test_every_sms_template_is_checked_for_length() -> None:
    """Every template meant for clients is in the one-segment set, bar the crisis contacts."""
    exempt = {"EMAIL_SUBJECT", "HELP_PHONE_LINE", "CRISIS_FOLLOW_UP", "CRISIS_PHONE_LINE"}
    contacts = tuple(f"{concern.name}_" for concern in texts.CONTACTS)
    exempt |= {name for name in texts.ALL_TEMPLATES if name.startswith(("CRISIS_", *contacts))}
    assert set(texts.ALL_TEMPLATES) - exempt == set(texts.ONE_SEGMENT_TEMPLATES)
    assert len(texts.ONE_SEGMENT_TEMPLATES) > 50


@pytest.mark.parametrize("name", sorted(texts.ONE_SEGMENT_TEMPLATES))
def test_one_segment_templates_fit_160_characters_with_a_40_character_name(name: str) -> None:
    """With the longest expected service name and a phone line, each reply still costs one SMS
    before personal details are filled in."""
    service = ServiceInfo(LONGEST_NAME, PHONE, Nation.ENGLAND)
    text = _fill_blank(texts.ONE_SEGMENT_TEMPLATES[name], service)
    assert "{" not in text and "}" not in text
    assert is_gsm7(text)
    assert segments(text) == 1, f"{name} is {len(text)} characters: {text!r}"


def test_the_needs_menu_is_one_gsm7_segment() -> None:
    """The numbered list of needs is built from data; it must still cost one SMS."""
    assert is_gsm7(NEEDS_MENU) and segments(NEEDS_MENU) == 1, NEEDS_MENU
    assert NEEDS_MENU.startswith("1 ") and " 12 " in NEEDS_MENU


@pytest.mark.parametrize(
    "name",
    [
        "SR_DONE",
        "SR_NUDGE",
        "APPT_CONFIRM",
        "APPT_CANCELLED",
        "APPT_DNA",
        "FRIEND_INVITE",
        "FRIEND_DECLINED",
        "PRO_CLIENT_NOTICE",
        "REFERRER_RECEIVED",
        "REFERRER_PICKED_UP",
        "REFERRER_FIRST_CONTACT",
        "REFERRER_CLOSED",
        "RF_DONE",
    ],
)
def test_texts_sent_after_a_conversation_cannot_carry_what_people_said(name: str) -> None:
    """Needs and notes are read back only mid-conversation; later texts have no slot for them."""
    fields = {f for _, f, _, _ in string.Formatter().parse(texts.ONE_SEGMENT_TEMPLATES[name]) if f}
    assert not fields & {"summary", "needs", "notes", "choices"}


def test_help_text_mentions_the_phone_only_when_there_is_one() -> None:
    """A service without a phone must not be told to advertise 'call None'."""
    with_phone = texts.help_text(ServiceInfo("Linkers", PHONE, Nation.ENGLAND))
    without = texts.help_text(ServiceInfo("Linkers", None, Nation.ENGLAND))
    assert "or call 01942 000000" in with_phone
    assert "call" not in without and "None" not in without


@pytest.mark.parametrize("nation", list(Nation))
def test_crisis_text_for_every_nation_has_999_samaritans_and_shout(nation: Nation) -> None:
    """Emergency, Samaritans and SHOUT work across the UK, so every crisis text gives them."""
    text = texts.crisis(ServiceInfo(LONGEST_NAME, PHONE, nation))
    assert "999" in text
    assert "Samaritans: 116 123" in text
    assert "SHOUT to 85258" in text
    assert is_gsm7(text)


def test_crisis_text_for_scotland_has_breathing_space_and_nhs_24() -> None:
    """In Scotland urgent help is NHS 24 on 111 and Breathing Space, not NHS 111 option 2."""
    text = texts.crisis(ServiceInfo(LONGEST_NAME, PHONE, Nation.SCOTLAND))
    assert "Breathing Space: 0800 83 85 87" in text
    assert "NHS 24: call 111" in text
    assert "option 2" not in text


@pytest.mark.parametrize("nation", [Nation.ENGLAND, Nation.WALES])
def test_crisis_text_for_england_and_wales_has_nhs_111_option_2(nation: Nation) -> None:
    """NHS 111 option 2 is the urgent mental health line in England and Wales."""
    text = texts.crisis(ServiceInfo(LONGEST_NAME, PHONE, nation))
    assert "NHS 111" in text and "option 2" in text


def test_crisis_text_ends_with_the_service_phone_when_there_is_one() -> None:
    """The person is told a link worker will call and, if possible, how to call back."""
    with_phone = texts.crisis(ServiceInfo(LONGEST_NAME, PHONE, Nation.ENGLAND))
    without = texts.crisis(ServiceInfo(LONGEST_NAME, None, Nation.ENGLAND))
    assert with_phone.endswith("You can also call us on 01942 000000.")
    assert without.endswith("contact you as soon as they can.")


@pytest.mark.parametrize("concern", list(Concern))
@pytest.mark.parametrize("nation", list(Nation))
def test_every_concerns_contacts_have_999_samaritans_and_shout(
    nation: Nation, concern: Concern
) -> None:
    """Whatever the concern, the contacts that work across the UK are given."""
    text = texts.crisis(ServiceInfo(LONGEST_NAME, PHONE, nation), [concern])
    assert "999" in text and "Samaritans: 116 123" in text and "SHOUT to 85258" in text


@pytest.mark.parametrize("nation", list(Nation))
def test_safeguarding_contacts_for_every_nation(nation: Nation) -> None:
    """Harm from others: 999 (silently, with 55), the nation's domestic abuse helpline,
    Childline for under-18s and Samaritans, then that a link worker will be in touch."""
    text = texts.crisis(ServiceInfo(LONGEST_NAME, PHONE, nation), [Concern.HARM_FROM_OTHERS])
    helpline = {
        Nation.ENGLAND: "National Domestic Abuse Helpline: 0808 2000 247",
        Nation.WALES: "Live Fear Free helpline: 0808 80 10 800",
        Nation.SCOTLAND: "Domestic Abuse and Forced Marriage Helpline: 0800 027 1234",
        Nation.NORTHERN_IRELAND: "Domestic and Sexual Abuse Helpline: 0808 802 1414",
    }[nation]
    for expected in ("call 999", "press 55", helpline, "Childline: 0800 1111", "116 123"):
        assert expected in text, expected
    assert text.endswith("You can also call us on 01942 000000.")
    assert is_gsm7(text)
    assert texts.case_reason([Concern.HARM_FROM_OTHERS]) == "safeguarding"


@pytest.mark.parametrize("nation", list(Nation))
def test_someone_else_at_risk_gets_what_to_do_for_them(nation: Nation) -> None:
    """The texter is not the one at risk: 999 if the other person is in danger or has taken an
    overdose, and help for them."""
    text = texts.crisis(ServiceInfo(LONGEST_NAME, PHONE, nation), [Concern.SOMEONE_ELSE])
    assert text.startswith("If someone else is in danger now, or has taken an overdose, call 999.")
    assert "for them" in text and "116 123" in text
    assert "If you are in danger" not in text
    assert is_gsm7(text)
    assert texts.case_reason([Concern.SOMEONE_ELSE]) == "risk_to_someone_else"


def test_a_message_raising_several_concerns_gets_each_contact_once() -> None:
    """Every concern's contacts, the texter's own first, no sentence twice; the case reason
    names them all and fits its column."""
    service = ServiceInfo(LONGEST_NAME, PHONE, Nation.ENGLAND)
    every = list(reversed(Concern))
    text = texts.crisis(service, every)
    assert text.startswith(texts.crisis(service).rsplit(" We have asked", 1)[0])
    for concern in Concern:
        for sentence in texts.CONTACTS[concern][Nation.ENGLAND]:
            assert text.count(sentence) == 1, sentence
    assert text.count("We have asked a link worker") == 1
    reason = texts.case_reason(every)
    assert reason == "crisis+safeguarding+risk_to_someone_else" and len(reason) <= 40


def test_the_case_reason_keeps_the_concerns_the_case_already_had() -> None:
    """A second risk message adds its concern to the urgent case's reason; a reason that is no
    concern (a rearrange request) is not carried."""
    assert texts.case_reason([Concern.HARM_FROM_OTHERS], "crisis") == "crisis+safeguarding"
    assert texts.case_reason([Concern.SELF_HARM], "crisis+safeguarding") == "crisis+safeguarding"
    assert texts.case_reason([Concern.SOMEONE_ELSE], "rearrange") == "risk_to_someone_else"
