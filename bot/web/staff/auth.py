"""The staff web app's front door: signing in and out, choosing a password, and the guard that
keeps every other staff page behind a login and every form behind a CSRF token."""

from __future__ import annotations

import secrets
import unicodedata
from urllib.parse import unquote, urlencode, urlsplit

from aiohttp import web

from bot.web.http import Handler, services_of
from bot.web.staff.pages import SESSION, TOKEN, page
from storage import passwords, web_sessions

SESSION_COOKIE = "linkbot_session"
LOGIN_CSRF_COOKIE = "linkbot_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _secure(request: web.Request) -> bool:
    return services_of(request).settings.public_base_url.startswith("https://")


def _set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="Strict", secure=_secure(request), path="/"
    )


LOCKED = (
    "Too many attempts. Signing in is locked for "
    f"{int(web_sessions.LOCKED_FOR.total_seconds() // 60)} minutes: please try again after that."
)
WRONG = "That e-mail address and password do not match."


def _plain_path(text: str) -> bool:
    return (
        text.startswith("/")
        and not text.startswith(("//", "/\\"))
        and "\\" not in text
        and not any(c.isspace() or unicodedata.category(c).startswith("C") for c in text)
    )


def local_path(target: str, fallback: str = "/queue") -> str:
    """Where to go after signing in: only a path on this site, else ``fallback``. A path starts
    with one ``/`` (not ``//`` or ``/\\``), and neither it nor what its percent-escapes decode
    to holds a backslash, whitespace or a control character, a scheme or a host."""
    decoded = target
    for _ in range(5):  # escapes of escapes, as far as anyone would nest them
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
    else:
        return fallback
    for text in (target, decoded):
        parts = urlsplit(text)
        if not _plain_path(text) or parts.scheme or parts.netloc:
            return fallback
    return target


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every staff page but signing in needs a signed-in user; every form needs its CSRF
    token; a first sign-in must choose a password before anything else."""
    if is_public(request.match_info.route):
        return await handler(request)
    services = services_of(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    found = None
    if token:
        found = await web_sessions.session_for(services.db, token, services.clock.now())
    if found is None:
        if request.method in SAFE_METHODS:
            raise web.HTTPFound("/login?" + urlencode({"next": request.path_qs}))
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
        next=local_path(request.query.get("next", "/queue")),
    )
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, login_csrf)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    sent, expected = form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise web.HTTPForbidden(text="This form has expired. Please go back and try again.")
    email, password = str(form.get("email", ""))[:320], str(form.get("password", ""))[:1024]
    services = services_of(request)
    # The address as this server sees it: no proxy's header is trusted.
    outcome = await web_sessions.log_in(
        services.db, email, password, request.remote or "unknown", services.clock.now()
    )
    if isinstance(outcome, web_sessions.LoginProblem):
        problem = LOCKED if outcome is web_sessions.LoginProblem.LOCKED else WRONG
        response = page(
            request,
            "login.html",
            status=401,
            login_csrf=expected,
            problem=problem,
            email=email,
            next=local_path(str(form.get("next", "/queue"))),
        )
        return response
    target = (
        "/password"
        if outcome.session.must_change_password
        else local_path(str(form.get("next", "/queue")))
    )
    response = web.HTTPFound(target)
    _set_cookie(request, response, SESSION_COOKIE, outcome.token)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    async with services.db.write() as session:
        await web_sessions.log_out(session, request[TOKEN], services.clock.now())
    services.sessions_ended.announce()
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def password_page(request: web.Request) -> web.Response:
    return page(
        request,
        "password.html",
        problem=None,
        min_length=passwords.MIN_PASSWORD,
        must_change=request[SESSION].must_change_password,
    )


async def change_password(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, found = services_of(request), request[SESSION]
    problem = await passwords.change_password(
        services.db,
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
            min_length=passwords.MIN_PASSWORD,
            must_change=found.must_change_password,
        )
    services.sessions_ended.announce()
    raise web.HTTPFound("/queue")


PUBLIC: frozenset[Handler] = frozenset({login_page, login})  # the only pages without a login


def is_public(route: web.AbstractRoute) -> bool:
    """Signing in, and the static files (styles and scripts), need no login."""
    return route.handler in PUBLIC or isinstance(route.resource, web.StaticResource)


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/login", login_page)
    r.add_post("/login", login)
    r.add_post("/logout", logout)
    r.add_get("/password", password_page)
    r.add_post("/password", change_password)
