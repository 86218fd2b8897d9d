"""Professional referrals, and keeping their referrers informed.

Referrers are "never sure a referral has been received", so each one hears: received (at
once, with the reference), picked up by a named link worker, first contact made, and closed.
Updates say nothing clinical and nothing about the client beyond the reference. They go by SMS
to the referrer's mobile, or by e-mail when no mobile was given; when neither can go (an e-mail
address on a service that sends none) nothing is queued, and the case says to phone them.

A referral never moves or overwrites a client already held (found by phone): what it gives is
kept on the referral, a disagreement is written on it for a person to resolve, and its case
goes to the client's own practice. Only what is not yet known is filled in, as for a new
client; a client in the shared pool joins the practice the referral names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flows import phones, texts
from flows.engine import outgoing
from flows.engine.cases import open_case
from flows.messages import Address, Channel, Priority, Reply
from flows.model import Case, Client, StaffUser
from flows.ports import Unit
from flows.practices import PracticeInfo
from flows.referrals import (
    NewReferral,
    Pathway,
    Referral,
    ReferralDetails,
    ReferralSource,
    ReferralStatus,
)
from flows.texts import ServiceInfo


@dataclass(frozen=True, slots=True)
class Referrer:
    name: str
    role: str | None
    organisation: str | None
    pathway: Pathway
    phone: str | None  # E.164: a mobile for texts, or a landline beside an e-mail address
    email: str | None
    unreachable: bool = False  # no mobile, and no e-mail this service can send: ring them


@dataclass(frozen=True, slots=True)
class ProfessionalReferral:
    referrer: Referrer
    client_name: str
    client_phone: str  # E.164
    details: ReferralDetails  # date of birth, practice, needs and notes; no contact answers
    client_can_text: bool = True  # False for a landline: the link worker will ring


@dataclass(frozen=True, slots=True)
class Accepted:
    referral_id: int
    reference: str
    client_id: int
    case_id: int


async def refer(
    uow: Unit,
    referral: ProfessionalReferral,
    reference: str,
    service: ServiceInfo,
    now: datetime,
) -> Accepted:
    """Record a professional's referral, queue it for the client's practice, and tell both
    people."""
    address = Address.of(Channel.SMS, referral.client_phone)
    client = await uow.clients.by_address(address)
    if client is None:
        client = await uow.clients.add(address, referral.client_phone, now)
    details = referral.details
    practices = {p.id: p for p in await uow.practices.all()}
    differs = mismatch(client, referral.client_name, details, practices)
    await _fill_in(uow, client, referral.client_name, details)
    # The case is the client's own practice's to work (or, from the pool, the one named).
    home = client.practice_id or details.practice_id
    who = referral.referrer
    saved = await uow.referrals.add(
        NewReferral(
            reference,
            client.id,
            ReferralSource.PROFESSIONAL,
            ReferralStatus.SUBMITTED,
            now,
            pathway=who.pathway,
            referrer_name=who.name,
            referrer_role=who.role,
            referrer_organisation=who.organisation,
            referrer_phone=who.phone,
            referrer_email=who.email,
            date_of_birth=details.date_of_birth,
            mismatch=differs,
            referrer_unreachable=who.unreachable,
        )
    )
    await uow.referrals.save(saved.id, details, ReferralStatus.SUBMITTED, now)
    case = await open_case(uow, client, "referral", now, practice_id=home)
    await uow.cases.route(case.id, home)
    await uow.referrals.link_case(saved.id, case.id)

    if referral.client_can_text:
        first = referral.client_name.split()[0]
        # Who referred them is left out: "the memory clinic" on a shared phone says too much.
        notice = texts.PRO_CLIENT_NOTICE.format(name=first, service=service.name)
        # Unasked-for news from us: it waits for the send window.
        reply = Reply(notice, "referral_notice", Priority.SCHEDULED)
        await outgoing.to_client(uow, client, reply, now, case_id=case.id)
    fresh = await uow.referrals.by_reference(reference)
    assert fresh is not None
    await _tell(uow, fresh, texts.REFERRER_RECEIVED, service, now)
    if case.assigned_to is not None:
        # It joined a case a link worker already has: the referrer hears who, now.
        worker = await uow.staff.name(case.assigned_to) or "a link worker"
        await uow.referrals.mark(saved.id, "picked_up", now)
        await _tell(uow, fresh, texts.REFERRER_PICKED_UP, service, now, worker=worker)
    return Accepted(saved.id, reference, client.id, case.id)


def _same_name(held: str, given: str) -> bool:
    return " ".join(held.split()).casefold() == " ".join(given.split()).casefold()


def mismatch(
    held: Client, name: str, given: ReferralDetails, practices: Mapping[int, PracticeInfo]
) -> str | None:
    """Where a referral disagrees with the client already held, in plain words for the person
    who resolves it; None when nothing differs. What is held is not repeated (the client's
    page shows it beside this) except the practice they are with: the people who see the case
    are that practice's, and they need both names to sort it out."""

    def named(practice_id: int) -> str:
        practice = practices.get(practice_id)
        return f"{practice.name} ({practice.code})" if practice else "another practice"

    found = []
    if held.name and not _same_name(held.name, name):
        found.append(f"The name given ({name}) differs from the one held.")
    if given.practice_id and held.practice_id and given.practice_id != held.practice_id:
        found.append(
            f"The referral names {named(given.practice_id)}; "
            f"the client is with {named(held.practice_id)}."
        )
    born = given.date_of_birth.isoformat() if given.date_of_birth else None
    if born and held.date_of_birth and born != held.date_of_birth:
        found.append(f"The date of birth given ({born}) differs from the one held.")
    return " ".join(found) or None


