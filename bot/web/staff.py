"""The staff web app's front door: sign in, sign out, choosing a password, and the guard that
keeps every other staff page behind a login and every form behind a CSRF token."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.web.keys import SERVICES
from storage import queries, web_sessions
from storage.tables import CaseRow

SESSION_COOKIE = "linkbot_session"
LOGIN_CSRF_COOKIE = "linkbot_login_csrf"
SESSION = web.RequestKey("staff_session", web_sessions.WebSession)
TOKEN = web.RequestKey("staff_token", str)
# Paths with their own protection (webhook signatures, API tokens) or none needed.
OPEN_PREFIXES = (
    "/login",
    "/static/",
    "/healthz",
    "/sms/",
    "/telegram/",
    "/simulator",
    "/api/",
    "/favicon.ico",
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
QUEUE_POLL_SECONDS = 1.0  # how often the queue page's event stream looks for changes
QUEUE_LIMIT = 200  # the queue page shows at most this many; the API pages through them all

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_open(path: str) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p) for p in OPEN_PREFIXES)


def _secure(request: web.Request) -> bool:
    return request.app[SERVICES].settings.public_base_url.startswith("https://")


def _set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Strict", secure=_secure(request), path="/"
    )


def _local(target: str) -> str:
    """Only a path on this site: never somewhere else after signing in."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every staff page needs a signed-in user; every staff form needs its CSRF token."""
    if _is_open(request.path):
        return await handler(request)
    services = request.app[SERVICES]
    token = request.cookies.get(SESSION_COOKIE, "")
    found = None
    if token:
        async with services.db.write() as session:
            found = await web_sessions.session_for(session, token, services.clock.now())
    if found is None:
        if request.method in SAFE_METHODS:
            raise web.HTTPFound(f"/login?next={request.path}")
        raise web.HTTPForbidden(text="Please sign in again.")
    if request.method not in SAFE_METHODS:
        form = await request.post()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, found.csrf):
            raise web.HTTPForbidden(text="This form has expired. Please go back and try again.")
    if found.must_change_password and request.path not in ("/password", "/logout"):
        raise web.HTTPFound("/password")
    request[SESSION], request[TOKEN] = found, token
    return await handler(request)


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    services = request.app[SERVICES]
    found = request.get(SESSION)
    context |= {
        "service": services.settings.service_name,
        "user": found.user if found else None,
        "csrf": found.csrf if found else "",
    }
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    # Our own styles only: no scripts, frames or forms posting elsewhere.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    return response


async def login_page(request: web.Request) -> web.Response:
    # Kept while it lasts: a second sign-in page (another tab, a browser fetching the icon and
    # being sent here) must not spoil the first one's form.
    kept = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    login_csrf = kept if 20 <= len(kept) <= 64 else secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        login_csrf=login_csrf,
        problem=None,
        email="",
        next=_local(request.query.get("next", "/queue")),
    )
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, login_csrf)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    sent, expected = form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise web.HTTPForbidden(text="This form has expired. Please go back and try again.")
    email, password = str(form.get("email", ""))[:320], str(form.get("password", ""))[:1024]
    services = request.app[SERVICES]
    async with services.db.write() as session:
        outcome = await web_sessions.log_in(session, email, password, services.clock.now())
    if isinstance(outcome, web_sessions.LoginProblem):
        problem = (
            "Too many attempts. This account is locked for 15 minutes."
            if outcome is web_sessions.LoginProblem.LOCKED
            else "That e-mail address and password do not match."
        )
        response = page(
            request,
            "login.html",
            status=401,
            login_csrf=expected,
            problem=problem,
            email=email,
            next=_local(str(form.get("next", "/queue"))),
        )
        return response
    target = (
        "/password"
        if outcome.session.must_change_password
        else _local(str(form.get("next", "/queue")))
    )
    response = web.HTTPFound(target)
    _set_cookie(request, response, SESSION_COOKIE, outcome.token)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    async with services.db.write() as session:
        await web_sessions.log_out(session, request[TOKEN], services.clock.now())
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def password_page(request: web.Request) -> web.Response:
    return page(
        request,
        "password.html",
        problem=None,
        min_length=web_sessions.MIN_PASSWORD,
        must_change=request[SESSION].must_change_password,
    )


