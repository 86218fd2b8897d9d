"""Admin pages of the staff web app: users, practices, saved replies, the settings in force and
the audit log. Link workers are told these pages are for admins, and shown nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.web.api import parse_id
from bot.web.keys import SERVICES
from bot.web.staff import SESSION, page
from flows.model import Role
from storage import notes, queries, staff, web_sessions
from storage.tables import StaffUserRow

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Settings shown on the settings page; secrets (tokens, passwords, keys) never are.
SHOWN_SETTINGS = (
    "service_name",
    "service_phone",
    "service_timezone",
    "service_nation",
    "public_base_url",
    "database_url",
    "send_window",
    "reminder_offsets",
    "follow_up_after",
    "twilio_from",
    "twilio_max_rate",
    "email_from",
    "questionnaires_dir",
    "log_level",
)
SECRET_SETTINGS = ("twilio_auth_token", "telegram_bot_token", "telegram_webhook_secret", "smtp_url")


def admins_only(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not request[SESSION].user.is_admin:
            raise web.HTTPForbidden(text="This page is for admins.")
        return await handler(request)

    return guarded


async def home(request: web.Request) -> web.Response:
    return page(request, "admin.html")


async def users_page(
    request: web.Request,
    *,
    problem: str | None = None,
    made: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    async with request.app[SERVICES].db.read() as session:
        users = await queries.all_staff(session)
        practices = await queries.all_practices(session)
    return page(
        request,
        "admin_users.html",
        status=status,
        users=users,
        practices=practices,
        problem=problem,
        made=made,
        roles=[r.value for r in Role],
        now=request.app[SERVICES].clock.now(),
    )


async def add_user(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, admin = request.app[SERVICES], request[SESSION].user
    email, name = str(form.get("email", "")), str(form.get("name", ""))
    try:
        async with services.db.write() as session:
            row, password = await staff.add_user(
                session,
                email,
                name,
                str(form.get("role", "")),
                [str(c) for c in form.getall("practice", [])],
                services.clock.now(),
            )
            await web_sessions.audit(
                session, admin.id, "add_user", f"user:{row.id}", services.clock.now()
            )
    except staff.StaffError as exc:
        problem = str(exc).replace("--practice", "practice")
        return await users_page(
            request, problem=problem[:1].upper() + problem[1:] + ".", status=422
        )
    return await users_page(request, made={"email": row.email, "password": password})


async def reset_password(request: web.Request) -> web.StreamResponse:
    services, admin = request.app[SERVICES], request[SESSION].user
    user_id = parse_id(request.match_info["id"])
    async with services.db.write() as session:
        row = await session.get(StaffUserRow, user_id) if user_id is not None else None
        if row is None:
            raise web.HTTPNotFound(text="There is no such user.")
        password = await staff.reset_password(session, row.email)
        await web_sessions.audit(
            session, admin.id, "reset_password", f"user:{row.id}", services.clock.now()
        )
    return await users_page(request, made={"email": row.email, "password": password})


async def practices_page(
    request: web.Request, *, problem: str | None = None, status: int = 200
) -> web.Response:
    async with request.app[SERVICES].db.read() as session:
        practices = await queries.all_practices(session)
    return page(
        request, "admin_practices.html", status=status, practices=practices, problem=problem
    )


async def add_practice(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, admin = request.app[SERVICES], request[SESSION].user
    try:
        async with services.db.write() as session:
            practice, _ = await staff.add_practice(
                session,
                str(form.get("code", "")),
                str(form.get("name", ""))[:200],
                str(form.get("area", ""))[:200],
            )
            await web_sessions.audit(
                session, admin.id, "save_practice", f"practice:{practice.id}", services.clock.now()
            )
    except staff.StaffError as exc:
        problem = str(exc)
        return await practices_page(
            request, problem=problem[:1].upper() + problem[1:] + ".", status=422
        )
    raise web.HTTPFound("/admin/practices")


async def replies_page(
    request: web.Request, *, problem: str | None = None, status: int = 200
) -> web.Response:
    async with request.app[SERVICES].db.read() as session:
        templates = await notes.templates(session)
    return page(
        request,
        "admin_replies.html",
        status=status,
        templates=templates,
        problem=problem,
        max_title=notes.MAX_TITLE,
        max_text=notes.MAX_TEMPLATE,
    )


async def save_reply(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, admin = request.app[SERVICES], request[SESSION].user
    template_id = parse_id(str(form.get("id", "")))
    title, text = str(form.get("title", "")).strip(), str(form.get("text", "")).strip()
    if form.get("action") == "delete" and template_id is not None:
        async with services.db.write() as session:
            await notes.delete_template(session, template_id)
            await web_sessions.audit(
                session,
                admin.id,
                "delete_saved_reply",
                f"reply:{template_id}",
                services.clock.now(),
            )
        raise web.HTTPFound("/admin/replies")
    if not title or not text:
        return await replies_page(
            request, problem="A saved reply needs a title and some text.", status=422
        )
    if len(title) > notes.MAX_TITLE or len(text) > notes.MAX_TEMPLATE:
        return await replies_page(
            request,
            status=422,
            problem=(f"A title can be {notes.MAX_TITLE} characters, a reply {notes.MAX_TEMPLATE}."),
        )
    async with services.db.write() as session:
        problem = await notes.save_template(session, template_id, title, text, services.clock.now())
        if problem is None:
            await web_sessions.audit(
                session,
                admin.id,
                "save_saved_reply",
                f"reply:{template_id or 'new'}",
                services.clock.now(),
            )
    if problem:
        return await replies_page(request, problem=problem, status=422)
    raise web.HTTPFound("/admin/replies")


async def settings_page(request: web.Request) -> web.Response:
    settings = request.app[SERVICES].settings
    shown: list[tuple[str, Any]] = []
    for name in SHOWN_SETTINGS:
        value = getattr(settings, name, None)
        if name == "database_url" and isinstance(value, str) and "@" in value:
            scheme, _, rest = value.partition("://")
            value = f"{scheme}://(hidden)@{rest.rpartition('@')[2]}"  # no password shown
        shown.append((name.upper(), value))
    for name in SECRET_SETTINGS:
        shown.append((name.upper(), "set (not shown)" if getattr(settings, name) else "not set"))
    return page(request, "admin_settings.html", settings=shown)


async def audit_page(request: web.Request) -> web.Response:
    query = request.query
    before = parse_id(query.get("before", ""))
    user_id = parse_id(query.get("user", ""))
    action, subject = query.get("action", "")[:40].strip(), query.get("subject", "")[:60].strip()
    services = request.app[SERVICES]
    async with services.db.write() as session:
        found = await queries.audit_page(
            session, before=before, user_id=user_id, action=action, subject=subject
        )
        users = {u.id: u.name for u, _ in await queries.all_staff(session)}
        await web_sessions.audit(
            session, request[SESSION].user.id, "read_audit_log", None, services.clock.now()
        )
    return page(
        request,
        "admin_audit.html",
        rows=found.rows,
        next=found.next,
        users=users,
        filters={"user": user_id, "action": action, "subject": subject},
    )


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/admin", admins_only(home))
    r.add_get("/admin/users", admins_only(users_page))
    r.add_post("/admin/users", admins_only(add_user))
    r.add_post("/admin/users/{id}/reset", admins_only(reset_password))
    r.add_get("/admin/practices", admins_only(practices_page))
    r.add_post("/admin/practices", admins_only(add_practice))
    r.add_get("/admin/replies", admins_only(replies_page))
    r.add_post("/admin/replies", admins_only(save_reply))
    r.add_get("/admin/settings", admins_only(settings_page))
    r.add_get("/admin/audit", admins_only(audit_page))
