"""Sessions through the engine: booking, the confirmation request and its answer, moving,
cancelling, reminders and attendance. Messages about a session say when, where and with whom,
never why."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flows import phones, texts, variants
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
from flows.availability import Busy, clash
from flows.engine import check_ins, outgoing
from flows.engine.cases import open_case
from flows.messages import Channel, Priority, Reply
from flows.model import Case, CasePriority, Client, DueTimer
from flows.ports import Unit
from flows.sendwindow import SendWindow
from flows.texts import ServiceInfo

REMINDER = "reminder"
_CHOOSER = random.SystemRandom()  # which reminder wording a new booking is given
GOING = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


class NotStarted(Exception):
    """Attendance can only be recorded once the session has started."""


class Clash(Exception):
    """The link worker cannot take a session then: ``busy`` says why (booked, leave, held)."""

    def __init__(self, busy: Busy) -> None:
        super().__init__(busy.why)
        self.busy = busy


@dataclass(frozen=True, slots=True)
class Booked:
    appointment: Appointment
    reminders: tuple[PlannedReminder, ...] = ()  # those that will go, and those that cannot


def _when(appointment: Appointment, service: ServiceInfo) -> str:
    return when(appointment.starts_at, ZoneInfo(service.timezone))


async def _tell(uow: Unit, client: Client, text: str, kind: str, now: datetime) -> None:
    """News about a session: unasked for, so it waits for the send window."""
    await tell(uow, client, Reply(text, kind, Priority.SCHEDULED), now)


def _about_session(
    client: Client,
    service: ServiceInfo,
    kind: str,
    template: str,
    spoken: str,
    appointment: Appointment,
) -> Reply:
    """News of a session, unasked for (it waits for the send window): by message, or for a
    client whose number is a landline, by a phone call when the service can make one."""
    fields = {
        "service": service.name,
        "worker": first_name(appointment.worker),
        "when": _when(appointment, service),
        "location": appointment.location,
    }
    by_phone = (
        service.voice and client.address.channel is Channel.SMS and phones.is_landline(client.phone)
    )
    said = spoken.format(**fields) if by_phone else None
    return Reply(template.format(**fields), kind, Priority.SCHEDULED, spoken=said)


async def tell(uow: Unit, client: Client, reply: Reply, now: datetime) -> None:
    await outgoing.to_client(uow, client, reply, now)


async def refuse_clash(
    uow: Unit,
    client_id: int,
    worker_id: int | None,
    starts_at: datetime,
    minutes: int,
    now: datetime,
) -> None:
    """Raise ``Clash`` when the worker has a session, leave or a slot held for someone else
    overlapping that time: the one home of the rule. Takes the worker's lock first, so two
    bookings with one worker cannot both pass."""
    if worker_id is None:
        return
    await uow.availability.lock_worker(worker_id)
    ends_at = starts_at + timedelta(minutes=minutes)
    busy = await uow.availability.busy([worker_id], starts_at, ends_at, now, for_client=client_id)
    found = clash(worker_id, starts_at, minutes, busy)
    if found is not None:
        raise Clash(found)


async def book(
    uow: Unit,
    client: Client,
    new: NewAppointment,
    service: ServiceInfo,
    now: datetime,
    *,
    offsets: list[timedelta],
    window: SendWindow,
    follow_up_after: timedelta,
    outcome: AppointmentStatus | None = None,
    chosen: bool = False,
) -> Booked:
    """Book a session, ask the client to confirm it and set its reminders; a past one is
    only recorded. ``chosen``: the client picked the time themselves (booking by reply), so
    it is confirmed already and they are not asked. Raises ``Clash`` for a session still to
    come that the worker cannot take."""
    if new.starts_at > now:
        await refuse_clash(
            uow, new.client_id, new.worker_id, new.starts_at, new.duration_minutes, now
        )
    if new.starts_at > now and service.reminder_variants:
        new = replace(new, reminder_variant=variants.assign(service.reminder_variants, _CHOOSER))
    appointment = await uow.appointments.add(new)
    if new.starts_at <= now:
        if outcome is not None:
            await uow.appointments.set_status(appointment.id, outcome, now, outcome=True)
            await check_ins.schedule(uow, client.id, now, after=follow_up_after, window=window)
            return Booked(replace(appointment, status=outcome))
        return Booked(appointment)
    if chosen:
        await uow.appointments.set_status(
            appointment.id, AppointmentStatus.CONFIRMED, now, answered=True
        )
        appointment = replace(appointment, status=AppointmentStatus.CONFIRMED)
        reminders = await _set_reminders(uow, client, appointment, now, offsets, window)
        return Booked(appointment, reminders)
    request = _about_session(
        client, service, "appointment_confirm", texts.APPT_CONFIRM, texts.VOICE_CONFIRM, appointment
    )
    await tell(uow, client, request, now)
    reminders = await _set_reminders(uow, client, appointment, now, offsets, window)
    return Booked(appointment, reminders)


async def _set_reminders(
    uow: Unit,
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
            await uow.timers.record_dropped(client.id, REMINDER, plan.due_at, now, subject)
        else:
            await uow.timers.set(client.id, REMINDER, plan.due_at, now, subject)
    return plans


async def move(
    uow: Unit,
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
    await _withdraw_reminders(uow, appointment)
    moved = await uow.appointments.reschedule(appointment.id, starts_at, duration_minutes, location)
    news = _about_session(
        client, service, "appointment_moved", texts.APPT_MOVED, texts.VOICE_MOVED, moved
    )
    await tell(uow, client, news, now)
    return Booked(moved, await _set_reminders(uow, client, moved, now, offsets, window))


async def _withdraw_reminders(uow: Unit, appointment: Appointment) -> None:
    await uow.timers.cancel_about(REMINDER, f"{appointment.id}:")


async def fire_reminder(uow: Unit, timer: DueTimer, service: ServiceInfo, now: datetime) -> int:
    """Send a due reminder, unless the session is over, cancelled or already past."""
    appointment = await uow.appointments.get(int(timer.subject.split(":")[0]))
    if appointment is None or appointment.status not in GOING:
        return 0
    if now >= appointment.starts_at:
        await uow.timers.mark(timer.id, "dropped")  # too late: kept as the record
        return 0
    client = await uow.clients.get(appointment.client_id)
    if client is None:
        return 0
    wording = variants.named(service.reminder_variants, appointment.reminder_variant)
    template = wording.text if wording and wording.text else texts.APPT_REMINDER
    # It is no use after the start: the outbox drops it then, and Twilio's queue too.
    reminder = _about_session(
        client, service, "appointment_reminder", template, texts.VOICE_REMINDER, appointment
    )
    sent = await outgoing.to_client(uow, client, reminder, now, expires_at=appointment.starts_at)
    return 0 if sent is None else 1


async def answer(
    uow: Unit,
    client: Client,
    text: str,
    service: ServiceInfo,
    now: datetime,
    *,
    ask_if_unclear: bool = True,
) -> tuple[list[Reply], Appointment | None] | None:
    """A reply to the nearest unanswered confirmation request, or None when it is not one.

    Returns the replies and, for a no, the session given up (a case should open). Something
    unclear is asked about once (not while a person is talking with them); after that it is
    left to the queue."""
    said = reply_to_request(text)
    if said is False:
        # A no also answers a confirmed session: "if you can't make it, reply NO".
        upcoming = await uow.appointments.upcoming(client.id, now, GOING, unanswered=False)
        if upcoming is None:
            return None
        await uow.appointments.set_status(
            upcoming.id, AppointmentStatus.REARRANGE, now, answered=True
        )
        await _withdraw_reminders(uow, upcoming)
        at = _when(upcoming, service)
        return [Reply(texts.APPT_REARRANGE.format(when=at), "appointment_rearrange")], upcoming
    request = await uow.appointments.upcoming(
        client.id, now, (AppointmentStatus.BOOKED,), unanswered=True
    )
    if request is None:
        return None
    at = _when(request, service)
    if said is True:
        await uow.appointments.set_status(
            request.id, AppointmentStatus.CONFIRMED, now, answered=True
        )
        done = texts.APPT_CONFIRMED.format(when=at, location=request.location)
        return [Reply(done, "appointment_confirmed")], None
    if ask_if_unclear and not request.asked_again:
        await uow.appointments.set_status(request.id, request.status, now, asked_again=True)
        again = Reply(texts.APPT_ASK_AGAIN.format(when=at), "appointment_ask_again")
        return [again], None
    return None  # asked once already: it goes to a link worker like any other message


async def rearrange_case(uow: Unit, client: Client, now: datetime) -> Case:
    """A NO to a session: the link worker is asked to rearrange (the one home of the rule)."""
    return await open_case(uow, client, "rearrange", now, CasePriority.HIGH)


async def answer_by_phone(
    uow: Unit, client: Client, said_yes: bool, service: ServiceInfo, now: datetime
) -> tuple[str, Case | None]:
    """A key pressed on a call about a session (1 yes, 2 no): what the call says back, and
    the case a no opens."""
    answered = await answer(
        uow, client, "yes" if said_yes else "no", service, now, ask_if_unclear=False
    )
    if answered is None:  # a yes to a session confirmed already, or nothing to come
        return (texts.VOICE_CONFIRMED if said_yes else texts.VOICE_GONE), None
    _, given_up = answered
    if given_up is None:
        return texts.VOICE_CONFIRMED, None
    return texts.VOICE_REARRANGE, await rearrange_case(uow, client, now)


async def cancel(
    uow: Unit, client: Client, appointment: Appointment, service: ServiceInfo, now: datetime
) -> None:
    await uow.appointments.set_status(appointment.id, AppointmentStatus.CANCELLED, now)
    await _withdraw_reminders(uow, appointment)
    if appointment.starts_at > now:
        text = texts.APPT_CANCELLED.format(
            service=service.name,
            when=_when(appointment, service),
            location=appointment.location,
        )
        await _tell(uow, client, text, "appointment_cancelled", now)


async def record_attendance(
    uow: Unit,
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
    await uow.appointments.set_status(appointment.id, outcome, now, outcome=True)
    await _withdraw_reminders(uow, appointment)
    await check_ins.schedule(uow, client.id, now, after=follow_up_after, window=window)
    if outcome is AppointmentStatus.DNA:
        await _tell(uow, client, texts.APPT_DNA, "appointment_dna", now)
        await open_case(uow, client, "dna", now, CasePriority.HIGH)
