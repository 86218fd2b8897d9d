"""The client's page in the staff web app, with or without one of their cases open on it: the
whole conversation, details, notes, appointments and scores; taking, giving, replying to and
closing the case, and writing notes. Anything of another practice is not found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from bot.actions import availability, cases, clients, commands
from bot.actions.errors import Invalid
from bot.web.api.render import case_event_json, client_json, hit_json, message_json
from bot.web.http import parse_id, services_of
from bot.web.staff.deliveries import delivery_note
from bot.web.staff.pages import page, problem, user
from flows import phones
from flows.gsm import GSM_BASIC, GSM_EXTENDED, segments
from flows.model import CaseStatus

SCORE_INSTRUMENT = "swemwbs"  # the one both source services use
MAX_SERVICES = 20  # onward referrals picked on one close


def back_to(client_id: int, case_id: int | None, anchor: str = "") -> web.HTTPFound:
    """Where a form on the client's page returns to: the same page, at the part it changed."""
    path = f"/cases/{case_id}" if case_id is not None else f"/clients/{client_id}"
    return web.HTTPFound(path + (f"#{anchor}" if anchor else ""))


def to_check(referral: dict[str, Any]) -> dict[str, Any] | None:
    """What a person must sort out on a referral: where it disagrees with the client held,
    and a referrer no update can reach (with how to reach them instead); None when nothing."""
    if not referral["mismatch"] and not referral["referrer_unreachable"]:
        return None
    referrer, contact = referral["referrer"] or {}, referral["referrer_contact"] or {}
    unreachable = None
    if referral["referrer_unreachable"]:
        why = "no mobile for texts" if contact.get("phone") else "e-mail only"
        unreachable = (
            f"Updates cannot reach the referrer ({why}, and this service does not send "
            "e-mail): phone them if needed."
        )
    return {
        "reference": referral["reference"],
        "mismatch": referral["mismatch"],
        "unreachable": unreachable,
        "referrer": ", ".join(
            part
            for part in (referrer.get("name"), referrer.get("role"), referrer.get("organisation"))
            if part
        ),
        "phone": phones.national(contact["phone"]) if contact.get("phone") else None,
        "email": contact.get("email"),
    }


def form_case(form: Any) -> int | None:
    """The case page a form on the client's page was sent from."""
    return parse_id(str(form.get("case", "")))


async def show(
    request: web.Request,
    client_id: int | None,
    case_id: int | None = None,
    *,
    trouble: str | None = None,
    draft: str = "",
    status: int = 200,
) -> web.Response:
    """The page: the client, and the case when one is given. Every showing is audited."""
    services = services_of(request)
    settings, now = services.settings, services.clock.now()
    shown = await clients.page(
        services, user(request), client_id, case_id, request.query.get("services", "")
    )
    case = shown.case
    chosen = parse_id(request.query.get("template", ""))
    if not draft and chosen is not None:
        draft = next((t.text for t in shown.templates if t.id == chosen), "")
    details = client_json(shown.record)
    for appointment in details["appointments"]:
        appointment["started"] = datetime.fromisoformat(appointment["starts_at"]) <= now
    for referral in details["referrals"]:
        referral["to_check"] = to_check(referral)
    # On a case, what its own referrals leave to sort out comes first.
    checks = [
        r["to_check"]
        for r in details["referrals"]
        if r["to_check"] and case is not None and r["case_id"] == str(case.id)
    ]
    return page(
        request,
        "case.html",
        status=status,
        case=case,
        client=details,
        checks=checks,
        messages=[message_json(m) | {"note": delivery_note(m)} for m in shown.record.messages],
        names=shown.names,
        cases=shown.cases,
        assigned=shown.names.get(case.assigned_to or 0) if case else None,
        open=case is not None and case.status == CaseStatus.OPEN,
        problem=trouble,
        draft=draft,
        max_text=commands.MAX_TEXT,
        draft_segments=segments(draft),
        notes=shown.notes,
        history=[case_event_json(e) for e in shown.history],
        staff=shown.assignable,
        templates=shown.templates,
        gsm_basic=GSM_BASIC,
        gsm_extended=GSM_EXTENDED,
        today=now.astimezone(settings.zone).date().isoformat(),
        questionnaire=settings.questionnaires.get(SCORE_INSTRUMENT),
        zone=settings.service_timezone,
        services=[hit_json(h) for h in shown.suggestions],
        service_search=request.query.get("services", "").strip()[:100] if case else "",
        services_for=shown.suggested_for,
        booking_on=settings.service.booking is not None,
        waiting=await availability.on_waiting_list(services, int(details["id"])),
    )


