"""The queue page: open cases the user may see, most urgent first, with how long each has
waited and has left, an urgent case nobody has taken in time marked (and when the duty contact
was alerted about it); and the event stream that keeps it up to date."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.actions import cases, deliveries
from bot.web.http import services_of
from bot.web.staff.deliveries import mark
from bot.web.staff.pages import TOKEN, page, user
from flows.model import CasePriority
from storage import queries, web_sessions
from storage.records import CaseLine

QUEUE_POLL_SECONDS = 1.0  # how often the queue page's event stream looks for changes
QUEUE_LIMIT = 200  # the queue page shows at most this many; the API pages through them all


def _waiting(since: datetime, now: datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


def _alerted(at: datetime | None, now: datetime, zone: ZoneInfo) -> str | None:
    """When the duty contact was alerted, in the service's time: "at 14:05", with the day
    when it was not today."""
    if at is None:
        return None
    local = at.astimezone(zone)
    day = "" if local.date() == now.astimezone(zone).date() else f" on {local:%d %b}"
    return f"Duty contact alerted{day} at {local:%H:%M}"


def _shown(line: CaseLine, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    row = line.row
    late = row.due_by < now
    unclaimed = late and row.priority == CasePriority.URGENT and row.assigned_to is None
    due = (
        f"overdue by {_waiting(row.due_by, now)}"
        if late
        else f"answer within {_waiting(now, row.due_by)}"
    )
    return {
        "id": row.id,
        "priority": row.priority,
        "reason": row.reason.replace("_", " "),
        "practice": line.practice_code,
        "waiting": _waiting(row.created_at, now),
        "due": due,
        "late": late,
        "unclaimed": unclaimed,
        "alerted": _alerted(row.duty_alerted_at, now, zone),
        "assigned": line.assigned_name,
        "client": line.client_name,
    }


async def queue(request: web.Request) -> web.Response:
    """Open cases the user may see: most urgent first, then the longest waiting; filtered to
    ``show`` (mine, unassigned or all), a ``practice`` code and a ``reason``. Above them, a
    line when messages could not be delivered or timers failed lately."""
    services, me = services_of(request), user(request)
    now = services.clock.now()
    show = request.query.get("show", "all")
    practice, reason = request.query.get("practice", ""), request.query.get("reason", "")
    lines, following = await cases.queue(services, me, "open", QUEUE_LIMIT, None)
    chosen = [
        line
        for line in lines
        if (show != "mine" or line.row.assigned_to == me.id)
        and (show != "unassigned" or line.row.assigned_to is None)
        and (not practice or line.practice_code == practice)
        and (not reason or line.row.reason == reason)
    ]
    filters = {
        "show": show,
        "practice": practice,
        "reason": reason,
        "practices": sorted({line.practice_code for line in lines if line.practice_code}),
        "reasons": sorted({line.row.reason for line in lines}),
    }
    shown = [_shown(line, now, services.settings.zone) for line in chosen]
    problems = mark(await deliveries.recent(services, me))
    return page(
        request,
        "queue.html",
        cases=shown,
        filters=filters,
        more=following is not None,
        problems=problems,
    )


async def queue_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events for the queue page: "changed" whenever a case opens, closes or
    changes hands, or a client writes, among the cases the user may see. It reads the database,
    so it works whichever instance took the message.

    It lasts only as long as the sign-in behind it: at every look (each ``QUEUE_POLL_SECONDS``,
    and at once when this process signs anyone out) it checks the session again, and when the
    session has ended (signed out, expired, password reset) or the user is disabled it sends
    "signed-out" and closes."""
    services, me, token = services_of(request), user(request), request[TOKEN]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    last = None
    with services.sessions_ended.watch() as ended:
        try:
            while True:
                ended.clear()
                async with services.db.read() as session:
                    if not await web_sessions.still_signed_in(session, token, services.clock.now()):
                        await response.write(b"event: signed-out\ndata: \n\n")
                        break
                    state = await queries.queue_state(session, me)
                if last is not None and state != last:
                    await response.write(f"event: changed\ndata: {state[0]}\n\n".encode())
                elif last is None:
                    await response.write(b": watching the queue\n\n")
                last = state
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ended.wait(), QUEUE_POLL_SECONDS)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
    return response


async def home(request: web.Request) -> web.Response:
    """The staff app's home: the queue."""
    raise web.HTTPFound("/queue")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/queue", queue)
    app.router.add_get("/queue/events", queue_events)
