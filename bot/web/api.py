"""The JSON API, ``/api/v1``: bearer tokens, the cases queue and client look-ups."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.channels.sms import normalise_phone
from bot.web.keys import SERVICES
from flows import engine
from flows.model import CaseStatus, StaffUser
from storage import access, directory, queries, staff
from storage.cases import to_case
from storage.tables import (
    AppointmentRow,
    CaseRow,
    ClientRow,
    FollowUpRow,
    MessageRow,
    ReferralRow,
    ScoreRow,
)
from storage.unit import SqlUnit
from storage.web_sessions import audit

PREFIX = "/api/v1"
USER = web.RequestKey("api_user", StaffUser)
MAX_TEXT = 1600  # Twilio's longest message body
DEFAULT_PAGE, MAX_PAGE = 50, 200

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(PREFIX + "/") and request.path != PREFIX:
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(401, "unauthorised", "Send a token: Authorization: Bearer <token>.")
    async with request.app[SERVICES].db.read() as session:
        user = await staff.user_by_token(session, token.strip())
    if user is None:
        return error(401, "unauthorised", "That token is not valid.")
    request[USER] = user
    try:
        return await handler(request)
    except ApiError as exc:
        return error(exc.status, exc.code, exc.message)


def _user(request: web.Request) -> StaffUser:
    return request[USER]


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def parse_id(raw: str) -> int | None:
    """An id from a URL: plain ASCII digits that fit a database integer, else None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _path_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    found = parse_id(raw)
    if found is None:
        raise ApiError(404, "not_found", f"There is nothing with the id {raw[:40]!r}.")
    return found


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(422, "invalid", "The body must be a JSON object.")
    return body


def _text_field(body: dict[str, Any], name: str, *, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "invalid", f"{name}: give some text.")
    if len(value) > limit:
        raise ApiError(422, "invalid", f"{name}: at most {limit} characters.")
    return value


def case_json(
    row: CaseRow, names: dict[int, str] | None = None, referral: ReferralRow | None = None
) -> dict[str, Any]:
    return {
        "id": _id(row.id),
        "client_id": _id(row.client_id),
        "reason": row.reason,
        "priority": row.priority,
        "status": row.status,
        "assigned_to": _id(row.assigned_to),
        "assigned_to_name": (names or {}).get(row.assigned_to or 0),
        "created_at": _iso(row.created_at),
        "due_by": _iso(row.due_by),
        "closed_at": _iso(row.closed_at),
        "outcome": row.outcome,
        "onward_referrals": json.loads(row.onward_referrals or "[]"),
        "referral": {
            "id": _id(referral.id),
            "reference": referral.reference,
            "source": referral.source,
            "pathway": referral.pathway,
        }
        if referral
        else None,
    }


def message_json(row: MessageRow) -> dict[str, Any]:
    return {
        "id": _id(row.id),
        "direction": row.direction,
        "channel": row.channel,
        "text": row.text,
        "at": _iso(row.created_at),
        "delivery": row.status if row.direction == "out" else None,
    }


def appointment_json(row: AppointmentRow) -> dict[str, Any]:
    return {
        "id": _id(row.id),
        "client_id": _id(row.client_id),
        "starts_at": _iso(row.starts_at),
        "duration_minutes": row.duration_minutes,
        "location": row.location,
        "worker": row.worker,
        "status": row.status,
    }


def referral_json(row: ReferralRow, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "id": _id(row.id),
        "reference": row.reference,
        "source": row.source,
        "pathway": row.pathway,
        "status": row.status,
        "practice": codes.get(row.practice_id or 0),
        "practice_text": row.practice_text,
        "needs": json.loads(row.needs or "[]"),
        "needs_text": row.needs_text,
        "notes": row.notes,
        "contact": {"method": row.contact_method, "times": row.contact_times},
        "referrer": {
            "name": row.referrer_name,
            "role": row.referrer_role,
            "organisation": row.referrer_organisation,
        }
        if row.source == "professional"
        else None,
        "case_id": _id(row.case_id),
        "created_at": _iso(row.created_at),
        "submitted_at": _iso(row.submitted_at),
        "picked_up_at": _iso(row.picked_up_at),
        "first_contact_at": _iso(row.first_contact_at),
        "closed_at": _iso(row.closed_at),
    }


