"""``/api/v1/appointments``: booking sessions, cancelling them and recording attendance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.bootstrap import Services
from bot.web.api import PREFIX, ApiError, _body, _path_id, _user, appointment_json
from bot.web.keys import SERVICES
from flows.appointments import Appointment, AppointmentStatus, NewAppointment
from flows.engine import appointments as booking
from flows.model import StaffUser
from storage import access
from storage.appointments import to_appointment
from storage.clients import to_client
from storage.tables import AppointmentRow, ClientRow
from storage.unit import SqlUnit
from storage.web_sessions import audit

MAX_MINUTES = 24 * 60
MAX_LOCATION, MAX_WORKER = 200, 100


def _json(appointment: Appointment | AppointmentRow) -> dict[str, Any]:
    if isinstance(appointment, AppointmentRow):
        return appointment_json(appointment)
    row = AppointmentRow(
        id=appointment.id,
        client_id=appointment.client_id,
        starts_at=appointment.starts_at,
        duration_minutes=appointment.duration_minutes,
        location=appointment.location,
        worker=appointment.worker,
        status=appointment.status.value,
    )
    return appointment_json(row)


def _starts_at(body: dict[str, Any]) -> datetime:
    raw = body.get("starts_at")
    if not isinstance(raw, str):
        raise ApiError(422, "invalid", "starts_at: an ISO 8601 time with an offset.")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "invalid", "starts_at: an ISO 8601 time with an offset.") from None
    if value.tzinfo is None:
        raise ApiError(422, "invalid", "starts_at: give the offset, e.g. +00:00 or Z.")
    return value


def _short_text(body: dict[str, Any], field: str, limit: int) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "invalid", f"{field}: required.")
    if len(value) > limit:
        raise ApiError(422, "invalid", f"{field}: at most {limit} characters.")
    return value.strip()


async def _visible_client(session: AsyncSession, user: StaffUser, raw: object) -> ClientRow:
    if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).isdigit():
        raise ApiError(422, "invalid", "client_id: the id of a client.")
    row = await access.client(session, user, int(str(raw)))
    if row is None:
        raise ApiError(422, "invalid", "client_id: there is no such client.")
    return row


def _minutes(body: dict[str, Any], default: object = None) -> int:
    minutes = body.get("duration_minutes", default)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
        raise ApiError(422, "invalid", f"duration_minutes: a whole number from 1 to {MAX_MINUTES}.")
    return minutes


async def book(services: Services, user: StaffUser, body: dict[str, Any]) -> dict[str, Any]:
    """Book a session (or record one already held, with its ``outcome``); the API and the
    staff web app both come here, so both check the same things."""
    starts_at = _starts_at(body)
    minutes = _minutes(body)
    location = _short_text(body, "location", MAX_LOCATION)
    worker = _short_text(body, "worker", MAX_WORKER)
    outcome_raw = body.get("outcome")
    outcome = None
    if outcome_raw is not None:
        if outcome_raw not in ("attended", "dna"):
            raise ApiError(422, "invalid", "outcome: attended or dna.")
        outcome = AppointmentStatus(outcome_raw)
    now = services.clock.now()
    if outcome is not None and starts_at > now:
        raise ApiError(422, "invalid", "outcome: only for a session that has started.")
    async with services.db.write() as session:
        row = await _visible_client(session, user, body.get("client_id"))
        client = to_client(row)
        new = NewAppointment(client.id, starts_at, minutes, location, worker, user.id, now)
        settings = services.settings
        made = await booking.book(
            SqlUnit(session, services.directory),
            client,
            new,
            settings.service,
            now,
            offsets=settings.reminder_deltas,
            window=settings.window,
            follow_up_after=settings.follow_up_delta,
            outcome=outcome,
        )
        await audit(session, user.id, "book_appointment", f"appointment:{made.appointment.id}", now)
    services.outbox.wake()
    return _booked_json(made)


async def create(request: web.Request) -> web.Response:
    body = await _body(request)
    return web.json_response(await book(request.app[SERVICES], _user(request), body), status=201)


def _booked_json(made: booking.Booked) -> dict[str, Any]:
    """The appointment, and which reminders will go, so none is silently missing."""
    body = _json(made.appointment)
    body["reminders"] = [
        {"offset": plan.label, "at": plan.due_at.isoformat()}
        for plan in made.reminders
        if not plan.dropped
    ]
    body["reminders_not_sent"] = [
        {"offset": plan.label, "reason": plan.dropped} for plan in made.reminders if plan.dropped
    ]
    return body


async def move_appointment(
    services: Services, user: StaffUser, appointment_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """A new ``starts_at`` (and optionally ``location``, ``duration_minutes``)."""
    starts_at = _starts_at(body)
    now = services.clock.now()
    if starts_at <= now:
        raise ApiError(422, "invalid", "starts_at: a move must be to a time still to come.")
    async with services.db.write() as session:
        row, client = await _visible_appointment(session, user, appointment_id)
        if row.status in ("cancelled", "attended", "dna"):
            raise ApiError(422, "invalid", f"status: the appointment is already {row.status}.")
        minutes = _minutes(body, row.duration_minutes)
        location = row.location
        if "location" in body:
            location = _short_text(body, "location", MAX_LOCATION)
        settings = services.settings
        moved = await booking.move(
            SqlUnit(session, services.directory),
            to_client(client),
            to_appointment(row),
            starts_at,
            minutes,
            location,
            settings.service,
            now,
            offsets=settings.reminder_deltas,
            window=settings.window,
        )
        await audit(session, user.id, "move_appointment", f"appointment:{row.id}", now)
    services.outbox.wake()
    return _booked_json(moved)


async def move(request: web.Request) -> web.Response:
    body = await _body(request)
    return web.json_response(
        await move_appointment(request.app[SERVICES], _user(request), _path_id(request), body)
    )


async def _visible_appointment(
    session: AsyncSession, user: StaffUser, appointment_id: int
) -> tuple[AppointmentRow, ClientRow]:
    found = await access.appointment(session, user, appointment_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no appointment {appointment_id}.")
    return found


async def cancel_appointment(
    services: Services, user: StaffUser, appointment_id: int
) -> dict[str, Any]:
    now = services.clock.now()
    async with services.db.write() as session:
        row, client = await _visible_appointment(session, user, appointment_id)
        if row.status in ("cancelled", "attended", "dna"):
            raise ApiError(422, "invalid", f"status: the appointment is already {row.status}.")
        await booking.cancel(
            SqlUnit(session, services.directory),
            to_client(client),
            to_appointment(row),
            services.settings.service,
            now,
        )
        await audit(session, user.id, "cancel_appointment", f"appointment:{row.id}", now)
        await session.refresh(row)
        result = _json(row)
    services.outbox.wake()
    return result


async def cancel(request: web.Request) -> web.Response:
    return web.json_response(
        await cancel_appointment(request.app[SERVICES], _user(request), _path_id(request))
    )


async def record_attendance(
    services: Services, user: StaffUser, appointment_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    outcome = body.get("outcome")
    if outcome not in ("attended", "dna"):
        raise ApiError(422, "invalid", "outcome: attended or dna.")
    now = services.clock.now()
    async with services.db.write() as session:
        row, client = await _visible_appointment(session, user, appointment_id)
        if row.status == "cancelled":
            raise ApiError(422, "invalid", "outcome: the appointment was cancelled.")
        try:
            await booking.record_attendance(
                SqlUnit(session, services.directory),
                to_client(client),
                to_appointment(row),
                AppointmentStatus(outcome),
                now,
                follow_up_after=services.settings.follow_up_delta,
                window=services.settings.window,
            )
        except booking.NotStarted:
            raise ApiError(422, "invalid", "outcome: the session has not started yet.") from None
        await audit(session, user.id, "record_attendance", f"appointment:{row.id}", now)
        await session.refresh(row)
        result = _json(row)
    services.outbox.wake()
    return result


async def attendance(request: web.Request) -> web.Response:
    body = await _body(request)
    return web.json_response(
        await record_attendance(request.app[SERVICES], _user(request), _path_id(request), body)
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/appointments", create)
    app.router.add_delete(f"{PREFIX}/appointments/{{id}}", cancel)
    app.router.add_patch(f"{PREFIX}/appointments/{{id}}", move)
    app.router.add_post(f"{PREFIX}/appointments/{{id}}/attendance", attendance)
