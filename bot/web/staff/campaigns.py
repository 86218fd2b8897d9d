"""Follow-up campaigns in the staff web app: the list, a new campaign with a dry run first,
one campaign's figures, and pausing, resuming or cancelling it. The pages go through the same
checks as the API (``bot.web.campaigns``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.actions import campaigns, commands
from bot.actions.errors import Invalid, NotFound
from bot.web.api.render import campaign_json, dry_run_json
from bot.web.http import parse_id, services_of
from bot.web.staff.pages import page, problem, user
from flows.campaigns import PATHWAYS
from flows.gsm import GSM_BASIC, GSM_EXTENDED
from flows.needs import NEEDS
from storage import access, queries

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
        views, more = await campaigns.page(services_of(request), user(request), before)
    except Invalid:
        raise web.HTTPFound("/campaigns") from None
    items = [campaign_json(v) for v in views]
    return page(request, "campaigns.html", campaigns=items, next=items[-1]["id"] if more else None)


async def _practices(request: web.Request) -> list[tuple[str, str]]:
    """The practices the user may choose from, as (code, name)."""
    me = user(request)
    async with services_of(request).db.read() as session:
        rows = await queries.all_practices(session)
    return [(p.code, p.name) for p in rows if access.may_reach(me, p.id or 0)]


async def _form(
    request: web.Request,
    values: dict[str, Any],
    *,
    status: int = 200,
    trouble: str | None = None,
    dry_run: dict[str, Any] | None = None,
) -> web.Response:
    services = services_of(request)
    today = services.clock.now().astimezone(services.settings.zone).date().isoformat()
    return page(
        request,
        "campaign_new.html",
        status=status,
        values=values,
        problem=trouble,
        dry_run=dry_run,
        exclusions=EXCLUSIONS,
        practices=await _practices(request),
        needs=NEEDS,
        pathways=PATHWAYS,
        today=today,
        max_message=commands.MAX_MESSAGE,
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
    try:
        asked = commands.from_values(commands.Campaign, body)
        planned = await campaigns.plan(services_of(request), user(request), asked)
    except Invalid as exc:
        return await _form(request, values, status=422, trouble=problem(exc, LABELS))
    if isinstance(planned, campaigns.DryRun):
        return await _form(request, values, dry_run=dry_run_json(planned))
    raise web.HTTPFound(f"/campaigns/{planned.row.id}")


# The API names fields as ``cohort.need``; the page's boxes have plain names.
LABELS = {
    "cohort.last_session_from": "Last session from",
    "cohort.last_session_to": "Last session to",
    "cohort.not_contacted_weeks": "Not contacted for",
    "cohort.practice": "Practice",
    "cohort.need": "Need",
    "cohort.pathway": "Referred by",
    "send_on": "Send on",
    "message": "Message",
    "name": "Name",
}


async def detail(request: web.Request, trouble: str | None = None) -> web.Response:
    campaign_id = parse_id(request.match_info["id"])
    try:
        view = await campaigns.get(services_of(request), user(request), campaign_id, audit=True)
    except NotFound:
        raise web.HTTPNotFound(text="There is no such campaign.") from None
    return page(
        request,
        "campaign.html",
        campaign=campaign_json(view),
        problem=trouble,
        status=422 if trouble else 200,
    )


async def change(request: web.Request) -> web.StreamResponse:
    campaign_id = parse_id(request.match_info["id"])
    status = CHANGES.get(request.match_info["change"])
    if status is None or campaign_id is None:
        raise web.HTTPNotFound(text="There is no such campaign.")
    try:
        await campaigns.change_status(services_of(request), user(request), campaign_id, status)
    except NotFound:
        raise web.HTTPNotFound(text="There is no such campaign.") from None
    except Invalid as exc:
        return await detail(request, trouble=problem(exc))
    raise web.HTTPFound(f"/campaigns/{campaign_id}")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/campaigns", list_page)
    r.add_get("/campaigns/new", new_page)
    r.add_post("/campaigns/new", create)
    r.add_get("/campaigns/{id}", detail)
    r.add_post("/campaigns/{id}/{change}", change)
