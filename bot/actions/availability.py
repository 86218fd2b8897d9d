"""Link workers' availability (weekly patterns, one-off times, leave) and their week; offering
a client times by message, and the waiting list.

A link worker edits and sees their own week; an admin anyone's. The sessions in a week name
only the clients the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import col, select

from bot.actions import commands
from bot.actions.errors import Invalid, NotFound
from bot.actions.unit import change, look
from bot.bootstrap import Services
from flows import availability, phones
from flows.availability import Busy, Pattern, check_pattern
from flows.engine import offers
from flows.messages import Channel
from flows.model import StaffUser
from storage import access, clients
from storage.audit import audit
from storage.availability import HOLDING, SqlAvailability
from storage.clients import to_client
from storage.tables import AppointmentRow, ClientRow, LeaveRow, StaffUserRow
from storage.unit import SqlUnit


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a worker's day: a slot (free, held or in leave) or a session."""

    starts_at: datetime
    minutes: int
    location: str
    state: str  # free, held, leave, or the session's status
    appointment_id: int | None = None
    client_id: int | None = None
    client: str | None = None  # the client's name, when the viewer may see them


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    bank_holiday: str | None
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Week:
    worker_id: int
    worker: str
    start: date
    days: list[Day]
    patterns: list[Pattern]
    leave: list[LeaveRow]
    workers: dict[int, str]  # whose weeks the viewer may open


async def _worker(uow: SqlUnit, user: StaffUser, worker_id: int | None) -> StaffUserRow:
    """The worker, when the user may see and edit their availability: themselves, or anyone
    for an admin."""
    row = await uow.session.get(StaffUserRow, worker_id) if worker_id else None
    if row is None or row.disabled_at is not None or not (user.is_admin or row.id == user.id):
        raise NotFound(f"There is no link worker {worker_id}.")
    return row


async def _viewable(uow: SqlUnit, user: StaffUser) -> dict[int, str]:
    if not user.is_admin:
        return {user.id: user.name}
    stmt = (
        select(StaffUserRow.id, StaffUserRow.name)
        .where(col(StaffUserRow.disabled_at).is_(None))
        .order_by(col(StaffUserRow.name))
    )
    return {int(i): n for i, n in (await uow.session.execute(stmt)).all()}


async def week(services: Services, user: StaffUser, worker_id: int | None, start: date) -> Week:
    """The worker's week from ``start`` (a Monday): each day's slots and sessions."""
    calendar, zone = services.calendar, services.settings.zone
    monday = start - timedelta(days=start.weekday())
    begin = datetime.combine(monday, datetime.min.time(), zone)
    end = datetime.combine(monday + timedelta(days=7), datetime.min.time(), zone)
    now = services.clock.now()
    async with look(services) as uow:
        worker = await _worker(uow, user, worker_id)
        assert worker.id is not None
        names = {worker.id: worker.name}
        store: SqlAvailability = uow.availability
        patterns = await store.patterns(names)
        busy = await store.busy([worker.id], begin, end, now)
        sessions = await store.sessions(worker.id, begin, end)
        leave = await store.leave(worker.id, begin - timedelta(days=60), end + timedelta(days=365))
        seen = await _names_seen(uow, user, {s.client_id for s in sessions})
        workers = await _viewable(uow, user)
    slots = availability.slots(patterns, calendar, begin, end)
    days = [
        Day(monday + timedelta(days=n), calendar.bank_holiday(monday + timedelta(days=n)))
        for n in range(7)
    ]
    for session in sessions:
        entry = Entry(
            session.starts_at,
            session.duration_minutes,
            session.location,
            session.status,
            session.id,
            session.client_id if session.client_id in seen else None,
            seen.get(session.client_id),
        )
        days[(session.starts_at.astimezone(zone).date() - monday).days].entries.append(entry)
    for slot in slots:
        if any(
            s.status in HOLDING
            and _overlap(s.starts_at, s.duration_minutes, slot.starts_at, slot.minutes)
            for s in sessions
        ):
            continue  # the session shows instead
        found = availability.clash(slot.worker_id, slot.starts_at, slot.minutes, busy)
        state = "free" if found is None else found.why
        entry = Entry(slot.starts_at, slot.minutes, slot.location, state)
        days[(slot.starts_at.astimezone(zone).date() - monday).days].entries.append(entry)
    for day in days:
        day.entries.sort(key=lambda e: e.starts_at)
    return Week(worker.id, worker.name, monday, days, patterns, leave, workers)


def _overlap(a: datetime, a_minutes: int, b: datetime, b_minutes: int) -> bool:
    return Busy(0, a, a + timedelta(minutes=a_minutes), "").overlaps(
        b, b + timedelta(minutes=b_minutes)
    )


async def _names_seen(uow: SqlUnit, user: StaffUser, client_ids: set[int]) -> dict[int, str]:
    """The names of those clients the user may see."""
    if not client_ids:
        return {}
    stmt = select(ClientRow.id, ClientRow.name).where(
        col(ClientRow.id).in_(client_ids), access.visible_clients(user)
    )
    return {int(i): n or "(no name yet)" for i, n in (await uow.session.execute(stmt)).all()}


