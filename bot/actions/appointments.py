"""Sessions with a link worker: booking (or recording one already held), moving, cancelling
and what happened. The client is asked to confirm and reminded, by the engine."""

from __future__ import annotations

from bot.actions import commands
from bot.actions.errors import Invalid, NotFound
from bot.actions.unit import change, look
from bot.bootstrap import Services
from flows.appointments import AppointmentStatus, NewAppointment
from flows.engine import appointments as booking
from flows.engine import offers
from flows.model import StaffUser
from storage import access, clients
from storage.appointments import to_appointment
from storage.audit import audit
from storage.clients import to_client
from storage.tables import AppointmentRow, ClientRow
from storage.unit import SqlUnit

OVER = ("cancelled", "attended", "dna")
_CLASHES = {
    "booked": "{worker} already has a session then.",
    "leave": "{worker} is away then.",
    "held": "that time is being offered to another client just now.",
}


def clash_said(worker: str, why: str) -> str:
    """Why a booking was refused, naming the field."""
    return "starts_at: " + _CLASHES[why].format(worker=worker)


async def book(services: Services, user: StaffUser, body: commands.Book) -> booking.Booked:
    """Book a session, or record one already held with its ``outcome``."""
    now, settings = services.clock.now(), services.settings
    if body.outcome is not None and body.starts_at > now:
        raise Invalid("outcome: only for a session that has started.")
    async with change(services) as uow:
        row = await access.client(uow.session, user, body.client_id)
        if row is None:
            raise Invalid("client_id: there is no such client.")
        await clients.lock(uow.session, [row.id or 0])  # the lock order: client, then timers
        client = to_client(row)
        new = NewAppointment(
            client.id,
            body.starts_at,
            body.duration_minutes,
            body.location,
            body.worker,
            user.id,
            now,
            await uow.availability.worker_named(body.worker),
        )
        outcome = AppointmentStatus(body.outcome) if body.outcome else None
        try:
            made = await booking.book(
                uow,
                client,
                new,
                settings.service,
                now,
                offsets=settings.reminder_deltas,
                window=settings.window,
                follow_up_after=settings.follow_up_delta,
                outcome=outcome,
            )
        except booking.Clash as clash:
            raise Invalid(clash_said(body.worker, clash.busy.why)) from None
        await audit(
            uow.session, user.id, "book_appointment", f"appointment:{made.appointment.id}", now
        )
        return made


async def _found(
    uow: SqlUnit, user: StaffUser, appointment_id: int | None
) -> tuple[AppointmentRow, ClientRow]:
    found = await access.appointment(uow.session, user, appointment_id)
    if found is None:
        raise NotFound(f"There is no appointment {appointment_id}.")
    # The client before anything of theirs is written: the lock order (storage/timers.py).
    await clients.lock(uow.session, [found[1].id or 0])
    return found


def _still_to_happen(row: AppointmentRow) -> None:
    if row.status in OVER:
        raise Invalid(f"status: the appointment is already {row.status}.")


async def move(
    services: Services, user: StaffUser, appointment_id: int | None, body: commands.Move
) -> booking.Booked:
    """A new time (and perhaps place and length): the client is asked to confirm again."""
    now, settings = services.clock.now(), services.settings
    if body.starts_at <= now:
        raise Invalid("starts_at: a move must be to a time still to come.")
    async with change(services) as uow:
        row, client = await _found(uow, user, appointment_id)
        _still_to_happen(row)
        moved = await booking.move(
            uow,
            to_client(client),
            to_appointment(row),
            body.starts_at,
            body.duration_minutes or row.duration_minutes,
            body.location or row.location,
            settings.service,
            now,
            offsets=settings.reminder_deltas,
            window=settings.window,
        )
        await audit(uow.session, user.id, "move_appointment", f"appointment:{row.id}", now)
        return moved


async def cancel(services: Services, user: StaffUser, appointment_id: int | None) -> AppointmentRow:
    now = services.clock.now()
    async with change(services) as uow:
        row, client = await _found(uow, user, appointment_id)
        _still_to_happen(row)
        given_up = to_appointment(row)
        await booking.cancel(uow, to_client(client), given_up, services.settings.service, now)
        await offers.slot_freed(uow, given_up, client.practice_id, services.settings.service, now)
        await audit(uow.session, user.id, "cancel_appointment", f"appointment:{row.id}", now)
        await uow.session.refresh(row)
        return row


async def attendance(
    services: Services, user: StaffUser, appointment_id: int | None, body: commands.Attendance
) -> AppointmentRow:
    """Attended or did not attend, once the session has started."""
    now = services.clock.now()
    async with change(services) as uow:
        row, client = await _found(uow, user, appointment_id)
        if row.status == "cancelled":
            raise Invalid("outcome: the appointment was cancelled.")
        try:
            await booking.record_attendance(
                uow,
                to_client(client),
                to_appointment(row),
                AppointmentStatus(body.outcome),
                now,
                follow_up_after=services.settings.follow_up_delta,
                window=services.settings.window,
            )
        except booking.NotStarted:
            raise Invalid("outcome: the session has not started yet.") from None
        await audit(uow.session, user.id, "record_attendance", f"appointment:{row.id}", now)
        await uow.session.refresh(row)
        return row


async def client_of(services: Services, user: StaffUser, appointment_id: int | None) -> int:
    """Whose appointment it is, when the user may see them."""
    async with look(services) as uow:
        row, _ = await _found(uow, user, appointment_id)
        return row.client_id
