"""``GET /api/v1/reports/summary?from=YYYY-MM-DD&to=YYYY-MM-DD``: the service's figures."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.actions import reports
from bot.actions.errors import Invalid
from bot.web.api.base import PREFIX, user
from bot.web.http import services_of


def _date(request: web.Request, name: str) -> date:
    try:
        return date.fromisoformat(request.query.get(name, ""))
    except ValueError:
        raise Invalid(f"{name}: a date like 2026-04-01.") from None


async def summary(request: web.Request) -> web.Response:
    query = request.query
    chosen = reports.Chosen(
        _date(request, "from"),
        _date(request, "to"),
        query.get("practice", ""),
        query.get("pathway", ""),
        query.get("worker", ""),
    )
    figures = await reports.export(services_of(request), user(request), chosen, "export_report")
    return web.json_response(figures)


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/reports/summary", summary)