async def _fill_in(uow: Unit, client: Client, name: str, given: ReferralDetails) -> None:
    """Fill in what is not yet known of the client from the referral; replace nothing.

    When the number is already someone we know by another name (a carer's phone, say), nothing
    of the referral goes on their record: it may be someone else's."""
    if client.name and not _same_name(client.name, name):
        return
    born = given.date_of_birth.isoformat() if given.date_of_birth else None
    await uow.clients.fill_details(
        client.id,
        None if client.name else name,
        None if client.date_of_birth else born,
        None if client.practice_id else given.practice_id,
    )


async def _tell(
    uow: Unit,
    referral: Referral,
    template: str,
    service: ServiceInfo,
    now: datetime,
    **fill: str,
) -> None:
    if referral.source is not ReferralSource.PROFESSIONAL:
        return  # self and friend referrals have no referrer to tell; a friend never hears
    if referral.referrer_unreachable:
        return  # nothing is queued that could never go: the case says to phone them
    if referral.referrer_phone and phones.uk_mobile(referral.referrer_phone):
        address = Address.of(Channel.SMS, referral.referrer_phone)
    elif referral.referrer_email:
        address = Address(f"mailto:{referral.referrer_email}")
    else:
        return
    text = template.format(service=service.name, reference=referral.reference, **fill)
    await outgoing.to_referrer(uow, address, text, referral.id, now)


async def picked_up(
    uow: Unit, case: Case, user: StaffUser, service: ServiceInfo, now: datetime
) -> None:
    for referral in await uow.referrals.for_case(case.id):
        if referral.picked_up_at is None:
            await uow.referrals.mark(referral.id, "picked_up", now)
            await _tell(uow, referral, texts.REFERRER_PICKED_UP, service, now, worker=user.name)


async def first_contact(uow: Unit, case: Case, service: ServiceInfo, now: datetime) -> None:
    for referral in await uow.referrals.for_case(case.id):
        if referral.first_contact_at is None:
            await uow.referrals.mark(referral.id, "first_contact", now)
            await _tell(uow, referral, texts.REFERRER_FIRST_CONTACT, service, now)


async def closed(uow: Unit, case: Case, service: ServiceInfo, now: datetime) -> None:
    for referral in await uow.referrals.for_case(case.id):
        if referral.closed_at is None:
            await uow.referrals.mark(referral.id, "closed", now)
            await _tell(uow, referral, texts.REFERRER_CLOSED, service, now)
