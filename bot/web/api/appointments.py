"""``/api/v1/appointments``: booking sessions, moving and cancelling them, attendance."""

from __future__ import annotations

from aiohttp import web

from bot.actions import appointments, commands
from bot.web.api.base import PREFIX, body, path_id, user
from bot.web.api.render import appointment_json, booked_json
from bot.web.http import services_of


async def create(request: web.Request) -> web.Response:
    book = await body(request, commands.Book)
    made = await appointments.book(services_of(request), user(request), book)
    return web.json_response(booked_json(made), status=201)


async def move(request: web.Request) -> web.Response:
    moving = await body(request, commands.Move)
    made = await appointments.move(services_of(request), user(request), path_id(request), moving)
    return web.json_response(booked_json(made))


async def cancel(request: web.Request) -> web.Response:
    row = await appointments.cancel(services_of(request), user(request), path_id(request))
    return web.json_response(appointment_json(row))


async def attendance(request: web.Request) -> web.Response:
    outcome = await body(request, commands.Attendance)
    row = await appointments.attendance(
        services_of(request), user(request), path_id(request), outcome
    )
    return web.json_response(appointment_json(row))


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/appointments", create)
    app.router.add_delete(f"{PREFIX}/appointments/{{id}}", cancel)
    app.router.add_patch(f"{PREFIX}/appointments/{{id}}", move)
    app.router.add_post(f"{PREFIX}/appointments/{{id}}/attendance", attendance)
