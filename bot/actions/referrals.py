"""A referral made by a professional (a GP, a nurse, social care, a hospital team)."""

from __future__ import annotations

import re

from bot.actions import commands
from bot.actions.errors import Invalid
from bot.actions.unit import change
from bot.bootstrap import Services
from flows import phones
from flows.dates import parse_date_of_birth
from flows.engine import referrers
from flows.model import StaffUser
from flows.needs import need_codes_from_words
from flows.practices import PracticeInfo
from flows.referrals import ReferralDetails, new_reference

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _referrer(services: Services, body: commands.Referrer) -> referrers.Referrer:
    """Who referred, and where their updates go: a text to a mobile, or else an e-mail.

    A referral is never turned away for where its updates would go: with an e-mail address on
    a service that sends no e-mail, it is taken and marked as one no update can reach, so its
    case tells the link worker to phone the referrer."""
    if body.phone is None and body.email is None:
        raise Invalid("referrer.phone: give a phone or an email for updates.")
    mobile = phones.uk_mobile(body.phone) if body.phone is not None else None
    if body.phone is not None and mobile is None and body.email is None:
        raise Invalid("referrer.phone: a UK mobile number, for text updates.")
    if body.email is not None and not _EMAIL.fullmatch(body.email):
        raise Invalid("referrer.email: not an email address.")
    phone = mobile
    if mobile is None and body.phone is not None:
        # A landline beside an e-mail address: no texts go to it, but it is a number to ring.
        number = phones.uk_phone(body.phone)
        phone = None if isinstance(number, phones.Problem) else number
    unreachable = mobile is None and not services.settings.email_enabled
    return referrers.Referrer(
        body.name, body.role, body.organisation, body.pathway, phone, body.email, unreachable
    )


def _practice(raw: str | None, practices: tuple[PracticeInfo, ...]) -> int | None:
    """Exactly a practice's code or name: a near miss could send notes to the wrong practice."""
    if raw is None:
        return None
    for practice in practices:
        if raw.casefold() in (practice.code.casefold(), practice.name.casefold()):
            return practice.id
    raise Invalid("client.practice: no practice has that code or name.")


async def refer(services: Services, user: StaffUser, body: commands.Referral) -> referrers.Accepted:
    """Record the referral, queue it for the practice, and tell the client and the referrer."""
    who, person = _referrer(services, body.referrer), body.client
    phone = phones.uk_phone(person.phone)
    if isinstance(phone, phones.Problem):
        raise Invalid(f"client.phone: {phone}.")
    born = None
    if person.date_of_birth is not None:
        born = parse_date_of_birth(person.date_of_birth, services.clock.now().date()).value
        if born is None:
            raise Invalid("client.date_of_birth: a real date in the past, like 1952-03-14.")
    codes, unknown = need_codes_from_words(person.needs)
    async with change(services) as uow:
        practice_id = _practice(person.practice, await uow.practices.all())
        reference = new_reference()
        while await uow.referrals.by_reference(reference) is not None:
            reference = new_reference()
        details = ReferralDetails(
            name=person.name,
            date_of_birth=born,
            practice_id=practice_id,
            needs=tuple(codes),
            needs_text="; ".join(unknown) or None,
            notes=person.notes,
        )
        referral = referrers.ProfessionalReferral(
            who, person.name, phone, details, client_can_text=phones.uk_mobile(phone) is not None
        )
        return await referrers.refer(
            uow, referral, reference, services.settings.service, services.clock.now()
        )
