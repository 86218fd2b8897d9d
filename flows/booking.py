"""Booking sessions, their confirmation requests, the answers, cancelling and attendance."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from flows import texts
from flows.appointments import (
    Appointment,
    AppointmentStatus,
    NewAppointment,
    first_name,
    reply_to_request,
    when,
)
from flows.messages import Priority, Reply
from flows.model import CasePriority, Client, due_by
from flows.ports import NewCase, OutgoingDraft, Store
from flows.texts import ServiceInfo


class NotStarted(Exception):
    """Attendance can only be recorded once the session has started."""


def _when(appointment: Appointment, service: ServiceInfo) -> str:
    return when(appointment.starts_at, ZoneInfo(service.timezone))


async def _tell(store: Store, client: Client, text: str, kind: str, now: datetime) -> None:
    if client.opted_out:
        return
    await store.add_outgoing(OutgoingDraft(client.id, client.address, text, kind,
                                           Priority.SCHEDULED, now))  # fmt: skip


async def book(
    store: Store, client: Client, new: NewAppointment, service: ServiceInfo, now: datetime,
    outcome: AppointmentStatus | None = None,
) -> Appointment:
    """Book a session and ask the client to confirm it; a past one is only recorded."""
    appointment = await store.add_appointment(new)
    if new.starts_at <= now:
        if outcome is not None:
            await store.set_appointment(appointment.id, outcome, now, outcome=True)
            return replace(appointment, status=outcome)
        return appointment
    text = texts.APPT_CONFIRM.format(service=service.name, worker=first_name(new.worker),
                                     when=_when(appointment, service),
                                     location=new.location)  # fmt: skip
    await _tell(store, client, text, "appointment_confirm", now)
    return appointment


async def answer(
    store: Store, client: Client, text: str, service: ServiceInfo, now: datetime, *,
    ask_if_unclear: bool = True,
) -> tuple[list[Reply], bool] | None:
    """A reply to the nearest unanswered confirmation request, or None when it is not one.

    Returns the replies and whether a case should open (a no). Something unclear is asked
    about once (not while a person is talking with them); after that it is left to the queue."""
    request = await store.appointment_request(client.id, now)
    if request is None:
        return None
    said = reply_to_request(text)
    at = _when(request, service)
    if said is True:
        await store.set_appointment(request.id, AppointmentStatus.CONFIRMED, now, answered=True)
        done = texts.APPT_CONFIRMED.format(when=at, location=request.location)
        return [Reply(done, "appointment_confirmed")], False
    if said is False:
        await store.set_appointment(request.id, AppointmentStatus.REARRANGE, now, answered=True)
        return [Reply(texts.APPT_REARRANGE.format(when=at), "appointment_rearrange")], True
    if ask_if_unclear and not request.asked_again:
        await store.set_appointment(request.id, request.status, now, asked_again=True)
        again = Reply(texts.APPT_ASK_AGAIN.format(when=at), "appointment_ask_again")
        return [again], False
    return None  # asked once already: it goes to a link worker like any other message


async def cancel(
    store: Store, client: Client, appointment: Appointment, service: ServiceInfo, now: datetime
) -> None:
    await store.set_appointment(appointment.id, AppointmentStatus.CANCELLED, now)
    if appointment.starts_at > now:
        text = texts.APPT_CANCELLED.format(service=service.name, when=_when(appointment, service),
                                           location=appointment.location)  # fmt: skip
        await _tell(store, client, text, "appointment_cancelled", now)


async def record_attendance(
    store: Store, client: Client, appointment: Appointment, outcome: AppointmentStatus,
    now: datetime,
) -> None:
    """Attended or DNA; after a DNA, one kind message and a case for the link worker."""
    if appointment.starts_at > now:
        raise NotStarted(appointment.id)
    await store.set_appointment(appointment.id, outcome, now, outcome=True)
    if outcome is AppointmentStatus.DNA:
        await _tell(store, client, texts.APPT_DNA, "appointment_dna", now)
        if await store.open_case_for(client.id) is None:
            await store.add_case(NewCase(client.id, client.practice_id, "dna",
                                         CasePriority.NORMAL, now,
                                         due_by(CasePriority.NORMAL, now)))  # fmt: skip