async def client_json(session: AsyncSession, row: ClientRow) -> dict[str, Any]:
    referrals = await queries.referrals_of(session, row.id or 0)
    wanted = {r.practice_id for r in referrals if r.practice_id} | {row.practice_id or 0}
    codes = await queries.practice_codes(session, wanted - {0})
    return {
        "id": _id(row.id),
        "name": row.name,
        "phone": row.phone,
        "telegram_chat_id": row.telegram_chat_id,
        "date_of_birth": row.date_of_birth,
        "practice": codes.get(row.practice_id or 0),
        "opted_out": row.opted_out,
        "created_at": _iso(row.created_at),
        "referrals": [referral_json(r, codes) for r in referrals],
        "appointments": [
            appointment_json(a) for a in await queries.appointments_of(session, row.id or 0)
        ],
        "scores": [score_json(s) for s in await _rows(session, ScoreRow, row.id)],
        "follow_ups": [follow_up_json(f) for f in await _rows(session, FollowUpRow, row.id)],
    }


async def _rows(
    session: AsyncSession, table: type[ScoreRow] | type[FollowUpRow], client_id: int | None
) -> list[Any]:
    stmt = select(table).where(table.client_id == client_id).order_by(col(table.id))
    return list((await session.execute(stmt)).scalars())


def score_json(row: ScoreRow) -> dict[str, Any]:
    return {
        "id": _id(row.id),
        "instrument": row.instrument,
        "answers": json.loads(row.answers),
        "raw": row.raw,
        "metric": row.metric,
        "taken_at": _iso(row.taken_at),
        "status": row.status,
        "via": row.via,
    }


def follow_up_json(row: FollowUpRow) -> dict[str, Any]:
    return {
        "id": _id(row.id),
        "kind": row.kind,
        "campaign_id": _id(row.campaign_id),
        "sent_at": _iso(row.created_at),
        "nudged_at": _iso(row.nudged_at),
        "answer": row.answer,
        "words": row.words,
        "answered_at": _iso(row.answered_at),
        "case_id": _id(row.case_id),
        "ended_at": _iso(row.ended_at),
    }


async def list_cases(request: web.Request) -> web.Response:
    status = request.query.get("status", "open")
    if status not in (CaseStatus.OPEN, CaseStatus.CLOSED):
        raise ApiError(422, "invalid", "status: open or closed.")
    limit_text = request.query.get("limit", str(DEFAULT_PAGE))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_PAGE:
        raise ApiError(422, "invalid", f"limit: a whole number from 1 to {MAX_PAGE}.")
    async with request.app[SERVICES].db.read() as session:
        try:
            page = await queries.list_cases(
                session, _user(request), status, int(limit_text), request.query.get("cursor")
            )
        except queries.BadCursor:
            raise ApiError(422, "invalid", "cursor: not a cursor this API gave.") from None
        names = await queries.user_names(
            session, {r.assigned_to for r in page.rows if r.assigned_to}
        )
        referrals = await queries.referrals_for_cases(session, {r.id or 0 for r in page.rows})
    items = [case_json(row, names, referrals.get(row.id or 0)) for row in page.rows]
    return web.json_response({"items": items, "next": page.next})