async def case_page(request: web.Request) -> web.Response:
    return await show(request, None, parse_id(request.match_info["id"]))


async def client_page(request: web.Request) -> web.Response:
    return await show(request, parse_id(request.match_info["id"]))


async def claim(request: web.Request) -> web.StreamResponse:
    return await _assign(request, None)


async def assign(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    target = parse_id(str(form.get("user", "")))
    if target is None:
        return await show(
            request,
            None,
            parse_id(request.match_info["id"]),
            trouble="Please choose who should have the case.",
            status=422,
        )
    return await _assign(request, target)


async def _assign(request: web.Request, target: int | None) -> web.StreamResponse:
    case_id = parse_id(request.match_info["id"])
    try:
        await cases.assign(services_of(request), user(request), case_id, target)
    except Invalid as exc:
        return await show(request, None, case_id, trouble=problem(exc), status=422)
    raise web.HTTPFound(f"/cases/{case_id}")


async def reply(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    case_id = parse_id(request.match_info["id"])
    text = str(form.get("text", "")).strip()
    try:
        body = commands.from_values(commands.Reply, {"text": text})
        await cases.reply(services_of(request), user(request), case_id, body)
    except Invalid as exc:
        trouble = problem(exc)
        if exc.field == "text" and not text:
            trouble = "Please write a reply first."
        elif exc.field == "text" and len(text) > commands.MAX_TEXT:
            trouble = (
                f"A reply can be at most {commands.MAX_TEXT} characters ({segments(text)} SMS)."
            )
        return await show(request, None, case_id, trouble=trouble, draft=text, status=422)
    raise web.HTTPFound(f"/cases/{case_id}#conversation")


async def close(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    case_id = parse_id(request.match_info["id"])
    chosen = [str(v)[:200] for v in form.getall("service", [])][:MAX_SERVICES]
    values = {"outcome": str(form.get("outcome", "")).strip()[:2000], "onward_referrals": chosen}
    try:
        body = commands.from_values(commands.Close, values)
        await cases.close(services_of(request), user(request), case_id, body)
    except Invalid as exc:
        trouble = _CLOSING.get(exc.field or "", problem(exc))
        return await show(request, None, case_id, trouble=trouble, status=422)
    raise web.HTTPFound("/queue")


_CLOSING = {
    "outcome": "Please say what the outcome was.",
    "onward_referrals": "A service chosen is no longer in the directory.",
}


async def add_note(request: web.Request) -> web.StreamResponse:
    """An internal note: kept on the client's record for staff, never sent to the client."""
    form = await request.post()
    client_id, case_id = parse_id(request.match_info["id"]), form_case(form)
    try:
        client_id, case_id = await clients.add_note(
            services_of(request), user(request), client_id, case_id, str(form.get("text", ""))
        )
    except Invalid as exc:
        return await show(request, client_id, case_id, trouble=problem(exc), status=422)
    raise back_to(client_id, case_id, "notes")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/cases/{id}", case_page)
    r.add_post("/cases/{id}/claim", claim)
    r.add_post("/cases/{id}/assign", assign)
    r.add_post("/cases/{id}/reply", reply)
    r.add_post("/cases/{id}/close", close)
    r.add_get("/clients/{id}", client_page)
    r.add_post("/clients/{id}/notes", add_note)
