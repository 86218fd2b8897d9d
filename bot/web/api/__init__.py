"""The JSON API, ``/api/v1``: a token on every call, JSON bodies checked by the models in
``bot.actions.commands``, and errors as ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.actions.errors import ActionError
from bot.bootstrap import Services
from bot.web.api import (
    appointments,
    campaigns,
    cases,
    clients,
    deliveries,
    referrals,
    reports,
    scores,
    services,
)
from bot.web.api.base import PREFIX, USER, error
from bot.web.http import SERVICES, Handler, services_of
from storage import staff

log = logging.getLogger(__name__)


@web.middleware
async def answer_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An action's refusal as its error body; anything unexpected as a 500 saying nothing of
    the request."""
    try:
        return await handler(request)
    except ActionError as exc:
        return error(exc.status, exc.code, exc.message)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("error handling %s %s", request.method, request.path)
        return error(500, "internal", "Something went wrong on our side.")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(401, "unauthorised", "Send a token: Authorization: Bearer <token>.")
    async with services_of(request).db.read() as session:
        user = await staff.user_by_token(session, token.strip())
    if user is None:
        return error(401, "unauthorised", "That token is not valid.")
    request[USER] = user
    return await handler(request)


async def not_found(request: web.Request) -> web.Response:
    return error(404, "not_found", "There is no such API call.")


def create(running: Services) -> web.Application:
    app = web.Application(middlewares=[answer_errors, authenticate])
    app[SERVICES] = running
    for resource in (cases, clients, referrals, appointments, campaigns, scores, services, reports):
        resource.add_routes(app)
    deliveries.add_routes(app)
    app.router.add_route("*", PREFIX + "/{tail:.*}", not_found)
    return app