async def change_password(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, found = request.app[SERVICES], request[SESSION]
    async with services.db.write() as session:
        problem = await web_sessions.change_password(
            session,
            found.user.id,
            str(form.get("current", "")),
            str(form.get("new", "")),
            request[TOKEN],
            services.clock.now(),
        )
    if problem:
        return page(
            request,
            "password.html",
            status=422,
            problem=problem,
            min_length=web_sessions.MIN_PASSWORD,
            must_change=found.must_change_password,
        )
    raise web.HTTPFound("/queue")


def _waiting(since: datetime, now: datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


async def queue(request: web.Request) -> web.Response:
    """Open cases the user may see: most urgent first, then the longest waiting; filtered to
    ``show`` (mine, unassigned or all), a ``practice`` code and a ``reason``."""
    services, user = request.app[SERVICES], request[SESSION].user
    now = services.clock.now()
    show = request.query.get("show", "all")
    practice, reason = request.query.get("practice", ""), request.query.get("reason", "")
    async with services.db.read() as session:
        found = await queries.list_cases(session, user, "open", QUEUE_LIMIT, None)
        codes = await queries.practice_codes(
            session, {r.practice_id for r in found.rows if r.practice_id}
        )
        names = await queries.user_names(
            session, {r.assigned_to for r in found.rows if r.assigned_to}
        )
        clients = await queries.client_names(session, {r.client_id for r in found.rows})
    rows = [
        r
        for r in found.rows
        if (show != "mine" or r.assigned_to == user.id)
        and (show != "unassigned" or r.assigned_to is None)
        and (not practice or codes.get(r.practice_id or 0) == practice)
        and (not reason or r.reason == reason)
    ]
    filters = {
        "show": show,
        "practice": practice,
        "reason": reason,
        "practices": sorted({codes[r.practice_id] for r in found.rows if r.practice_id in codes}),
        "reasons": sorted({r.reason for r in found.rows}),
    }
    cases = [
        _case_line(row, codes, names, now) | {"client": clients.get(row.client_id)} for row in rows
    ]
    return page(request, "queue.html", cases=cases, filters=filters, more=found.next is not None)


async def queue_events(request: web.Request) -> web.StreamResponse:
    """Server-sent events for the queue page: "changed" whenever a case opens, closes or
    changes hands, or a client writes, among the cases the user may see. It reads the database,
    so it works whichever instance took the message."""
    services, user = request.app[SERVICES], request[SESSION].user
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    last = None
    try:
        while True:
            async with services.db.read() as session:
                state = await queries.queue_state(session, user)
            if last is not None and state != last:
                await response.write(f"event: changed\ndata: {state[0]}\n\n".encode())
            elif last is None:
                await response.write(b": watching the queue\n\n")
            last = state
            await asyncio.sleep(QUEUE_POLL_SECONDS)
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    return response


def _case_line(
    row: CaseRow, codes: dict[int, str], names: dict[int, str], now: datetime
) -> dict[str, Any]:
    late = row.due_by < now
    due = (
        f"overdue by {_waiting(row.due_by, now)}"
        if late
        else f"answer within {_waiting(now, row.due_by)}"
    )
    return {
        "id": row.id,
        "priority": row.priority,
        "reason": row.reason.replace("_", " "),
        "practice": codes.get(row.practice_id or 0),
        "waiting": _waiting(row.created_at, now),
        "due": due,
        "late": late,
        "assigned": names.get(row.assigned_to or 0),
    }


def setup(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
    )
    zone = app[SERVICES].settings.zone

    def local(iso: str | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
        """A stored UTC time as people read it: in the service's time zone."""
        return datetime.fromisoformat(iso).astimezone(zone).strftime(fmt) if iso else ""

    env.filters["local"] = local
    r = app.router
    r.add_get("/login", login_page)
    r.add_post("/login", login)
    r.add_post("/logout", logout)
    r.add_get("/password", password_page)
    r.add_post("/password", change_password)
    r.add_get("/queue", queue)
    r.add_get("/queue/events", queue_events)
