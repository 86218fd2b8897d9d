"""Finding a client, and the staff web app's forms for their sessions and wellbeing scores.

The forms go through the same checks as the API (``bot.web.appointments``, ``bot.web.scores``),
so a booking made on a page and one made through the API are the same thing."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Any

import phonenumbers
from aiohttp import web

from bot.web.api import ApiError, parse_id
from bot.web.appointments import (
    book,
    cancel_appointment,
    move_appointment,
    record_attendance,
)
from bot.web.keys import SERVICES
from bot.web.scores import record_score
from bot.web.staff import SESSION, page
from bot.web.staff_cases import SCORE_INSTRUMENT, back_to, form_case, show, visible_client
from storage import queries, web_sessions
from storage.tables import AppointmentRow

REFERENCE = re.compile(r"LB-[A-Z0-9]{4,10}", re.IGNORECASE)
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y")


def _as_date(text: str) -> str | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()  # noqa: DTZ007 a date only
        except ValueError:
            continue
    return None


def _as_phone(text: str) -> str | None:
    if sum(ch.isdigit() for ch in text) < 7 or re.search(r"[A-Za-z]", text):
        return None
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def search_terms(text: str) -> dict[str, str]:
    """What a search box entry is: a referral reference, a date of birth, a phone number, or
    else part of a name."""
    text = text.strip()[:100]
    if not text:
        return {}
    if REFERENCE.fullmatch(text):
        return {"reference": text.upper()}
    if (found := _as_date(text)) is not None:
        return {"date_of_birth": found}
    if (phone := _as_phone(text)) is not None:
        return {"phone": phone}
    return {"name": text}


async def search(request: web.Request) -> web.Response:
    services, user = request.app[SERVICES], request[SESSION].user
    text = request.query.get("q", "")
    terms = search_terms(text)
    async with services.db.write() as session:
        found = await queries.search_clients(session, user, **terms)
        codes = await queries.practice_codes(session, {c.practice_id or 0 for c in found})
        open_cases = await queries.open_cases_of(session, {c.id or 0 for c in found})
        if terms:
            # What was looked for is itself personal data: the log says how, not what.
            await web_sessions.audit(
                session,
                user.id,
                "search_clients",
                f"by:{next(iter(terms))}:{len(found)}",
                services.clock.now(),
            )
    return page(
        request,
        "clients.html",
        q=text,
        searched=bool(terms),
        kind=next(iter(terms), None),
        clients=found,
        codes=codes,
        open_cases=open_cases,
    )


def _starts_at(form: Any, zone: Any) -> str:
    """The date and time boxes, read in the service's time zone, as the API takes them."""
    try:
        day = date.fromisoformat(str(form.get("date", "")))
        at = time.fromisoformat(str(form.get("time", "")))
    except ValueError:
        raise ApiError(422, "invalid", "Please give the date and time of the session.") from None
    return datetime.combine(day, at, tzinfo=zone).isoformat()


def _minutes(form: Any) -> int | None:
    raw = str(form.get("duration_minutes", ""))
    return int(raw) if raw.isdigit() and len(raw) < 6 else None


async def _client_form(request: web.Request) -> tuple[Any, int, int | None]:
    """The form, its client (who must be visible) and the case page it came from."""
    form = await request.post()
    services = request.app[SERVICES]
    async with services.db.read() as session:
        client = await visible_client(session, request, parse_id(request.match_info["id"]))
        case_id = await form_case(session, form, client)
    assert client.id is not None
    return form, client.id, case_id


async def _appointment_form(request: web.Request) -> tuple[Any, int, int, int | None]:
    form = await request.post()
    services = request.app[SERVICES]
    appointment_id = parse_id(request.match_info["id"])
    async with services.db.read() as session:
        row = await session.get(AppointmentRow, appointment_id) if appointment_id else None
        client = await visible_client(session, request, row.client_id if row else None)
        case_id = await form_case(session, form, client)
    assert client.id is not None and appointment_id is not None
    return form, appointment_id, client.id, case_id


async def _then_back(
    request: web.Request,
    client_id: int,
    case_id: int | None,
    anchor: str,
    act: Callable[[], Awaitable[object]],
) -> web.StreamResponse:
    """Do what the form asked (through the API's checks): back to the page at ``anchor``, or
    the page again with the problem named."""
    try:
        await act()
    except ApiError as exc:
        return await show(request, client_id, case_id, problem=exc.message, status=422)
    raise back_to(client_id, case_id, anchor)


async def book_session(request: web.Request) -> web.StreamResponse:
    form, client_id, case_id = await _client_form(request)
    services, user = request.app[SERVICES], request[SESSION].user
    return await _then_back(
        request,
        client_id,
        case_id,
        "appointments",
        lambda: book(
            services,
            user,
            {
                "client_id": client_id,
                "starts_at": _starts_at(form, services.settings.zone),
                "duration_minutes": _minutes(form),
                "location": str(form.get("location", "")),
                "worker": str(form.get("worker", "")),
            },
        ),
    )


async def move_session(request: web.Request) -> web.StreamResponse:
    form, appointment_id, client_id, case_id = await _appointment_form(request)
    services, user = request.app[SERVICES], request[SESSION].user
    return await _then_back(
        request,
        client_id,
        case_id,
        "appointments",
        lambda: move_appointment(
            services, user, appointment_id, {"starts_at": _starts_at(form, services.settings.zone)}
        ),
    )


async def cancel_session(request: web.Request) -> web.StreamResponse:
    _, appointment_id, client_id, case_id = await _appointment_form(request)
    return await _then_back(
        request,
        client_id,
        case_id,
        "appointments",
        lambda: cancel_appointment(request.app[SERVICES], request[SESSION].user, appointment_id),
    )


async def attendance(request: web.Request) -> web.StreamResponse:
    form, appointment_id, client_id, case_id = await _appointment_form(request)
    return await _then_back(
        request,
        client_id,
        case_id,
        "appointments",
        lambda: record_attendance(
            request.app[SERVICES],
            request[SESSION].user,
            appointment_id,
            {"outcome": str(form.get("outcome", ""))},
        ),
    )


async def add_score(request: web.Request) -> web.StreamResponse:
    form, client_id, case_id = await _client_form(request)
    services = request.app[SERVICES]
    questionnaire = services.settings.questionnaires[SCORE_INSTRUMENT]
    answers = [str(form.get(f"item{n}", "")) for n in range(1, questionnaire.item_count + 1)]
    if not all(a.isdigit() for a in answers):
        return await show(
            request,
            client_id,
            case_id,
            status=422,
            problem="Please choose an answer for every statement.",
        )
    body: dict[str, Any] = {"instrument": SCORE_INSTRUMENT, "answers": [int(a) for a in answers]}
    taken = str(form.get("taken_on", ""))
    today = services.clock.now().astimezone(services.settings.zone).date().isoformat()
    if taken and taken != today:
        try:
            body["taken_at"] = datetime.combine(
                date.fromisoformat(taken), time(12), tzinfo=services.settings.zone
            ).isoformat()
        except ValueError:
            return await show(
                request,
                client_id,
                case_id,
                status=422,
                problem="Please give the date it was taken.",
            )
    return await _then_back(
        request,
        client_id,
        case_id,
        "scores",
        lambda: record_score(services, request[SESSION].user, client_id, body),
    )


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/clients", search)
    r.add_post("/clients/{id}/appointments", book_session)
    r.add_post("/clients/{id}/scores", add_score)
    r.add_post("/appointments/{id}/move", move_session)
    r.add_post("/appointments/{id}/cancel", cancel_session)
    r.add_post("/appointments/{id}/attendance", attendance)
