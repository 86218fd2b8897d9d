"""The client's page in the staff web app, with or without one of their cases open on it: the
whole conversation, details, notes, appointments and scores; claiming, assigning, replying to
and closing the case, and writing notes. Anything of another practice is not found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web.api import MAX_TEXT, client_json, message_json, parse_id
from bot.web.directory import service_json
from bot.web.keys import SERVICES
from bot.web.staff import SESSION, page
from flows import engine
from flows.gsm import GSM_BASIC, GSM_EXTENDED, segments
from flows.model import CaseStatus
from services_directory.search import Index
from storage import access, directory, notes, queries, web_sessions
from storage.cases import to_case
from storage.staff import staff_user
from storage.tables import CaseRow, ClientRow, PracticeRow, StaffUserRow
from storage.unit import SqlUnit

SCORE_INSTRUMENT = "swemwbs"  # the one both source services use
SUGGESTED = 8  # services offered for onward referral on the case page


async def visible_client(
    session: AsyncSession, request: web.Request, client_id: int | None
) -> ClientRow:
    client = await access.client(session, request[SESSION].user, client_id)
    if client is None:
        raise web.HTTPNotFound(text="There is no such client.")
    return client


async def _visible_case(
    session: AsyncSession, request: web.Request, case_id: int | None
) -> tuple[CaseRow, ClientRow]:
    found = await access.case(session, request[SESSION].user, case_id)
    if found is None:
        raise web.HTTPNotFound(text="There is no such case.")
    return found


def back_to(client_id: int, case_id: int | None, anchor: str = "") -> web.HTTPFound:
    """Where a form on the client's page returns to: the same page, at the part it changed."""
    path = f"/cases/{case_id}" if case_id is not None else f"/clients/{client_id}"
    return web.HTTPFound(path + (f"#{anchor}" if anchor else ""))


async def form_case(session: AsyncSession, form: Any, client: ClientRow) -> int | None:
    """The case a form on the client's page was sent from, if it is one of theirs."""
    case_id = parse_id(str(form.get("case", "")))
    row = await session.get(CaseRow, case_id) if case_id is not None else None
    return case_id if row is not None and row.client_id == client.id else None


async def show(
    request: web.Request,
    client_id: int | None,
    case_id: int | None = None,
    *,
    problem: str | None = None,
    draft: str = "",
    status: int = 200,
) -> web.Response:
    """The page: the client, and the case when one is given. Every showing is audited."""
    services, user = request.app[SERVICES], request[SESSION].user
    settings = services.settings
    async with services.db.write() as session:
        case = None
        if case_id is not None:
            case, client = await _visible_case(session, request, case_id)
        else:
            client = await visible_client(session, request, client_id)
        assert client.id is not None
        details = await client_json(session, client)
        messages = await queries.transcript(session, client.id)
        client_notes = await notes.notes_of(session, client.id)
        cases = await queries.cases_of(session, client.id)
        # Who the case can be given to: only asked when there is a case to give.
        staff = await queries.staff_for_practice(session, case.practice_id) if case else []
        templates = await notes.templates(session)
        names = await queries.user_names(
            session, {n.author_id for n in client_notes} | {c.assigned_to or 0 for c in cases}
        )
        practice = (
            await session.get(PracticeRow, client.practice_id) if client.practice_id else None
        )
        index = await services.directory.index(session) if case is not None else None
        await web_sessions.audit(
            session, user.id, "view_client", f"client:{client.id}", services.clock.now()
        )
    chosen = parse_id(request.query.get("template", ""))
    if not draft and chosen is not None:
        draft = next((t.text for t in templates if t.id == chosen), "")
    suggestions = _suggestions(request, index, details, practice.area if practice else None)
    now = services.clock.now()
    for appointment in details["appointments"]:
        appointment["started"] = datetime.fromisoformat(appointment["starts_at"]) <= now
    questionnaire = settings.questionnaires.get(SCORE_INSTRUMENT)
    return page(
        request,
        "case.html",
        status=status,
        case=case,
        client=details,
        messages=[message_json(m) for m in messages],
        names=names,
        cases=cases,
        assigned=names.get(case.assigned_to or 0) if case else None,
        open=case is not None and case.status == CaseStatus.OPEN,
        problem=problem,
        draft=draft,
        max_text=MAX_TEXT,
        draft_segments=segments(draft),
        notes=client_notes,
        staff=[s for s in staff if s.id != (case.assigned_to if case else None)],
        templates=templates,
        gsm_basic=GSM_BASIC,
        gsm_extended=GSM_EXTENDED,
        today=now.astimezone(settings.zone).date().isoformat(),
        questionnaire=questionnaire,
        zone=settings.service_timezone,
        **suggestions,
    )


def _suggestions(
    request: web.Request, index: Index | None, client: dict[str, Any], area: str | None
) -> dict[str, Any]:
    """Services to pick onward referrals from: those meeting the client's needs near their
    practice, or what the link worker searched the directory for."""
    if not index:
        return {"services": [], "service_search": "", "services_for": None}
    words = request.query.get("services", "").strip()[:100]
    needs = sorted({n for r in client["referrals"] for n in r["needs"]} - {"other"})
    if words:
        hits = index.search(text=words, area=area or "", limit=SUGGESTED)
        described: str | None = f"matching {words!r}"
    else:
        hits = index.search(needs=needs, area=area or "", limit=SUGGESTED)
        described = ("for their needs" + (f" near {area}" if area else "")) if needs else None
    return {
        "services": [service_json(h.service, h.needs) for h in hits] if described else [],
        "service_search": words,
        "services_for": described,
    }


