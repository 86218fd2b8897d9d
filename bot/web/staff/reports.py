"""The figures dashboard (admins): the summary for a period, practice, pathway or link worker,
each figure with its definition beside it, charts drawn as plain SVG on the server, and the
same figures to download as CSV, Excel or JSON (small counts suppressed, audited)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiohttp import web

from bot import report_files
from bot.actions import reports
from bot.actions.errors import Invalid
from bot.web.http import services_of
from bot.web.staff.admin import admins_only
from bot.web.staff.pages import page, user
from storage.reports import DEFINITIONS, PATHWAYS, SOURCES

MOST_WEEKS = 16  # longer periods are charted by month
LABELS = {
    "engagement_rate": "Engagement",
    "dna_rate": "Did not attend",
    "confirmation_rate": "Sessions confirmed",
    "median_days_to_first_contact": "Days to first contact",
    "median_days_to_first_session": "Days to first session",
}
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _bars(pairs: list[tuple[str, float | None]], *, rate: bool = False) -> dict[str, Any]:
    """Bars scaled to the largest value, for the template to draw."""
    values = [v for _, v in pairs if v is not None]
    top = max(values, default=0) or 1
    return {
        "rate": rate,
        "bars": [
            {
                "label": label,
                "value": value,
                "width": 0 if value is None else round(100 * value / (1 if rate else top), 1),
            }
            for label, value in pairs
        ],
    }


def _by_month(weeks: list[tuple[date, dict[str, int]]]) -> list[tuple[str, dict[str, int]]]:
    """Weekly counts gathered into the month each week starts in, for long periods."""
    months: dict[str, dict[str, int]] = {}
    for week, counts in weeks:
        month = months.setdefault(week.strftime("%b %Y"), dict.fromkeys(counts, 0))
        for source, n in counts.items():
            month[source] += n
    return list(months.items())


def _choices(request: web.Request) -> reports.Chosen:
    """The period (the last year unless given) and the narrowing, from the query."""
    services = services_of(request)
    today = services.clock.now().astimezone(services.settings.zone).date()
    query = request.query
    try:
        start = (
            date.fromisoformat(query.get("from", ""))
            if query.get("from")
            else (today - timedelta(days=365))
        )
        end = date.fromisoformat(query.get("to", "")) if query.get("to") else today
    except ValueError:
        raise web.HTTPBadRequest(text="Please give dates like 2026-04-01.") from None
    chosen = (query.get(k, "")[:80] for k in ("practice", "pathway", "worker"))
    return reports.Chosen(start, end, *chosen)


async def dashboard(request: web.Request) -> web.Response:
    chosen = _choices(request)
    try:
        shown = await reports.dashboard(services_of(request), user(request), chosen)
    except Invalid as exc:
        raise web.HTTPBadRequest(text=_period_problem(exc)) from None
    body, weeks, monthly = shown.figures, shown.weeks, shown.monthly
    over_time = (
        _by_month(weeks)
        if len(weeks) > MOST_WEEKS
        else [(f"w/c {w.strftime('%d %b')}", c) for w, c in weeks]
    )
    top = max((sum(c.values()) for _, c in over_time), default=0) or 1
    charts = {
        "weeks_or_months": "week" if len(weeks) <= MOST_WEEKS else "month",
        "weeks": [
            {
                "label": label,
                "total": sum(c.values()),
                "parts": [
                    {"source": s, "n": n, "width": round(100 * n / top, 1)}
                    for s, n in c.items()
                    if n
                ],
            }
            for label, c in over_time
        ],
        "engagement": _bars(
            [(m.start.strftime("%b %Y"), engaged) for m, engaged, _ in monthly], rate=True
        ),
        "dna": _bars([(m.start.strftime("%b %Y"), dna) for m, _, dna in monthly], rate=True),
        "contact": _bars(list(body["days_to_first_contact"].items())),
        "change": _bars(list(body["wellbeing_change"].items())),
        "follow_ups": _bars(
            [("sent", body["follow_ups"]["sent"]), ("answered", body["follow_ups"]["answered"])]
        ),
        "slots": _bars(list(body["slots"].items())),
        "unmet": _bars(sorted(body["unmet_needs"].items(), key=lambda kv: -(kv[1] or 0))),
        "needs": _bars(sorted(body["referrals"]["by_need"].items(), key=lambda kv: -(kv[1] or 0))),
    }
    narrowed = {"practice": chosen.practice, "pathway": chosen.pathway, "worker": chosen.worker}
    pairs = (("from", chosen.start), ("to", chosen.end), *narrowed.items())
    return page(
        request,
        "dashboard.html",
        figures=body,
        charts=charts,
        start=chosen.start,
        end=chosen.end,
        chosen=narrowed,
        practices=shown.practices,
        staff=shown.staff,
        pathways=PATHWAYS + SOURCES,
        query="&".join(f"{k}={v}" for k, v in pairs if v),
        definitions=DEFINITIONS,
        labels=LABELS,
    )


def _period_problem(exc: Invalid) -> str:
    if exc.field in ("to", "from"):
        return "The period must end after it starts, within five years."
    return exc.message


async def export(request: web.Request) -> web.StreamResponse:
    fmt = request.match_info["format"]
    if fmt not in TYPES:
        raise web.HTTPNotFound(text="There is no such export.")
    chosen = _choices(request)
    try:
        body = await reports.export(
            services_of(request), user(request), chosen, f"export_report:{fmt}"
        )
    except Invalid as exc:
        raise web.HTTPBadRequest(text=_period_problem(exc)) from None
    return web.Response(
        body=report_files.render(body, fmt),
        content_type=TYPES[fmt].split(";")[0],
        charset="utf-8" if fmt != "xlsx" else None,
        headers={
            "Content-Disposition": (
                f'attachment; filename="figures-{chosen.start}-{chosen.end}.{fmt}"'
            ),
            "Cache-Control": "no-store",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/reports", admins_only(dashboard))
    app.router.add_get("/reports/export.{format}", admins_only(export))
