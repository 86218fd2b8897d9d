"""What the three web apps (webhooks, the JSON API, the staff pages) share: the services on
every app, reading ids from paths, and mounting an app where its own routes are."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRuleMatching, MatchedSubAppResource

from bot.bootstrap import Services

SERVICES = web.AppKey("services", Services)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def services_of(request: web.Request) -> Services:
    return request.config_dict[SERVICES]


def parse_id(raw: str) -> int | None:
    """An id from a URL or a form: plain ASCII digits that fit a database integer, else None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


class _OwnRoutes(AbstractRuleMatching):
    """Matches the requests that one app has a route for, whatever their path."""

    def __init__(self, app: web.Application, name: str) -> None:
        self._app, self._name = app, name

    async def match(self, request: web.Request) -> bool:
        found = await self._app.router.resolve(request)
        return not isinstance(found.http_exception, web.HTTPNotFound)

    def get_info(self) -> dict[str, str]:  # type: ignore[override]
        return {"rule": self._name}

    @property
    def canonical(self) -> str:
        return self._name


def mount(parent: web.Application, app: web.Application, name: str) -> None:
    """Serve ``app``'s own routes from ``parent``, each request through ``app``'s middleware.

    The staff pages and the webhooks have no common path prefix (``/login``, ``/queue``,
    ``/cases/1``; ``/sms/inbound``, ``/telegram/webhook``), so they are matched by route:
    aiohttp's mechanism for an app on its own domain (``add_domain``), with a rule of ours."""
    parent._add_subapp(lambda: MatchedSubAppResource(_OwnRoutes(app, name), app), app)
