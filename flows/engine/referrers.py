"""Professional referrals, and keeping their referrers informed.

Referrers are "never sure a referral has been received", so each one hears: received (at
once, with the reference), picked up by a named link worker, first contact made, and closed.
Updates say nothing clinical and nothing about the client beyond the reference. They go by SMS
to the referrer's phone, or by e-mail when only an address was given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flows import texts
from flows.engine import outgoing
from flows.engine.cases import open_case
from flows.messages import Address, Channel, Priority, Reply
from flows.model import Case, StaffUser
from flows.ports import Unit
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
    phone: str | None  # E.164
    email: str | None


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
    """Record a professional's referral, queue it for the practice, and tell both people."""
    address = Address.of(Channel.SMS, referral.client_phone)
    client = await uow.clients.by_address(address)
    if client is None:
        client = await uow.clients.add(address, referral.client_phone, now)
    details = referral.details
    dob = details.date_of_birth.isoformat() if details.date_of_birth else None
    if client.name and client.name.casefold() != referral.client_name.casefold():
        # The number is already someone we know by another name (a carer's phone, say):
        # keep theirs, and say so on the referral for the link worker to sort out.
        note = f"Referred as {referral.client_name}, born {dob or 'unknown'}."
        details = replace(details, notes=f"{note} {details.notes or ''}".strip())
        await uow.clients.fill_details(client.id, None, None, details.practice_id)
    else:
        await uow.clients.fill_details(client.id, referral.client_name, dob, details.practice_id)
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
        )
    )
    await uow.referrals.save(saved.id, details, ReferralStatus.SUBMITTED, now)
    case = await open_case(uow, client, "referral", now, practice_id=details.practice_id)
    await uow.cases.route(case.id, details.practice_id, None)
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
    if referral.referrer_phone:
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
