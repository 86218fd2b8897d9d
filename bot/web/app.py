"""Builds the web server around a ``Services``: three apps by audience, each behind its own
guard, under one shell that adds security headers and never echoes an error.

- the webhooks (``bot.web.hooks``): Twilio, Telegram and the simulator;
- the JSON API at ``/api/v1`` (``bot.web.api``): a bearer token on every call;
- the staff pages (``bot.web.staff``), and every other path: a signed-in user and a CSRF
  token on every form.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.bootstrap import Services
from bot.web import api, hooks, staff
from bot.web.http import SERVICES, Handler, mount

log = logging.getLogger(__name__)


@web.middleware
async def never_echo_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unexpected errors become a plain 500 that says nothing of the request or its state."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("error handling %s %s", request.method, request.path)
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


def create_app(services: Services) -> web.Application:
    app = web.Application(middlewares=[security_headers, never_echo_errors])
    app[SERVICES] = services
    # In this order: the staff pages answer every path the others do not claim.
    mount(app, hooks.create(services), "webhooks")
    mount(app, api.create(services), "api")
    mount(app, staff.create(services), "staff pages")
    return app
