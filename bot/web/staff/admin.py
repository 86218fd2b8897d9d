"""Admin pages of the staff web app: users, practices, saved replies, the settings in force and
the audit log. Link workers are told these pages are for admins, and shown nothing."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.actions import admin
from bot.actions.errors import Invalid
from bot.web.http import Handler, parse_id, services_of
from bot.web.staff.pages import page, problem, user
from flows.model import Role
from storage import notes, queries

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
    "booking_by_reply",
    "offer_hold",
    "waiting_list_notice",
    "twilio_from",
    "twilio_max_rate",
    "email_from",
    "questionnaires_dir",
    "log_level",
)
SECRET_SETTINGS = ("twilio_auth_token", "telegram_bot_token", "telegram_webhook_secret", "smtp_url")


def admins_only(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not user(request).is_admin:
            raise web.HTTPForbidden(text="This page is for admins.")
        return await handler(request)

    return guarded


async def home(request: web.Request) -> web.Response:
    return page(request, "admin.html")


async def users_page(
    request: web.Request,
    *,
    trouble: str | None = None,
    made: dict[str, str] | None = None,
    done: str | None = None,
    status: int = 200,
) -> web.Response:
    async with services_of(request).db.read() as session:
        users = await queries.all_staff(session)
        practices = await queries.all_practices(session)
    return page(
        request,
        "admin_users.html",
        status=status,
        users=users,
        practices=practices,
        problem=trouble,
        made=made,
        done=done,
        roles=[r.value for r in Role],
        now=services_of(request).clock.now(),
    )


async def add_user(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        row, password = await admin.add_user(
            services_of(request),
            user(request),
            str(form.get("email", "")),
            str(form.get("name", "")),
            str(form.get("role", "")),
            [str(c) for c in form.getall("practice", [])],
        )
    except Invalid as exc:
        said = exc.message.replace("--practice", "practice")
        return await users_page(request, trouble=said[:1].upper() + said[1:] + ".", status=422)
    return await users_page(request, made={"email": row.email, "password": password})


async def reset_password(request: web.Request) -> web.StreamResponse:
    target = parse_id(request.match_info["id"])
    row, password = await admin.reset_password(services_of(request), user(request), target)
    return await users_page(request, made={"email": row.email, "password": password})


async def revoke_tokens(request: web.Request) -> web.StreamResponse:
    target = parse_id(request.match_info["id"])
    if target is None:
        raise web.HTTPNotFound(text="There is no such user.")
    row, revoked = await admin.revoke_tokens(services_of(request), user(request), target)
    said = f"{revoked} API token{'' if revoked == 1 else 's'} of {row.name} revoked."
    return await users_page(request, done=said)


async def disable_user(request: web.Request) -> web.StreamResponse:
    target = parse_id(request.match_info["id"])
    if target is None:
        raise web.HTTPNotFound(text="There is no such user.")
    try:
        row, revoked = await admin.disable_user(services_of(request), user(request), target)
    except Invalid as exc:
        return await users_page(request, trouble=problem(exc), status=422)
    said = (
        f"{row.name} is disabled: signed out everywhere, {revoked} API "
        f"token{'' if revoked == 1 else 's'} revoked. They can no longer sign in."
    )
    return await users_page(request, done=said)


async def practices_page(
    request: web.Request, *, trouble: str | None = None, status: int = 200
) -> web.Response:
    async with services_of(request).db.read() as session:
        practices = await queries.all_practices(session)
    return page(
        request, "admin_practices.html", status=status, practices=practices, problem=trouble
    )


async def add_practice(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        await admin.add_practice(
            services_of(request),
            user(request),
            str(form.get("code", "")),
            str(form.get("name", ""))[:200],
            str(form.get("area", ""))[:200],
        )
    except Invalid as exc:
        said = exc.message
        return await practices_page(request, trouble=said[:1].upper() + said[1:] + ".", status=422)
    raise web.HTTPFound("/admin/practices")


async def replies_page(
    request: web.Request, *, trouble: str | None = None, status: int = 200
) -> web.Response:
    async with services_of(request).db.read() as session:
        templates = await notes.templates(session)
    return page(
        request,
        "admin_replies.html",
        status=status,
        templates=templates,
        problem=trouble,
        max_title=notes.MAX_TITLE,
        max_text=notes.MAX_TEMPLATE,
    )


async def save_reply(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    services, me = services_of(request), user(request)
    reply_id = parse_id(str(form.get("id", "")))
    try:
        if form.get("action") == "delete" and reply_id is not None:
            await admin.delete_reply(services, me, reply_id)
        else:
            title, text = str(form.get("title", "")), str(form.get("text", ""))
            await admin.save_reply(services, me, reply_id, title, text)
    except Invalid as exc:
        return await replies_page(request, trouble=problem(exc), status=422)
    raise web.HTTPFound("/admin/replies")


async def settings_page(request: web.Request) -> web.Response:
    settings = services_of(request).settings
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
    found, users = await admin.audit_log(
        services_of(request),
        user(request),
        before=before,
        user_id=user_id,
        action=action,
        subject=subject,
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
    r.add_post("/admin/users/{id}/revoke-tokens", admins_only(revoke_tokens))
    r.add_post("/admin/users/{id}/disable", admins_only(disable_user))
    r.add_get("/admin/practices", admins_only(practices_page))
    r.add_post("/admin/practices", admins_only(add_practice))
    r.add_get("/admin/replies", admins_only(replies_page))
    r.add_post("/admin/replies", admins_only(save_reply))
    r.add_get("/admin/settings", admins_only(settings_page))
    r.add_get("/admin/audit", admins_only(audit_page))
