"""A link worker's week (their slots, sessions and leave) and the forms that change their
availability (the client's page offers times by message and keeps the waiting list)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from bot.actions import availability, commands
from bot.actions.errors import Invalid
from bot.web.http import parse_id, services_of
from bot.web.staff.pages import page, problem, user
from flows.availability import WEEKDAYS

LABELS = {
    "weekday": "Day",
    "on_date": "Date",
    "starts": "From",
    "ends": "Until",
    "slot_minutes": "Slot length",
    "location": "Where",
    "starts_at": "From",
    "ends_at": "Until",
    "note": "Note",
}


def _monday(request: web.Request, today: date) -> date:
    try:
        day = date.fromisoformat(request.query.get("start", ""))
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


async def mine(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(f"/workers/{user(request).id}/week")


async def week_page(
    request: web.Request, *, trouble: str | None = None, status: int = 200
) -> web.Response:
    services = services_of(request)
    zone = services.settings.zone
    today = services.clock.now().astimezone(zone).date()
    monday = _monday(request, today)
    worker_id = parse_id(request.match_info["id"])
    shown = await availability.week(services, user(request), worker_id, monday)
    return page(
        request,
        "week.html",
        status=status,
        week=shown,
        zone=zone,
        today=today,
        previous=(monday - timedelta(days=7)).isoformat(),
        next=(monday + timedelta(days=7)).isoformat(),
        weekdays=list(enumerate(WEEKDAYS)),
        booking_on=services.settings.service.booking is not None,
        problem=trouble,
    )


def _local(
    form: Any, day_field: str, time_field: str, zone: Any, *, until: bool = False
) -> datetime | str:
    """A date and time box read in the service's time zone; a blank time is the start of
    the day, or for ``until`` its end. The raw text when unreadable, so the command names the
    field."""
    try:
        day = date.fromisoformat(str(form.get(day_field, "")))
        raw = str(form.get(time_field, ""))
        at = time.fromisoformat(raw) if raw else time(0)
    except ValueError:
        return f"{form.get(day_field, '')} {form.get(time_field, '')}".strip()
    if until and not raw:
        day += timedelta(days=1)
    return datetime.combine(day, at, tzinfo=zone)


async def _then_week(
    request: web.Request, act: Callable[[], Awaitable[object]]
) -> web.StreamResponse:
    try:
        await act()
    except Invalid as exc:
        return await week_page(request, trouble=problem(exc, LABELS), status=422)
    start = request.query.get("start", "")
    raise web.HTTPFound(
        f"/workers/{request.match_info['id']}/week" + (f"?start={start}" if start else "")
    )


async def add_time(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, me = services_of(request), user(request)
    worker_id = parse_id(request.match_info["id"])

    async def add() -> object:
        once = form.get("repeat") == "once"
        values = {
            "weekday": None if once else str(form.get("weekday", "")),
            "on_date": str(form.get("on_date", "")) if once else None,
            "starts": str(form.get("starts", "")),
            "ends": str(form.get("ends", "")),
            "slot_minutes": str(form.get("slot_minutes", "")),
            "location": str(form.get("location", "")),
        }
        for number in ("weekday", "slot_minutes"):  # form boxes are text
            raw = values[number]
            if isinstance(raw, str) and raw.isdigit() and len(raw) < 6:
                values[number] = int(raw)  # type: ignore[assignment]  # a checked number
        body = commands.from_values(commands.Pattern, values)
        return await availability.add_pattern(services, me, worker_id, body)

    return await _then_week(request, add)


async def end_time(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    pattern_id = parse_id(str(form.get("pattern", "")))

    async def end() -> None:
        worker_id = parse_id(request.match_info["id"])
        await availability.end_pattern(services_of(request), user(request), worker_id, pattern_id)

    return await _then_week(request, end)


async def add_leave(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, me = services_of(request), user(request)
    zone = services.settings.zone

    async def add() -> object:
        values = {
            "starts_at": _local(form, "from_date", "from_time", zone),
            "ends_at": _local(form, "to_date", "to_time", zone, until=True),
            "note": str(form.get("note", "")),
        }
        body = commands.from_values(commands.Leave, values)
        worker_id = parse_id(request.match_info["id"])
        return await availability.add_leave(services, me, worker_id, body)

    return await _then_week(request, add)


async def remove_leave(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    leave_id = parse_id(str(form.get("leave", "")))

    async def remove() -> None:
        worker_id = parse_id(request.match_info["id"])
        await availability.remove_leave(services_of(request), user(request), worker_id, leave_id)

    return await _then_week(request, remove)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/availability", mine)
    r.add_get("/workers/{id}/week", week_page)
    r.add_post("/workers/{id}/times", add_time)
    r.add_post("/workers/{id}/times/end", end_time)
    r.add_post("/workers/{id}/leave", add_leave)
    r.add_post("/workers/{id}/leave/remove", remove_leave)