async def case_page(request: web.Request) -> web.Response:
    case_id = parse_id(request.match_info["id"])
    if case_id is None:
        raise web.HTTPNotFound(text="There is no such case.")
    return await show(request, None, case_id)


async def client_page(request: web.Request) -> web.Response:
    client_id = parse_id(request.match_info["id"])
    return await show(request, client_id)


async def claim(request: web.Request) -> web.StreamResponse:
    return await _assign(request, request[SESSION].user.id)


async def assign(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    target = parse_id(str(form.get("user", "")))
    if target is None:
        return await show(
            request,
            None,
            parse_id(request.match_info["id"]),
            problem="Please choose who should have the case.",
            status=422,
        )
    return await _assign(request, target)


async def _assign(request: web.Request, target: int) -> web.StreamResponse:
    """Give the case to ``target`` (the user themself, when claiming), if they may see it."""
    services, user = request.app[SERVICES], request[SESSION].user
    case_id = parse_id(request.match_info["id"])
    async with services.db.write() as session:
        case, _ = await _visible_case(session, request, case_id)
        row = await session.get(StaffUserRow, target)
        taker = await staff_user(session, row) if row is not None else None
        if taker is None or not access.may_see(taker, case.practice_id):
            problem = "That person does not work for this case's practice."
        elif case.status != CaseStatus.OPEN:
            problem = "This case is closed."
        else:
            problem = None
            await engine.claim_case(
                SqlUnit(session, services.directory),
                to_case(case),
                taker,
                services.settings.service,
                services.clock.now(),
            )
            action = "claim_case" if taker.id == user.id else f"assign_case_to:{taker.id}"
            await web_sessions.audit(
                session, user.id, action, f"case:{case.id}", services.clock.now()
            )
    if problem:
        return await show(request, None, case_id, problem=problem, status=422)
    services.outbox.wake()
    raise web.HTTPFound(f"/cases/{case_id}")


async def reply(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    case_id = parse_id(request.match_info["id"])
    text = str(form.get("text", "")).strip()
    if not text:
        return await show(request, None, case_id, problem="Please write a reply first.", status=422)
    if len(text) > MAX_TEXT:
        return await show(
            request,
            None,
            case_id,
            draft=text,
            status=422,
            problem=f"A reply can be at most {MAX_TEXT} characters ({segments(text)} SMS).",
        )
    services, user = request.app[SERVICES], request[SESSION].user
    async with services.db.write() as session:
        case, _ = await _visible_case(session, request, case_id)
        problem = None
        if case.status != CaseStatus.OPEN:
            problem = "This case is closed."
        else:
            try:
                await engine.reply_from_staff(
                    SqlUnit(session, services.directory),
                    to_case(case),
                    user,
                    text,
                    services.settings.service,
                    services.clock.now(),
                )
                await web_sessions.audit(
                    session, user.id, "reply", f"case:{case.id}", services.clock.now()
                )
            except engine.OptedOut:
                problem = "This client has opted out of messages, so it was not sent."
    if problem:
        return await show(request, None, case_id, problem=problem, draft=text, status=422)
    services.outbox.wake()
    raise web.HTTPFound(f"/cases/{case_id}#conversation")


async def close(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    case_id = parse_id(request.match_info["id"])
    outcome = str(form.get("outcome", "")).strip()[:2000]
    if not outcome:
        return await show(
            request, None, case_id, problem="Please say what the outcome was.", status=422
        )
    chosen = [str(v)[:200] for v in form.getall("service", [])][:20]
    services, user = request.app[SERVICES], request[SESSION].user
    problem = None
    async with services.db.write() as session:
        case, _ = await _visible_case(session, request, case_id)
        known = await directory.service_names(session, chosen)
        try:
            if set(chosen) - set(known):
                problem = "A service chosen is no longer in the directory."
            else:
                await engine.close_case(
                    SqlUnit(session, services.directory),
                    to_case(case),
                    user,
                    outcome,
                    chosen,
                    services.settings.service,
                    services.clock.now(),
                )
                await web_sessions.audit(
                    session, user.id, "close_case", f"case:{case.id}", services.clock.now()
                )
        except engine.CaseClosed:
            problem = "This case is already closed."
    if problem:
        return await show(request, None, case_id, problem=problem, status=422)
    services.outbox.wake()
    raise web.HTTPFound("/queue")


async def add_note(request: web.Request) -> web.StreamResponse:
    """An internal note: kept on the client's record for staff, never sent to the client."""
    form = await request.post()
    client_id = parse_id(request.match_info["id"])
    text = str(form.get("text", "")).strip()
    services, user = request.app[SERVICES], request[SESSION].user
    async with services.db.write() as session:
        client = await visible_client(session, request, client_id)
        case_id = await form_case(session, form, client)
        if text and len(text) <= notes.MAX_NOTE:
            assert client.id is not None
            await notes.add_note(session, client.id, case_id, user.id, text, services.clock.now())
            await web_sessions.audit(
                session, user.id, "add_note", f"client:{client.id}", services.clock.now()
            )
    if not text:
        return await show(
            request, client_id, case_id, problem="Please write the note first.", status=422
        )
    if len(text) > notes.MAX_NOTE:
        return await show(
            request,
            client_id,
            case_id,
            status=422,
            problem=f"A note can be at most {notes.MAX_NOTE} characters.",
        )
    raise back_to(client.id or 0, case_id, "notes")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/cases/{id}", case_page)
    r.add_post("/cases/{id}/claim", claim)
    r.add_post("/cases/{id}/assign", assign)
    r.add_post("/cases/{id}/reply", reply)
    r.add_post("/cases/{id}/close", close)
    r.add_get("/clients/{id}", client_page)
    r.add_post("/clients/{id}/notes", add_note)
