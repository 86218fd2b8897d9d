"""The webhooks: Twilio's inbound messages and delivery reports, Telegram's updates, the phone
simulator, and the load balancers' health check. Each checks its caller its own way (a
signature, a secret, loopback only)."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.bootstrap import Services
from bot.web.hooks import simulator, telegram, twilio, vonage
from bot.web.http import SERVICES, services_of

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    try:
        await services_of(request).db.ping()
    except Exception:
        log.warning("health check: database unreachable")
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


def create(services: Services) -> web.Application:
    app = web.Application()
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    twilio.add_routes(app)
    vonage.add_routes(app)
    telegram.add_routes(app)
    simulator.add_routes(app)
    return app
