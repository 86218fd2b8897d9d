"""The case page of the staff web app: the client's whole conversation and details, and
claiming, replying to and closing the case. A case of another practice is not found."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.api import MAX_TEXT, client_json, message_json, parse_id
from bot.web.keys import SERVICES
from bot.web.staff import SESSION, page
from flows import engine
from flows.gsm import segments
from flows.model import CaseStatus
from storage import queries, web_sessions
from storage.store import SqlStore, to_case
from storage.tables import CaseRow, ClientRow


async def _visible(session: AsyncSession, request: web.Request) -> tuple[CaseRow, ClientRow]:
    case_id = parse_id(request.match_info["id"])
    found = await queries.case_with_client(session, case_id) if case_id is not None else None
    if found is None or not queries.can_see(request[SESSION].user, found[0].practice_id):
        raise web.HTTPNotFound(text="There is no such case.")
    return found


async def case_page(request: web.Request, problem: str | None = None,
                    draft: str = "", status: int = 200) -> web.Response:  # fmt: skip
    services, user = request.app[SERVICES], request[SESSION].user
    async with services.db.write() as session:
        case, client = await _visible(session, request)
        assert client.id is not None
        messages = await queries.transcript(session, client.id)
        details = await client_json(session, client)
        names = await queries.user_names(session, {case.assigned_to} if case.assigned_to else set())
        await web_sessions.audit(session, user.id, "view_client", f"client:{client.id}",
                                 services.clock.now())  # fmt: skip
    return page(
        request, "case.html", status=status, case=case, client=details,
        messages=[message_json(m) for m in messages], assigned=names.get(case.assigned_to or 0),
        open=case.status == CaseStatus.OPEN, problem=problem, draft=draft, max_text=MAX_TEXT,
    )


async def claim(request: web.Request) -> web.StreamResponse:
    services, user = request.app[SERVICES], request[SESSION].user
    async with services.db.write() as session:
        case, _ = await _visible(session, request)
        if case.status == CaseStatus.OPEN:
            await engine.claim_case(SqlStore(session), to_case(case), user,
                                    services.settings.service, services.clock.now())  # fmt: skip
            await web_sessions.audit(session, user.id, "claim_case", f"case:{case.id}",
                                     services.clock.now())  # fmt: skip
    services.outbox.wake()
    raise web.HTTPFound(f"/cases/{case.id}")


async def reply(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    text = str(form.get("text", "")).strip()
    if not text:
        return await case_page(request, "Please write a reply first.", status=422)
    if len(text) > MAX_TEXT:
        return await case_page(request, f"A reply can be at most {MAX_TEXT} characters "
                               f"({segments(text)} SMS).", text, status=422)  # fmt: skip
    services, user = request.app[SERVICES], request[SESSION].user
    async with services.db.write() as session:
        case, _ = await _visible(session, request)
        if case.status != CaseStatus.OPEN:
            return await case_page(request, "This case is closed.", text, status=422)
        try:
            await engine.reply_from_staff(
                SqlStore(session), to_case(case), user, text, services.settings.service,
                services.clock.now(),
            )
        except engine.OptedOut:
            return await case_page(request, "This client has opted out of messages, so it "
                                   "was not sent.", text, status=422)  # fmt: skip
        await web_sessions.audit(session, user.id, "reply", f"case:{case.id}",
                                 services.clock.now())  # fmt: skip
    services.outbox.wake()
    raise web.HTTPFound(f"/cases/{case.id}")


async def close(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    outcome = str(form.get("outcome", "")).strip()[:2000]
    if not outcome:
        return await case_page(request, "Please say what the outcome was.", status=422)
    services, user = request.app[SERVICES], request[SESSION].user
    async with services.db.write() as session:
        case, _ = await _visible(session, request)
        try:
            await engine.close_case(SqlStore(session), to_case(case), user, outcome, [],
                                    services.settings.service, services.clock.now())  # fmt: skip
        except engine.CaseClosed:
            return await case_page(request, "This case is already closed.", status=422)
        await web_sessions.audit(session, user.id, "close_case", f"case:{case.id}",
                                 services.clock.now())  # fmt: skip
    services.outbox.wake()
    raise web.HTTPFound("/queue")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/cases/{id}", case_page)
    r.add_post("/cases/{id}/claim", claim)
    r.add_post("/cases/{id}/reply", reply)
    r.add_post("/cases/{id}/close", close)
