"""Follow-up campaigns in the staff web app: the list, a new campaign with a dry run first,
one campaign's figures, and pausing, resuming or cancelling it. The pages go through the same
checks as the API (``bot.web.campaigns``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.api import ApiError, parse_id
from bot.web.campaigns import (
    MAX_MESSAGE,
    campaign,
    campaign_page,
    change_status,
    create_campaign,
)
from bot.web.keys import SERVICES
from bot.web.staff import SESSION, page
from flows.campaigns import PATHWAYS
from flows.gsm import GSM_BASIC, GSM_EXTENDED
from flows.needs import NEEDS
from storage import queries, web_sessions

EXCLUSIONS = {
    "opted_out": "have opted out of messages",
    "open_case": "have an open case",
    "session_booked": "have a session booked",
    "in_conversation": "are in the middle of a conversation with the bot",
}
CHANGES = {"pause": "paused", "resume": "scheduled", "cancel": "cancelled"}


async def list_page(request: web.Request) -> web.Response:
    before = request.query.get("before", "")
    try:
        items, more = await campaign_page(request.app[SERVICES], request[SESSION].user, before)
    except ApiError:
        raise web.HTTPFound("/campaigns") from None
    return page(request, "campaigns.html", campaigns=items, next=items[-1]["id"] if more else None)


async def _practices(request: web.Request) -> list[tuple[str, str]]:
    """The practices the user may choose from, as (code, name)."""
    user = request[SESSION].user
    async with request.app[SERVICES].db.read() as session:
        rows = await queries.all_practices(session)
    return [(p.code, p.name) for p in rows if user.is_admin or p.id in user.practice_ids]


async def _form(
    request: web.Request,
    values: dict[str, Any],
    *,
    status: int = 200,
    problem: str | None = None,
    dry_run: dict[str, Any] | None = None,
) -> web.Response:
    services = request.app[SERVICES]
    today = services.clock.now().astimezone(services.settings.zone).date().isoformat()
    return page(
        request,
        "campaign_new.html",
        status=status,
        values=values,
        problem=problem,
        dry_run=dry_run,
        exclusions=EXCLUSIONS,
        practices=await _practices(request),
        needs=NEEDS,
        pathways=PATHWAYS,
        today=today,
        max_message=MAX_MESSAGE,
        gsm_basic=GSM_BASIC,
        gsm_extended=GSM_EXTENDED,
    )


async def new_page(request: web.Request) -> web.Response:
    return await _form(request, {"kind": "check_in"})


def _body(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API's body from the form's fields, and the values to show in the form again."""
    values: dict[str, Any] = {
        "name": str(form.get("name", "")),
        "send_on": str(form.get("send_on", "")),
        "kind": "message" if form.get("kind") == "message" else "check_in",
        "message": str(form.get("message", "")),
        "last_session_from": str(form.get("last_session_from", "")),
        "last_session_to": str(form.get("last_session_to", "")),
        "practice": [str(v) for v in form.getall("practice", [])],
        "need": [str(v) for v in form.getall("need", [])],
        "pathway": [str(v) for v in form.getall("pathway", [])],
        "not_contacted_weeks": str(form.get("not_contacted_weeks", "")).strip(),
    }
    cohort: dict[str, Any] = {}
    for field in ("last_session_from", "last_session_to"):
        if values[field]:
            cohort[field] = values[field]
    for field in ("practice", "need", "pathway"):
        if values[field]:
            cohort[field] = values[field]
    weeks = values["not_contacted_weeks"]
    if weeks:
        cohort["not_contacted_weeks"] = int(weeks) if weeks.isdigit() and len(weeks) < 6 else weeks
    body: dict[str, Any] = {"name": values["name"], "send_on": values["send_on"], "cohort": cohort}
    if values["kind"] == "message":
        body["message"] = values["message"]
    else:
        body["flow"] = "check_in"
    return body, values


async def create(request: web.Request) -> web.StreamResponse:
    """The dry run for "Check who it would reach"; the campaign itself for "Schedule"."""
    form = await request.post()
    body, values = _body(form)
    body["dry_run"] = form.get("action") != "schedule"
    services, user = request.app[SERVICES], request[SESSION].user
    try:
        result = await create_campaign(services, user, body)
    except ApiError as exc:
        return await _form(request, values, status=422, problem=_plain(exc.message))
    if body["dry_run"]:
        return await _form(request, values, dry_run=result)
    raise web.HTTPFound(f"/campaigns/{result['id']}")


def _plain(message: str) -> str:
    """The API names fields as ``cohort.need``; the page's boxes have plain names."""
    for field, label in (
        ("cohort.last_session_from", "Last session from"),
        ("cohort.last_session_to", "Last session to"),
        ("cohort.not_contacted_weeks", "Not contacted for"),
        ("cohort.practice", "Practice"),
        ("cohort.need", "Need"),
        ("cohort.pathway", "Referred by"),
        ("send_on", "Send on"),
        ("message", "Message"),
        ("name", "Name"),
    ):
        if message.startswith(field + ":"):
            return label + ":" + message[len(field) + 1 :]
    return message


async def detail(request: web.Request, problem: str | None = None) -> web.Response:
    campaign_id = parse_id(request.match_info["id"])
    services, user = request.app[SERVICES], request[SESSION].user
    try:
        found = await campaign(services, user, campaign_id or 0)
    except ApiError:
        raise web.HTTPNotFound(text="There is no such campaign.") from None
    async with services.db.write() as session:
        await web_sessions.audit(
            session, user.id, "view_campaign", f"campaign:{campaign_id}", services.clock.now()
        )
    return page(
        request, "campaign.html", campaign=found, problem=problem, status=422 if problem else 200
    )


async def change(request: web.Request) -> web.StreamResponse:
    campaign_id = parse_id(request.match_info["id"])
    status = CHANGES.get(request.match_info["change"])
    if status is None or campaign_id is None:
        raise web.HTTPNotFound(text="There is no such campaign.")
    try:
        await change_status(request.app[SERVICES], request[SESSION].user, campaign_id, status)
    except ApiError as exc:
        if exc.status == 404:
            raise web.HTTPNotFound(text="There is no such campaign.") from None
        return await detail(request, problem=exc.message.removeprefix("status: "))
    request.app[SERVICES].outbox.wake()
    raise web.HTTPFound(f"/campaigns/{campaign_id}")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/campaigns", list_page)
    r.add_get("/campaigns/new", new_page)
    r.add_post("/campaigns/new", create)
    r.add_get("/campaigns/{id}", detail)
    r.add_post("/campaigns/{id}/{change}", change)
