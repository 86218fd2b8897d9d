"""Finding a client, and the staff web app's forms for their sessions and wellbeing scores.

The forms become the API's bodies and go through the same actions, so a booking made on a page
and one made through the API are the same thing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.actions import appointments, availability, clients, commands, scores
from bot.actions.errors import Invalid
from bot.web.http import parse_id, services_of
from bot.web.staff.cases import SCORE_INSTRUMENT, back_to, form_case, show
from bot.web.staff.pages import page, problem, user


async def search(request: web.Request) -> web.Response:
    text = request.query.get("q", "")
    found = await clients.search(services_of(request), user(request), text)
    return page(
        request,
        "clients.html",
        q=text,
        searched=found.kind is not None,
        kind=found.kind,
        clients=found.clients,
        codes=found.practice_codes,
        open_cases=found.open_cases,
    )


def _starts_at(form: Any, zone: ZoneInfo) -> datetime:
    """The date and time boxes, read in the service's time zone."""
    try:
        day = date.fromisoformat(str(form.get("date", "")))
        at = time.fromisoformat(str(form.get("time", "")))
    except ValueError:
        raise Invalid("Please give the date and time of the session.") from None
    return datetime.combine(day, at, tzinfo=zone)


def _minutes(form: Any) -> int | None:
    raw = str(form.get("duration_minutes", ""))
    return int(raw) if raw.isdigit() and len(raw) < 6 else None


async def _then_back(
    request: web.Request,
    client_id: int,
    case_id: int | None,
    anchor: str,
    act: Callable[[], Awaitable[object]],
) -> web.StreamResponse:
    """Do what the form asked: back to the page at ``anchor``, or the page again with the
    problem named."""
    try:
        await act()
    except Invalid as exc:
        return await show(request, client_id, case_id, trouble=problem(exc), status=422)
    raise back_to(client_id, case_id, anchor)


async def _client_form(request: web.Request) -> tuple[Any, int, int | None]:
    """The form, its client (who must be one the user may see) and the case page it came from."""
    form = await request.post()
    client_id, case_id = await clients.where(
        services_of(request), user(request), parse_id(request.match_info["id"]), form_case(form)
    )
    return form, client_id, case_id


async def _appointment_form(request: web.Request) -> tuple[Any, int, int, int | None]:
    form = await request.post()
    services, me = services_of(request), user(request)
    appointment_id = parse_id(request.match_info["id"])
    owner = await appointments.client_of(services, me, appointment_id)
    client_id, case_id = await clients.where(services, me, owner, form_case(form))
    assert appointment_id is not None
    return form, appointment_id, client_id, case_id


async def book_session(request: web.Request) -> web.StreamResponse:
    form, client_id, case_id = await _client_form(request)
    services, me = services_of(request), user(request)

    async def book() -> object:
        values = {
            "client_id": client_id,
            "starts_at": _starts_at(form, services.settings.zone),
            "duration_minutes": _minutes(form),
            "location": str(form.get("location", "")),
            "worker": str(form.get("worker", "")),
        }
        return await appointments.book(services, me, commands.from_values(commands.Book, values))

    return await _then_back(request, client_id, case_id, "appointments", book)


async def move_session(request: web.Request) -> web.StreamResponse:
    form, appointment_id, client_id, case_id = await _appointment_form(request)
    services, me = services_of(request), user(request)

    async def move() -> object:
        values = {"starts_at": _starts_at(form, services.settings.zone)}
        moving = commands.from_values(commands.Move, values)
        return await appointments.move(services, me, appointment_id, moving)

    return await _then_back(request, client_id, case_id, "appointments", move)


async def cancel_session(request: web.Request) -> web.StreamResponse:
    _, appointment_id, client_id, case_id = await _appointment_form(request)

    async def cancel() -> object:
        return await appointments.cancel(services_of(request), user(request), appointment_id)

    return await _then_back(request, client_id, case_id, "appointments", cancel)


async def attendance(request: web.Request) -> web.StreamResponse:
    form, appointment_id, client_id, case_id = await _appointment_form(request)

    async def record() -> object:
        outcome = {"outcome": str(form.get("outcome", ""))}
        body = commands.from_values(commands.Attendance, outcome)
        return await appointments.attendance(
            services_of(request), user(request), appointment_id, body
        )

    return await _then_back(request, client_id, case_id, "appointments", record)


def _taken_at(form: Any, zone: ZoneInfo, today: date) -> datetime | None:
    """The day it was taken, at noon local time; None for today (it is taken now)."""
    taken = str(form.get("taken_on", ""))
    if not taken or taken == today.isoformat():
        return None
    try:
        return datetime.combine(date.fromisoformat(taken), time(12), tzinfo=zone)
    except ValueError:
        raise Invalid("Please give the date it was taken.") from None


async def add_score(request: web.Request) -> web.StreamResponse:
    form, client_id, case_id = await _client_form(request)
    services = services_of(request)
    zone = services.settings.zone
    questionnaire = services.settings.questionnaires[SCORE_INSTRUMENT]
    answers = [str(form.get(f"item{n}", "")) for n in range(1, questionnaire.item_count + 1)]

    async def record() -> object:
        if not all(a.isdigit() for a in answers):
            raise Invalid("Please choose an answer for every statement.")
        values: dict[str, Any] = {
            "instrument": SCORE_INSTRUMENT,
            "answers": [int(a) for a in answers],
            "taken_at": _taken_at(form, zone, services.clock.now().astimezone(zone).date()),
        }
        body = commands.from_values(commands.Score, values)
        return await scores.record(services, user(request), client_id, body)

    return await _then_back(request, client_id, case_id, "scores", record)


async def offer_times(request: web.Request) -> web.StreamResponse:
    """Text the client free times to book by reply."""
    _, client_id, case_id = await _client_form(request)

    async def offer() -> object:
        return await availability.offer_times(services_of(request), user(request), client_id)

    return await _then_back(request, client_id, case_id, "appointments", offer)


async def waiting_list(request: web.Request) -> web.StreamResponse:
    form, client_id, case_id = await _client_form(request)
    on = form.get("waiting") == "on"

    async def change() -> object:
        return await availability.waiting_list(
            services_of(request), user(request), client_id, on=on
        )

    return await _then_back(request, client_id, case_id, "appointments", change)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/clients", search)
    r.add_post("/clients/{id}/appointments", book_session)
    r.add_post("/clients/{id}/scores", add_score)
    r.add_post("/clients/{id}/offer-times", offer_times)
    r.add_post("/clients/{id}/waiting-list", waiting_list)
    r.add_post("/appointments/{id}/move", move_session)
    r.add_post("/appointments/{id}/cancel", cancel_session)
    r.add_post("/appointments/{id}/attendance", attendance)
