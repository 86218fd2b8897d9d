"""Builds the aiohttp application around a ``Services``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.bootstrap import Services
from bot.web import (
    api,
    appointments,
    campaigns,
    directory,
    referrals,
    reports,
    scores,
    simulator,
    sms,
    staff,
    staff_admin,
    staff_campaigns,
    staff_cases,
    staff_clients,
    staff_reports,
    telegram,
)
from bot.web.keys import SERVICES

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def never_echo_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unexpected errors become a plain 500 that says nothing of the request or its state."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("error handling %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            return api.error(500, "internal", "Something went wrong on our side.")
        return web.Response(status=500, text="Something went wrong on our side.")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


class AccessLogger(AbstractAccessLogger):
    """Method, path and status only: query strings can hold phone numbers."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, elapsed: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, elapsed * 1000
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        await services.db.ping()
    except Exception:
        log.warning("health check: database unreachable")
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def index(request: web.Request) -> web.Response:
    """The staff app's home: the queue (the login guard sends strangers to sign in)."""
    raise web.HTTPFound("/queue")


def create_app(services: Services) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, never_echo_errors, api.authenticate, staff.require_login]
    )
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", index)
    staff.setup(app)
    staff_cases.add_routes(app)
    staff_clients.add_routes(app)
    staff_campaigns.add_routes(app)
    staff_admin.add_routes(app)
    staff_reports.add_routes(app)
    app.router.add_static("/static/", Path(__file__).parent / "static")
    sms.add_routes(app)
    telegram.add_routes(app)
    referrals.add_routes(app)  # before the API's catch-all for unknown calls
    appointments.add_routes(app)
    reports.add_routes(app)
    campaigns.add_routes(app)
    scores.add_routes(app)
    directory.add_routes(app)
    api.add_routes(app)
    if services.settings.simulator_enabled:
        simulator.add_routes(app)
    return app
