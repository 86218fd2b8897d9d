"""Booking by reply: offering a client free slots, reading their answer, and giving a freed
slot to the waiting list (first reply wins).

Only when the service allows it (``ServiceInfo.booking``). The offered slots are held for the
client for ``BookingRules.hold``; a reply after that is offered the times free then. A slot
taken by someone else between the offer and the reply (a clash at reply time) is offered
again too. Every booking goes through ``appointments.book``: the one place that refuses a
clash and sets the reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flows import availability, texts
from flows.appointments import Appointment, NewAppointment, first_name, when
from flows.availability import Slot
from flows.conversations import welcome
from flows.engine import appointments as booking
from flows.engine.cases import open_case
from flows.messages import Button, Priority, Reply
from flows.model import Case, CasePriority, Client
from flows.offers import (
    ANSWERABLE_FOR,
    CALL,
    FreedSlot,
    Offer,
    OfferReason,
    OfferStatus,
    read_answer,
)
from flows.ports import Unit
from flows.texts import ServiceInfo

FREED_TO_AT_ONCE = 3  # waiting clients a freed slot is offered to together
CASE_REASON = "booking"  # no free slot to offer, or they asked for a call


@dataclass(slots=True)
class Answered:
    """What came of an answer to an offer: replies, and a case when a person should help."""

    replies: list[Reply] = field(default_factory=list)
    case: Case | None = None


def _zone(service: ServiceInfo) -> ZoneInfo:
    return ZoneInfo(service.timezone)


def _until(expires_at: datetime, now: datetime, service: ServiceInfo) -> str:
    """ "3pm" today, else "Tue 8 Dec at 9am"."""
    zone = _zone(service)
    said = when(expires_at, zone)
    if expires_at.astimezone(zone).date() == now.astimezone(zone).date():
        return said.split(" at ", 1)[1]
    return said


async def free_slots(
    uow: Unit, client: Client, now: datetime, *, worker_id: int | None = None
) -> list[Slot]:
    """Free slots for the client, soonest first: with the link workers of their practice
    (only ``worker_id`` when given and they have free slots), from ``SOONEST`` to
    ``LOOK_AHEAD`` from now."""
    workers = await uow.availability.workers_for(client.practice_id)
    if not workers:
        return []
    start, end = now + availability.SOONEST, now + availability.LOOK_AHEAD
    patterns = await uow.availability.patterns(workers)
    busy = await uow.availability.busy(list(workers), start, end, now, for_client=client.id)
    found = availability.free(availability.slots(patterns, uow.calendar, start, end), busy)
    mine = [s for s in found if s.worker_id == worker_id]
    return mine or found


async def offer(
    uow: Unit,
    client: Client,
    reason: OfferReason,
    service: ServiceInfo,
    now: datetime,
    *,
    opening: str | None = None,
    worker_id: int | None = None,
) -> Reply | None:
    """Offer the client up to three free slots, held for them; None when there are none."""
    rules = service.booking
    if rules is None:
        return None
    chosen = availability.choose(await free_slots(uow, client, now, worker_id=worker_id))
    if not chosen:
        return None
    expires_at = now + rules.hold
    offers = await uow.offers.add(client.id, chosen, reason, now, expires_at)
    zone = _zone(service)
    choices = [(when(o.starts_at, zone), first_name(o.worker), o.location) for o in offers]
    text = texts.offer(
        opening or texts.OFFER_OPENING_NEW.format(service=service.name),
        choices,
        _until(expires_at, now, service),
    )
    buttons = tuple(
        Button(f"{o.choice}) {choices[i][0]}", str(o.choice)) for i, o in enumerate(offers)
    )
    return Reply(text, "slot_offer", buttons=(*buttons, Button("Call me instead", CALL)))


class InConversation(Exception):
    """The client is part-way through a conversation with the bot, whose own answers the
    numbers would be."""


async def offer_unasked(
    uow: Unit, client: Client, service: ServiceInfo, now: datetime
) -> Reply | None:
    """Offer times to a client who did not ask just now (a link worker offers them), sent in
    the send window; None when nothing is free. The welcome's menu gives way (the offer's
    numbers are what count now); ``InConversation`` for any other conversation under way."""
    if client.flow is not None:
        if client.flow != welcome.NAME:
            raise InConversation(client.flow)
        await uow.clients.set_conversation(client.id, None, {}, now)
    made = await offer(uow, client, OfferReason.FIRST_SESSION, service, now)
    if made is not None:
        await booking.tell(uow, client, replace(made, priority=Priority.SCHEDULED), now)
    return made


async def answer(
    uow: Unit, client: Client, text: str, service: ServiceInfo, now: datetime
) -> Answered | None:
    """A reply to the client's latest offer, or None when it is not one (no live batch, or
    the message is not a number or CALL)."""
    said = read_answer(text)
    if said is None or service.booking is None:
        return None
    batch = await uow.offers.latest(client.id, now - ANSWERABLE_FOR)
    if not batch or batch[0].status is not OfferStatus.OFFERED:
        return None
    first = batch[0]
    if said == CALL:
        await uow.offers.settle(first.batch, OfferStatus.GONE, now)
        case = await open_case(uow, client, CASE_REASON, now, CasePriority.HIGH)
        return Answered([Reply(texts.OFFER_CALL, "slot_offer_call")], case)
    assert isinstance(said, int)
    picked = next((o for o in batch if o.choice == said), None)
    if picked is None:
        which = texts.OFFER_WHICH.format(numbers=texts.numbers(len(batch)))
        return Answered([Reply(which, "slot_offer_which")])
    if picked.reason is OfferReason.FREED:
        return await _take_freed(uow, client, picked, service, now)
    if now >= picked.expires_at:
        await uow.offers.settle(first.batch, OfferStatus.LAPSED, now)
        opening = texts.OFFER_OPENING_LAPSED.format(until=_until(picked.expires_at, now, service))
        return await _offer_again(uow, client, picked, opening, service, now)
    booked = await _book(uow, client, picked, service, now)
    if booked is None:  # taken between the offer and the reply
        await uow.offers.settle(first.batch, OfferStatus.GONE, now)
        return await _offer_again(uow, client, picked, texts.OFFER_OPENING_TAKEN, service, now)
    await uow.offers.settle(first.batch, OfferStatus.GONE, now, taken=(picked.id, booked.id))
    return Answered([_booked_reply(booked, service)])


async def _offer_again(
    uow: Unit, client: Client, was: Offer, opening: str, service: ServiceInfo, now: datetime
) -> Answered:
    again = await offer(
        uow, client, was.reason, service, now, opening=opening, worker_id=was.worker_id
    )
    if again is not None:
        return Answered([again])
    case = await open_case(uow, client, CASE_REASON, now, CasePriority.HIGH)
    return Answered([Reply(f"{opening} {texts.OFFER_NONE_FREE}", "slot_offer_none")], case)


async def _book(
    uow: Unit, client: Client, offer: Offer, service: ServiceInfo, now: datetime
) -> Appointment | None:
    """Book the offered slot, or None when it clashes now."""
    rules = service.booking
    assert rules is not None
    new = NewAppointment(
        client.id,
        offer.starts_at,
        offer.minutes,
        offer.location,
        offer.worker,
        None,
        now,
        offer.worker_id,
    )
    try:
        made = await booking.book(
            uow,
            client,
            new,
            service,
            now,
            offsets=list(rules.reminder_offsets),
            window=rules.window,
            follow_up_after=timedelta(0),
            chosen=True,
        )
    except booking.Clash:
        return None
    await uow.waiting_list.end(client.id, "booked", now)
    return made.appointment


def _booked_reply(appointment: Appointment, service: ServiceInfo) -> Reply:
    text = texts.OFFER_BOOKED.format(
        when=when(appointment.starts_at, _zone(service)),
        location=appointment.location,
        worker=first_name(appointment.worker),
    )
    return Reply(text, "slot_booked")


async def _take_freed(
    uow: Unit, client: Client, picked: Offer, service: ServiceInfo, now: datetime
) -> Answered:
    """First to answer has the freed slot; the others are told kindly that it has gone."""
    assert picked.freed_slot_id is not None
    gone = Reply(
        texts.FREED_GONE.format(when=when(picked.starts_at, _zone(service))), "freed_slot_gone"
    )
    if now >= picked.expires_at:  # no longer held: it may be taken, or too near to come to
        await uow.offers.settle(picked.batch, OfferStatus.LAPSED, now)
        text = texts.FREED_LAPSED.format(when=when(picked.starts_at, _zone(service)))
        return Answered([Reply(text, "freed_slot_lapsed")])
    if not await uow.waiting_list.take(picked.freed_slot_id, client.id):
        await uow.offers.settle(picked.batch, OfferStatus.GONE, now)
        return Answered([gone])
    # Theirs now: the others' offers of it end before booking, so they do not hold it.
    others = await uow.offers.others_for(picked.freed_slot_id, client.id, now)
    for other_id in others:
        other = await uow.clients.get(other_id)
        if other is not None:
            await booking.tell(uow, other, Reply(gone.text, gone.kind, Priority.SCHEDULED), now)
    booked = await _book(uow, client, picked, service, now)
    if booked is None:  # booked some other way in the meantime
        await uow.offers.settle(picked.batch, OfferStatus.GONE, now)
        return Answered([gone])
    await uow.offers.settle(picked.batch, OfferStatus.GONE, now, taken=(picked.id, booked.id))
    return Answered([_booked_reply(booked, service)])


async def after_no(
    uow: Unit, client: Client, given_up: Appointment, service: ServiceInfo, now: datetime
) -> Reply | None:
    """A NO to a session: its slot may go to the waiting list, and the client is offered
    other times (preferring the same link worker); None when booking by reply is off or
    nothing is free."""
    if service.booking is None:
        return None
    await slot_freed(uow, given_up, client.practice_id, service, now)
    opening = texts.OFFER_OPENING_REARRANGE.format(when=when(given_up.starts_at, _zone(service)))
    return await offer(
        uow,
        client,
        OfferReason.REARRANGE,
        service,
        now,
        opening=opening,
        worker_id=given_up.worker_id,
    )


async def slot_freed(
    uow: Unit, given_up: Appointment, practice_id: int | None, service: ServiceInfo, now: datetime
) -> int:
    """A session given up (cancelled or a NO) at least ``freed_notice`` ahead is offered to
    up to three waiting clients; returns how many were offered it."""
    rules = service.booking
    if rules is None or given_up.starts_at - now < rules.freed_notice:
        return 0
    freed = await uow.waiting_list.free(given_up, practice_id, now)
    if freed is None:
        return 0
    waiting = [
        c
        for c in await uow.waiting_list.next_for(freed, now, FREED_TO_AT_ONCE + 1)
        if c != given_up.client_id
    ]
    if not waiting:
        return 0
    await uow.waiting_list.offered(freed.id, now)
    expires_at = min(now + rules.hold, freed.starts_at - availability.SOONEST)
    slot = Slot(freed.worker_id, freed.worker, freed.starts_at, freed.minutes, freed.location)
    text = _freed_text(freed, service)
    for client_id in waiting[:FREED_TO_AT_ONCE]:
        client = await uow.clients.get(client_id)
        if client is None:
            continue
        await uow.offers.add(client.id, [slot], OfferReason.FREED, now, expires_at, freed.id)
        message = Reply(
            text, "freed_slot_offer", Priority.SCHEDULED, buttons=(Button("Take it", "1"),)
        )
        await booking.tell(uow, client, message, now)
    return min(len(waiting), FREED_TO_AT_ONCE)


def _freed_text(freed: FreedSlot, service: ServiceInfo) -> str:
    return texts.FREED_OFFER.format(
        service=service.name,
        when=when(freed.starts_at, _zone(service)),
        location=freed.location,
        worker=first_name(freed.worker),
    )
