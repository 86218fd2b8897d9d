"""Booking sessions, their confirmation requests, the answers, cancelling and attendance."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flows import check_ins, texts
from flows.appointments import (
    Appointment,
    AppointmentStatus,
    NewAppointment,
    PlannedReminder,
    first_name,
    plan_reminders,
    reply_to_request,
    when,
)
from flows.messages import Priority, Reply
from flows.model import CasePriority, Client, due_by
from flows.ports import DueTimer, NewCase, OutgoingDraft, Store
from flows.sendwindow import SendWindow
from flows.texts import ServiceInfo


class NotStarted(Exception):
    """Attendance can only be recorded once the session has started."""


def _when(appointment: Appointment, service: ServiceInfo) -> str:
    return when(appointment.starts_at, ZoneInfo(service.timezone))


async def _tell(store: Store, client: Client, text: str, kind: str, now: datetime) -> None:
    if client.opted_out:
        return
    await store.add_outgoing(
        OutgoingDraft(client.id, client.address, text, kind, Priority.SCHEDULED, now)
    )


REMINDER = "reminder"


@dataclass(frozen=True, slots=True)
class Booked:
    appointment: Appointment
    reminders: tuple[PlannedReminder, ...] = ()  # those that will go, and those that cannot


async def book(
    store: Store,
    client: Client,
    new: NewAppointment,
    service: ServiceInfo,
    now: datetime,
    *,
    offsets: list[timedelta],
    window: SendWindow,
    follow_up_after: timedelta,
    outcome: AppointmentStatus | None = None,
) -> Booked:
    """Book a session, ask the client to confirm it and set its reminders; a past one is
    only recorded."""
    appointment = await store.add_appointment(new)
    if new.starts_at <= now:
        if outcome is not None:
            await store.set_appointment(appointment.id, outcome, now, outcome=True)
            await check_ins.schedule(store, client.id, now, after=follow_up_after, window=window)
            return Booked(replace(appointment, status=outcome))
        return Booked(appointment)
    text = texts.APPT_CONFIRM.format(
        service=service.name,
        worker=first_name(new.worker),
        when=_when(appointment, service),
        location=new.location,
    )
    await _tell(store, client, text, "appointment_confirm", now)
    return Booked(
        appointment, await _set_reminders(store, client, appointment, now, offsets, window)
    )


async def _set_reminders(
    store: Store,
    client: Client,
    appointment: Appointment,
    now: datetime,
    offsets: list[timedelta],
    window: SendWindow,
) -> tuple[PlannedReminder, ...]:
    plans = tuple(plan_reminders(appointment.starts_at, offsets, window, now))
    for plan in plans:
        subject = f"{appointment.id}:{plan.label}"
        if plan.dropped:
            await store.record_dropped_timer(client.id, REMINDER, plan.due_at, now, subject)
        else:
            await store.set_timer(client.id, REMINDER, plan.due_at, now, subject)
    return plans


async def move(
    store: Store,
    client: Client,
    appointment: Appointment,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    service: ServiceInfo,
    now: datetime,
    *,
    offsets: list[timedelta],
    window: SendWindow,
) -> Booked:
    """A new time or place: old reminders withdrawn, the client asked to confirm again."""
    await _withdraw_reminders(store, appointment)
    moved = await store.reschedule_appointment(
        appointment.id, starts_at, duration_minutes, location
    )
    text = texts.APPT_MOVED.format(
        service=service.name,
        worker=first_name(moved.worker),
        when=_when(moved, service),
        location=location,
    )
    await _tell(store, client, text, "appointment_moved", now)
    return Booked(moved, await _set_reminders(store, client, moved, now, offsets, window))


async def _withdraw_reminders(store: Store, appointment: Appointment) -> None:
    await store.cancel_timers_about(REMINDER, f"{appointment.id}:")


async def fire_reminder(store: Store, timer: DueTimer, service: ServiceInfo, now: datetime) -> int:
    """Send a due reminder, unless the session is over, cancelled or already past."""
    appointment = await store.appointment(int(timer.subject.split(":")[0]))
    if appointment is None or appointment.status not in (
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
    ):
        return 0
    if now >= appointment.starts_at:
        await store.mark_timer(timer.id, "dropped")  # too late: kept as the record
        return 0
    client = await store.client(appointment.client_id)
    if client is None or client.opted_out:
        return 0
    text = texts.APPT_REMINDER.format(
        service=service.name,
        worker=first_name(appointment.worker),
        when=_when(appointment, service),
        location=appointment.location,
    )
    # It is no use after the start: the outbox drops it then, and Twilio's queue too.
    await store.add_outgoing(
        OutgoingDraft(
            client.id,
            client.address,
            text,
            "appointment_reminder",
            Priority.SCHEDULED,
            now,
            expires_at=appointment.starts_at,
        )
    )
    return 1


async def answer(
    store: Store,
    client: Client,
    text: str,
    service: ServiceInfo,
    now: datetime,
    *,
    ask_if_unclear: bool = True,
) -> tuple[list[Reply], bool] | None:
    """A reply to the nearest unanswered confirmation request, or None when it is not one.

    Returns the replies and whether a case should open (a no). Something unclear is asked
    about once (not while a person is talking with them); after that it is left to the queue."""
    said = reply_to_request(text)
    if said is False:
        # A no also answers a confirmed session: "if you can't make it, reply NO".
        going = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
        upcoming = await store.upcoming_appointment(client.id, now, going, unanswered=False)
        if upcoming is None:
            return None
        await store.set_appointment(upcoming.id, AppointmentStatus.REARRANGE, now, answered=True)
        await _withdraw_reminders(store, upcoming)
        at = _when(upcoming, service)
        return [Reply(texts.APPT_REARRANGE.format(when=at), "appointment_rearrange")], True
    request = await store.upcoming_appointment(
        client.id, now, (AppointmentStatus.BOOKED,), unanswered=True
    )
    if request is None:
        return None
    at = _when(request, service)
    if said is True:
        await store.set_appointment(request.id, AppointmentStatus.CONFIRMED, now, answered=True)
        done = texts.APPT_CONFIRMED.format(when=at, location=request.location)
        return [Reply(done, "appointment_confirmed")], False
    if ask_if_unclear and not request.asked_again:
        await store.set_appointment(request.id, request.status, now, asked_again=True)
        again = Reply(texts.APPT_ASK_AGAIN.format(when=at), "appointment_ask_again")
        return [again], False
    return None  # asked once already: it goes to a link worker like any other message


async def cancel(
    store: Store, client: Client, appointment: Appointment, service: ServiceInfo, now: datetime
) -> None:
    await store.set_appointment(appointment.id, AppointmentStatus.CANCELLED, now)
    await _withdraw_reminders(store, appointment)
    if appointment.starts_at > now:
        text = texts.APPT_CANCELLED.format(
            service=service.name, when=_when(appointment, service), location=appointment.location
        )
        await _tell(store, client, text, "appointment_cancelled", now)


async def record_attendance(
    store: Store,
    client: Client,
    appointment: Appointment,
    outcome: AppointmentStatus,
    now: datetime,
    *,
    follow_up_after: timedelta,
    window: SendWindow,
) -> None:
    """Attended or DNA; after a DNA, one kind message and a case for the link worker. The
    follow-up check-in is set from the latest attended session."""
    if appointment.starts_at > now:
        raise NotStarted(appointment.id)
    await store.set_appointment(appointment.id, outcome, now, outcome=True)
    await _withdraw_reminders(store, appointment)
    await check_ins.schedule(store, client.id, now, after=follow_up_after, window=window)
    if outcome is AppointmentStatus.DNA:
        await _tell(store, client, texts.APPT_DNA, "appointment_dna", now)
        if await store.open_case_for(client.id) is None:
            await store.add_case(
                NewCase(
                    client.id,
                    client.practice_id,
                    "dna",
                    CasePriority.NORMAL,
                    now,
                    due_by(CasePriority.NORMAL, now),
                )
            )
