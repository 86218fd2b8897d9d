"""The staff web app: the live queue, case and client pages, campaigns, delivery problems, the
figures and the admin pages, server-rendered and behind a login (``auth.require_login``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.web import AbstractRoute

from bot.actions.errors import ActionError, Forbidden, NotFound
from bot.bootstrap import Services
from bot.web.http import SERVICES, Handler
from bot.web.staff import (
    admin,
    auth,
    availability,
    campaigns,
    cases,
    clients,
    deliveries,
    queue,
    reports,
)

STATIC = Path(__file__).parent / "static"


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """What an action refuses and no page shows: not found, or not for this user's role."""
    try:
        return await handler(request)
    except NotFound as exc:
        raise web.HTTPNotFound(text=exc.message) from None
    except Forbidden as exc:
        raise web.HTTPForbidden(text=exc.message) from None
    except ActionError as exc:
        raise web.HTTPBadRequest(text=exc.message) from None


def is_public(route: AbstractRoute) -> bool:
    """Whether a route of the staff app is open without a login: signing in, and the
    styles and scripts."""
    return auth.is_public(route)


def create(services: Services) -> web.Application:
    app = web.Application(middlewares=[auth.require_login, refusals])
    app[SERVICES] = services
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.web.staff", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
    )
    zone = services.settings.zone

    def local(iso: str | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
        """A stored UTC time as people read it: in the service's time zone."""
        return datetime.fromisoformat(iso).astimezone(zone).strftime(fmt) if iso else ""

    env.filters["local"] = local
    for part in (auth, queue, cases, clients, availability, campaigns, deliveries, admin, reports):
        part.add_routes(app)
    app.router.add_static("/static/", STATIC)
    app.router.add_route("*", "/{tail:.*}", nothing_here)
    return app


async def nothing_here(request: web.Request) -> web.Response:
    """Any other path: once signed in, there is nothing there."""
    raise web.HTTPNotFound(text="There is no such page.")