async def _visible_case(session: AsyncSession, request: web.Request) -> tuple[CaseRow, ClientRow]:
    case_id = _path_id(request)
    found = await access.case(session, _user(request), case_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no case {case_id}.")
    return found


async def get_case(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    async with services.db.write() as session:
        case, client = await _visible_case(session, request)
        assert client.id is not None
        await audit(
            session, _user(request).id, "view_client", f"client:{client.id}", services.clock.now()
        )
        messages = await queries.transcript(session, client.id)
        names = await queries.user_names(session, {case.assigned_to} if case.assigned_to else set())
        referrals = await queries.referrals_for_cases(session, {case.id or 0})
        body = case_json(case, names, referrals.get(case.id or 0))
        body["client"] = await client_json(session, client)
    body["messages"] = [message_json(m) for m in messages]
    return web.json_response(body)


async def claim_case(request: web.Request) -> web.Response:
    user = _user(request)
    services = request.app[SERVICES]
    async with services.db.write() as session:
        case, _ = await _visible_case(session, request)
        if case.status != CaseStatus.OPEN:
            raise ApiError(422, "case_closed", "This case is closed.")
        await engine.claim_case(
            SqlUnit(session, services.directory),
            to_case(case),
            user,
            services.settings.service,
            services.clock.now(),
        )
        await audit(session, user.id, "claim_case", f"case:{case.id}", services.clock.now())
        await session.refresh(case)
        body = case_json(case, {user.id: user.name})
    services.outbox.wake()
    return web.json_response(body)


async def reply_case(request: web.Request) -> web.Response:
    body = await _body(request)
    text = _text_field(body, "text", limit=MAX_TEXT)
    services = request.app[SERVICES]
    async with services.db.write() as session:
        case, _ = await _visible_case(session, request)
        if case.status != CaseStatus.OPEN:
            raise ApiError(422, "case_closed", "This case is closed: open a new one to reply.")
        try:
            message_id = await engine.reply_from_staff(
                SqlUnit(session, services.directory),
                to_case(case),
                _user(request),
                text,
                services.settings.service,
                services.clock.now(),
            )
        except engine.OptedOut:
            raise ApiError(
                422, "opted_out", "text: the client has opted out of messages, so it was not sent."
            ) from None
        await audit(session, _user(request).id, "reply", f"case:{case.id}", services.clock.now())
        message = await session.get(MessageRow, message_id)
        assert message is not None
        result = message_json(message)
    services.outbox.wake()
    return web.json_response(result, status=201)


async def close_case(request: web.Request) -> web.Response:
    body = await _body(request)
    outcome = _text_field(body, "outcome", limit=2000)
    onward = body.get("onward_referrals", [])
    if not isinstance(onward, list) or not all(
        isinstance(s, str | int) and not isinstance(s, bool) for s in onward
    ):
        raise ApiError(422, "invalid", "onward_referrals: a list of service ids.")
    services = request.app[SERVICES]
    user = _user(request)
    async with services.db.write() as session:
        case, _ = await _visible_case(session, request)
        wanted = [str(s) for s in onward]
        missing = set(wanted) - set(await directory.service_names(session, wanted))
        if missing:
            raise ApiError(
                422,
                "invalid",
                f"onward_referrals: the directory has no service {sorted(missing)[0][:60]!r}.",
            )
        try:
            await engine.close_case(
                SqlUnit(session, services.directory),
                to_case(case),
                user,
                outcome,
                [str(s) for s in onward],
                services.settings.service,
                services.clock.now(),
            )
        except engine.CaseClosed:
            raise ApiError(422, "case_closed", "This case is already closed.") from None
        await audit(session, user.id, "close_case", f"case:{case.id}", services.clock.now())
        await session.refresh(case)
        names = await queries.user_names(session, {case.assigned_to} if case.assigned_to else set())
        result = case_json(case, names)
    return web.json_response(result)


async def find_clients(request: web.Request) -> web.Response:
    phone = request.query.get("phone")
    chat = request.query.get("telegram_chat_id")
    if not (phone or chat):
        raise ApiError(422, "invalid", "phone: give phone or telegram_chat_id to search by.")
    services = request.app[SERVICES]
    async with services.db.write() as session:
        rows = await queries.find_clients(
            session,
            _user(request),
            phone=normalise_phone(phone) if phone else None,
            telegram_chat_id=chat.strip() if chat else None,
        )
        items = [await client_json(session, row) for row in rows]
        for row in rows:
            await audit(
                session, _user(request).id, "view_client", f"client:{row.id}", services.clock.now()
            )
    return web.json_response({"items": items, "next": None})


async def get_client(request: web.Request) -> web.Response:
    client_id = _path_id(request)
    services = request.app[SERVICES]
    async with services.db.write() as session:
        row = await access.client(session, _user(request), client_id)
        if row is None:
            raise ApiError(404, "not_found", f"There is no client {client_id}.")
        await audit(
            session, _user(request).id, "view_client", f"client:{client_id}", services.clock.now()
        )
        return web.json_response(await client_json(session, row))


async def not_found(request: web.Request) -> web.Response:
    return error(404, "not_found", "There is no such API call.")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{PREFIX}/cases", list_cases)
    r.add_get(f"{PREFIX}/cases/{{id}}", get_case)
    r.add_post(f"{PREFIX}/cases/{{id}}/claim", claim_case)
    r.add_post(f"{PREFIX}/cases/{{id}}/reply", reply_case)
    r.add_post(f"{PREFIX}/cases/{{id}}/close", close_case)
    r.add_get(f"{PREFIX}/clients", find_clients)
    r.add_get(f"{PREFIX}/clients/{{id}}", get_client)
    r.add_route("*", f"{PREFIX}/{{tail:.*}}", not_found)
