"""``GET /api/v1/reports/summary?from=YYYY-MM-DD&to=YYYY-MM-DD``: the service's figures."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from bot.web.api import PREFIX, ApiError, _user
from bot.web.keys import SERVICES
from storage import reports
from storage.web_sessions import audit

MAX_DAYS = 366 * 5


def _date(request: web.Request, name: str) -> date:
    raw = request.query.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(422, "invalid", f"{name}: a date like 2026-04-01.") from None


async def summary(request: web.Request) -> web.Response:
    if not _user(request).is_admin:
        # The figures cover every practice; a link worker's view is the queue.
        raise ApiError(403, "forbidden", "The service's figures are for admins.")
    start, end = _date(request, "from"), _date(request, "to")
    if end < start:
        raise ApiError(422, "invalid", "to: on or after from.")
    if (end - start).days > MAX_DAYS:
        raise ApiError(422, "invalid", "to: at most five years after from.")
    services = request.app[SERVICES]
    query = request.query
    async with services.db.write() as session:
        try:
            narrowing = await reports.narrowing(
                session,
                query.get("practice", ""),
                query.get("pathway", ""),
                query.get("worker", ""),
            )
        except reports.BadNarrowing as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        directory = await services.directory.index(session)
        body = await reports.summary(
            session, reports.Period(start, end), services.settings.zone, directory, narrowing
        )
        await audit(
            session,
            _user(request).id,
            "export_report",
            f"report:{start}..{end}",
            services.clock.now(),
        )
    return web.json_response(body)


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/reports/summary", summary)
