"""Phone numbers: the one home of how linkbot reads them, on ``phonenumbers`` throughout.

UK numbers are read as UK numbers (a leading 0 is national). Crown dependencies (Guernsey,
Jersey, the Isle of Man) share +44 and count as UK. Everything is stored in E.164.
"""

from __future__ import annotations

import enum
import re

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

UK_REGIONS = frozenset({"GB", "GG", "JE", "IM"})
_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def e164(number: PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parse(text: str, region: str | None = "GB") -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def normalise(raw: str) -> str:
    """E.164 for an international (+...) or UK national (0...) number, else as sent: short
    codes and alphanumeric senders ("VODAFONE", "12345") stay as they are."""
    text = raw.strip()
    if not text.startswith(("+", "0")):
        return text
    number = _parse(text)
    if number is None or not phonenumbers.is_possible_number(number):
        return text
    return e164(number)


def is_possible(text: str, *, international: bool = False) -> bool:
    """A number that could exist: UK national or international, or, with ``international``,
    only an E.164 one written with its +."""
    if international and not text.startswith("+"):
        return False
    number = _parse(text, None if international else "GB")
    return number is not None and phonenumbers.is_possible_number(number)


def as_search_term(text: str) -> str | None:
    """What a search box holds, read as a phone number (seven digits or more, no letters)."""
    if sum(ch.isdigit() for ch in text) < 7 or re.search(r"[A-Za-z]", text):
        return None
    number = _parse(text)
    return e164(number) if number is not None else None


def uk_mobile(text: str) -> str | None:
    """The UK mobile number in the text as E.164 ("+447700900123"); None if none or several.

    A number counts when phonenumbers says it is a valid MOBILE (or FIXED_LINE_OR_MOBILE)
    number with country code 44. phonenumbers does not treat Ofcom's drama range (07700 900xxx)
    as valid, so an invalid number is also accepted when it is a possible +44 number of ten
    national digits starting with 7, other than 70 (personal numbers) and 76 (pagers). It must
    be typed with 0, 44, 0044 or +44 in front: a bare "7700900123" is not read as a number."""
    found: set[str] = set()
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", phonenumbers.Leniency.POSSIBLE):
        number, raw = match.number, re.sub(r"[^\d+]", "", match.raw_string)
        national = str(number.national_number)
        if number.country_code != 44 or not re.match(r"(\+|0|44)", raw):
            continue
        if phonenumbers.is_valid_number(number):
            ok = phonenumbers.number_type(number) in _MOBILE_TYPES
        else:
            ok = len(national) == 10 and national[0] == "7" and national[1] not in "06"
        if ok:
            found.add(e164(number))
    return found.pop() if len(found) == 1 else None


def is_landline(phone: str | None) -> bool:
    """Whether an E.164 number is a fixed line, which cannot take a text message (UK 01 and 02
    numbers; phonenumbers decides)."""
    number = _parse(phone, None) if phone and phone.startswith("+") else None
    return number is not None and phonenumbers.number_type(number) is PhoneNumberType.FIXED_LINE


def uk_number_in(text: str) -> str | None:
    """Any valid UK number in the text (mobile or landline), as E.164."""
    for match in phonenumbers.PhoneNumberMatcher(text, "GB"):
        if phonenumbers.region_code_for_number(match.number) in UK_REGIONS:
            return e164(match.number)
    return uk_mobile(text)


class Problem(enum.StrEnum):
    NOT_A_NUMBER = "not a phone number"
    NOT_UK = "not a valid UK phone number"


def uk_phone(raw: str) -> str | Problem:
    """A number given in a form (a referral's client): a valid UK number, as E.164."""
    number = _parse(raw)
    if number is None:
        return Problem.NOT_A_NUMBER
    uk = phonenumbers.region_code_for_number(number) in UK_REGIONS
    if not ((uk and phonenumbers.is_valid_number(number)) or uk_mobile(raw)):
        return Problem.NOT_UK
    return e164(number)


def national(phone: str) -> str:
    """How a UK number is written at home: "07700 900123"."""
    number = _parse(phone)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL) if number else phone
