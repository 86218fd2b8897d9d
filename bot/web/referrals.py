"""``POST /api/v1/referrals``: referrals from GPs, nurses, social care and hospital staff."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from aiohttp import web

from bot.web.api import PREFIX, ApiError, _body
from bot.web.keys import SERVICES
from flows import answers
from flows.dates import parse_date_of_birth
from flows.engine import referrers as referrer_updates
from flows.needs import need_codes_from_words
from flows.practices import PracticeInfo
from flows.referrals import Pathway, ReferralDetails, new_reference
from storage.unit import SqlUnit

MAX_NOTES = 2000
MAX_NEEDS = 20
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise ApiError(422, "invalid", f"{name}: an object is required.")
    return value


def _text(
    obj: dict[str, Any], field: str, *, required: bool = False, limit: int = 200
) -> str | None:
    value = obj.get(field)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise ApiError(422, "invalid", f"{field}: required.")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "invalid", f"{field}: give some text.")
    if len(value) > limit:
        raise ApiError(422, "invalid", f"{field}: at most {limit} characters.")
    return value.strip()


def _uk_phone(raw: str, field: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise ApiError(422, "invalid", f"{field}: not a phone number.") from None
    uk = phonenumbers.region_code_for_number(number) in ("GB", "GG", "JE", "IM")
    if not ((uk and phonenumbers.is_valid_number(number)) or answers.parse_mobile(raw)):
        raise ApiError(422, "invalid", f"{field}: not a valid UK phone number.")
    return number


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _practice(raw: str | None, practices: tuple[PracticeInfo, ...]) -> int | None:
    """Exactly a practice's code or name: a near miss could send notes to the wrong practice."""
    if raw is None:
        return None
    for practice in practices:
        if raw.casefold() in (practice.code.casefold(), practice.name.casefold()):
            return practice.id
    raise ApiError(422, "invalid", "client.practice: no practice has that code or name.")


async def create_referral(request: web.Request) -> web.Response:
    body = await _body(request)
    services = request.app[SERVICES]
    if body.get("client_consent") is not True:
        raise ApiError(422, "invalid", "client_consent: must be true: the client agreed to it.")
    who, person = _object(body, "referrer"), _object(body, "client")

    referrer_name = _text(who, "name", required=True)
    pathway_raw = who.get("pathway")
    if not isinstance(pathway_raw, str) or pathway_raw not in {p.value for p in Pathway}:
        choices = ", ".join(p.value for p in Pathway)
        raise ApiError(422, "invalid", f"referrer.pathway: one of {choices}.")
    referrer_phone_raw = _text(who, "phone", limit=40)
    referrer_email = _text(who, "email", limit=320)
    if referrer_phone_raw is None and referrer_email is None:
        raise ApiError(422, "invalid", "referrer.phone: give a phone or an email for updates.")
    referrer_phone = None
    if referrer_phone_raw is not None:
        # Updates go by text to a mobile; a landline with an e-mail address means e-mail.
        referrer_phone = answers.parse_mobile(referrer_phone_raw)
        if referrer_phone is None and referrer_email is None:
            raise ApiError(422, "invalid", "referrer.phone: a UK mobile number, for text updates.")
    if referrer_email is not None and not _EMAIL.fullmatch(referrer_email):
        raise ApiError(422, "invalid", "referrer.email: not an email address.")
    if referrer_phone is None and not services.settings.email_enabled:
        raise ApiError(
            422,
            "invalid",
            "referrer.email: this service does not send e-mail; give a mobile number for updates.",
        )

    client_name = _text(person, "name", required=True)
    phone_raw = _text(person, "phone", required=True, limit=40)
    assert client_name is not None and phone_raw is not None and referrer_name is not None
    client_phone = _e164(_uk_phone(phone_raw, "client.phone"))
    dob = None
    dob_raw = _text(person, "date_of_birth", limit=40)
    if dob_raw is not None:
        parsed = parse_date_of_birth(dob_raw, services.clock.now().date())
        if parsed.value is None:
            raise ApiError(
                422, "invalid", "client.date_of_birth: a real date in the past, like 1952-03-14."
            )
        dob = parsed.value
    needs_raw = person.get("needs", [])
    if (
        not isinstance(needs_raw, list)
        or not all(isinstance(n, str) for n in needs_raw)
        or (len(needs_raw) > MAX_NEEDS)
    ):
        raise ApiError(422, "invalid", f"client.needs: a list of at most {MAX_NEEDS} words.")
    codes, unknown = need_codes_from_words([n[:200] for n in needs_raw])
    notes = _text(person, "notes", limit=MAX_NOTES)

    async with services.db.write() as session:
        uow = SqlUnit(session, services.directory)
        practice_id = _practice(_text(person, "practice"), await uow.practices.all())
        reference = new_reference()
        while await uow.referrals.by_reference(reference) is not None:
            reference = new_reference()
        details = ReferralDetails(
            name=client_name,
            date_of_birth=dob,
            practice_id=practice_id,
            needs=tuple(codes),
            needs_text="; ".join(unknown) or None,
            notes=notes,
        )
        referral = referrer_updates.ProfessionalReferral(
            referrer_updates.Referrer(
                referrer_name,
                _text(who, "role"),
                _text(who, "organisation"),
                Pathway(pathway_raw),
                referrer_phone,
                referrer_email,
            ),
            client_name,
            client_phone,
            details,
            client_can_text=answers.parse_mobile(client_phone) is not None,
        )
        accepted = await referrer_updates.refer(
            uow, referral, reference, services.settings.service, services.clock.now()
        )
    services.outbox.wake()
    return web.json_response(
        {
            "id": str(accepted.referral_id),
            "reference": accepted.reference,
            "client_id": str(accepted.client_id),
            "case_id": str(accepted.case_id),
        },
        status=201,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/referrals", create_referral)