async def add_pattern(
    services: Services, user: StaffUser, worker_id: int | None, body: commands.Pattern
) -> int:
    problem = check_pattern(body.weekday, body.on_date, body.starts, body.ends, body.slot_minutes)
    if problem:
        raise Invalid(problem)
    now = services.clock.now()
    async with change(services) as uow:
        worker = await _worker(uow, user, worker_id)
        assert worker.id is not None
        made = await uow.availability.add_pattern(
            worker.id,
            body.weekday,
            body.on_date,
            body.starts,
            body.ends,
            body.slot_minutes,
            body.location,
            now,
        )
        await audit(uow.session, user.id, "add_availability", f"staff_user:{worker.id}", now)
        return made


async def end_pattern(
    services: Services, user: StaffUser, worker_id: int | None, pattern_id: int | None
) -> None:
    """A weekly pattern ends today (its past weeks stay); a one-off time goes."""
    now = services.clock.now()
    today = now.astimezone(services.settings.zone).date()
    async with change(services) as uow:
        worker = await _worker(uow, user, worker_id)
        assert worker.id is not None
        if pattern_id is None or not await uow.availability.end_pattern(
            worker.id, pattern_id, today
        ):
            raise NotFound(f"There is no such time {pattern_id}.")
        await audit(uow.session, user.id, "end_availability", f"staff_user:{worker.id}", now)


async def add_leave(
    services: Services, user: StaffUser, worker_id: int | None, body: commands.Leave
) -> int:
    if body.ends_at <= body.starts_at:
        raise Invalid("ends_at: the end must be after the start.")
    if body.ends_at - body.starts_at > timedelta(days=366):
        raise Invalid("ends_at: at most a year at a time.")
    now = services.clock.now()
    async with change(services) as uow:
        worker = await _worker(uow, user, worker_id)
        assert worker.id is not None
        made = await uow.availability.add_leave(
            worker.id, body.starts_at, body.ends_at, body.note or "", now
        )
        await audit(uow.session, user.id, "add_leave", f"staff_user:{worker.id}", now)
        return made


async def booked_in_leave(services: Services, worker_id: int, leave_id: int) -> int:
    """How many sessions still holding their slot fall in that leave: to rearrange."""
    async with look(services) as uow:
        row = await uow.session.get(LeaveRow, leave_id)
        if row is None or row.worker_id != worker_id:
            return 0
        stmt = select(AppointmentRow.id).where(
            AppointmentRow.worker_id == worker_id,
            col(AppointmentRow.status).in_(HOLDING),
            col(AppointmentRow.starts_at) >= row.starts_at,
            col(AppointmentRow.starts_at) < row.ends_at,
        )
        return len(list((await uow.session.execute(stmt)).scalars()))


async def remove_leave(
    services: Services, user: StaffUser, worker_id: int | None, leave_id: int | None
) -> None:
    now = services.clock.now()
    async with change(services) as uow:
        worker = await _worker(uow, user, worker_id)
        assert worker.id is not None
        if leave_id is None or not await uow.availability.remove_leave(worker.id, leave_id):
            raise NotFound(f"There is no such leave {leave_id}.")
        await audit(uow.session, user.id, "remove_leave", f"staff_user:{worker.id}", now)


async def offer_times(services: Services, user: StaffUser, client_id: int | None) -> int:
    """Text the client up to three free times to book by reply; how many were offered."""
    service, now = services.settings.service, services.clock.now()
    if service.booking is None:
        raise Invalid("Booking by reply is off for this service (BOOKING_BY_REPLY).")
    async with change(services) as uow:
        row = await access.client(uow.session, user, client_id)
        if row is None:
            raise NotFound(f"There is no client {client_id}.")
        await clients.lock(uow.session, [row.id or 0])
        client = to_client(row)
        if client.opted_out:
            raise Invalid("They have opted out of messages, so they cannot be offered times.")
        if client.address.channel is Channel.SMS and phones.is_landline(client.phone):
            raise Invalid("Their number is a landline, so they cannot reply to a text: ring them.")
        try:
            sent = await offers.offer_unasked(uow, client, service, now)
        except offers.InConversation:
            raise Invalid(
                "They are part-way through a conversation with the bot (a referral or a "
                "check-in): offer times once it is done."
            ) from None
        if sent is None:
            raise Invalid(
                "No free slots in the next four weeks with their practice's link workers: "
                "add availability first."
            )
        await audit(uow.session, user.id, "offer_times", f"client:{client.id}", now)
        return len(sent.buttons) - 1


async def on_waiting_list(services: Services, client_id: int) -> bool:
    """Whether the client (one the caller has already been shown) is on the waiting list."""
    async with look(services) as uow:
        return await uow.waiting_list.waiting(client_id)


async def waiting_list(
    services: Services, user: StaffUser, client_id: int | None, *, on: bool
) -> bool:
    """Put the client on the waiting list for a sooner session, or take them off; whether
    anything changed."""
    now = services.clock.now()
    async with change(services) as uow:
        row = await access.client(uow.session, user, client_id)
        if row is None:
            raise NotFound(f"There is no client {client_id}.")
        assert row.id is not None
        if on:
            done = await uow.waiting_list.add(row.id, user.id, now)
        else:
            done = await uow.waiting_list.end(row.id, "removed", now)
        if done:
            action = "join_waiting_list" if on else "leave_waiting_list"
            await audit(uow.session, user.id, action, f"client:{row.id}", now)
        return done
