"""``/api/v1/campaigns``: follow-up campaigns for a cohort, with a dry run, counts, pause,
resume and cancel."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.bootstrap import Services
from bot.web.api import PREFIX, ApiError, _body, _path_id, _text_field, _user
from bot.web.keys import SERVICES
from flows import texts
from flows.campaigns import CohortError, parse_cohort
from flows.engine.check_ins import CHECK_IN_FLOW
from flows.gsm import is_gsm7, segments
from flows.model import StaffUser
from storage import access, campaigns
from storage.tables import CampaignRow
from storage.unit import SqlUnit
from storage.web_sessions import audit

MAX_NAME, MAX_MESSAGE = 200, 612  # four SMS segments at most
BOOK_AHEAD = timedelta(days=366)
PAGE = 50


def _preview(text: str) -> dict[str, Any]:
    return {
        "text": text,
        "characters": len(text),
        "segments": segments(text),
        "gsm7": is_gsm7(text),
    }


async def create(request: web.Request) -> web.Response:
    result = await create_campaign(request.app[SERVICES], _user(request), await _body(request))
    return web.json_response(result, status=200 if "id" not in result else 201)


async def create_campaign(
    services: Services, user: StaffUser, body: dict[str, Any]
) -> dict[str, Any]:
    """A dry run (the count, exclusions and preview) or a scheduled campaign, from the API or
    the staff web app."""
    settings, now = services.settings, services.clock.now()
    name = _text_field(body, "name", limit=MAX_NAME).strip()
    if ("message" in body) == ("flow" in body):
        raise ApiError(422, "invalid", 'message: give a message, or flow: "check_in", not both.')
    message = _text_field(body, "message", limit=MAX_MESSAGE).strip() if "message" in body else None
    if message is None and body.get("flow") != CHECK_IN_FLOW:
        raise ApiError(422, "invalid", "flow: the one flow a campaign can start is check_in.")
    raw_send_on = body.get("send_on")
    try:
        send_on = date.fromisoformat(raw_send_on) if isinstance(raw_send_on, str) else None
    except ValueError:
        send_on = None
    today = now.astimezone(settings.zone).date()
    if send_on is None:
        raise ApiError(422, "invalid", "send_on: a date like 2026-12-01.")
    if send_on < today or send_on > today + BOOK_AHEAD:
        raise ApiError(422, "invalid", "send_on: today or a date in the coming year.")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ApiError(422, "invalid", "dry_run: true or false.")
    text = message or texts.FU_CHECK_IN.format(service=settings.service_name)
    opening = datetime.combine(send_on, time(), tzinfo=settings.zone)
    send_at = settings.window.next_opening(max(opening, now))

    async with services.db.read() if dry_run else services.db.write() as session:
        practices = await SqlUnit(session, services.directory).practices.all()
        try:
            cohort = parse_cohort(body.get("cohort"), practices)
        except CohortError as exc:
            raise ApiError(422, "invalid", str(exc)) from None
        scope = None if user.is_admin else user.practice_ids
        if scope is not None and not set(cohort.practice_ids) <= scope:
            raise ApiError(422, "invalid", "cohort.practice: only your own practices.")
        found = await campaigns.reach(session, cohort, now, settings.zone, scope)
        if dry_run:
            return {
                "eligible": len(found.eligible),
                "excluded": found.excluded,
                "preview": _preview(text),
                "send_at": send_at.isoformat(),
            }
        row = await campaigns.create(
            session,
            name=name,
            cohort=body["cohort"],
            message=message,
            flow=None if message else CHECK_IN_FLOW,
            send_on=send_on.isoformat(),
            send_at=send_at,
            clients=found.eligible,
            per_second=settings.twilio_max_rate,
            window=settings.window,
            by=user.id,
            now=now,
        )
        await audit(session, user.id, "create_campaign", f"campaign:{row.id}", now)
        return await _json(session, row, now, settings.service_name)


async def _json(
    session: AsyncSession, row: CampaignRow, now: datetime, service: str
) -> dict[str, Any]:
    assert row.id is not None
    figures = await campaigns.counts(session, row.id)
    status = row.status
    if status == "scheduled":
        if figures["waiting"] == 0:
            status = "finished"
        elif now >= row.send_at:
            status = "sending"
    text = row.message or texts.FU_CHECK_IN.format(service=service)
    return {
        "id": str(row.id),
        "name": row.name,
        "cohort": json.loads(row.cohort),
        "message": row.message,
        "flow": row.flow,
        "preview": _preview(text),
        "send_on": row.send_on,
        "send_at": row.send_at.isoformat(),
        "status": status,
        "eligible": row.eligible,
        **figures,
        "created_by": str(row.created_by) if row.created_by else None,
        "created_at": row.created_at.isoformat(),
    }


async def _visible(session: AsyncSession, user: StaffUser, campaign_id: int) -> CampaignRow:
    row = await access.campaign(session, user, campaign_id)
    if row is None:
        raise ApiError(404, "not_found", "There is no such campaign.")
    return row


async def campaign(services: Services, user: StaffUser, campaign_id: int) -> dict[str, Any]:
    async with services.db.read() as session:
        row = await _visible(session, user, campaign_id)
        return await _json(session, row, services.clock.now(), services.settings.service_name)


async def get(request: web.Request) -> web.Response:
    return web.json_response(
        await campaign(request.app[SERVICES], _user(request), _path_id(request))
    )


async def list_campaigns(request: web.Request) -> web.Response:
    """Newest first; ``next`` is the id to pass as ``?before=`` for the next page."""
    items, more = await campaign_page(
        request.app[SERVICES], _user(request), request.query.get("before", "")
    )
    return web.json_response({"items": items, "next": items[-1]["id"] if more else None})


async def campaign_page(
    services: Services, user: StaffUser, before: str
) -> tuple[list[dict[str, Any]], bool]:
    stmt = select(CampaignRow).order_by(col(CampaignRow.id).desc()).limit(PAGE + 1)
    if before:
        if not (before.isascii() and before.isdigit() and len(before) <= 18):
            raise ApiError(422, "invalid", "before: the next value from the previous page.")
        stmt = stmt.where(col(CampaignRow.id) < int(before))
    stmt = stmt.where(access.visible_campaigns(user))
    now, name = services.clock.now(), services.settings.service_name
    async with services.db.read() as session:
        rows = list((await session.execute(stmt)).scalars())
        items = [await _json(session, row, now, name) for row in rows[:PAGE]]
    return items, len(rows) > PAGE


async def change_status(
    services: Services, user: StaffUser, campaign_id: int, status: str
) -> dict[str, Any]:
    """``paused``, ``scheduled`` (resume) or ``cancelled``."""
    now = services.clock.now()
    async with services.db.write() as session:
        row = await _visible(session, user, campaign_id)
        if row.status == "cancelled":
            raise ApiError(422, "invalid", "status: the campaign is cancelled.")
        if status == "scheduled" and row.status != "paused":
            raise ApiError(422, "invalid", "status: only a paused campaign can resume.")
        await campaigns.set_status(
            session,
            row,
            status,
            now,
            per_second=services.settings.twilio_max_rate,
            window=services.settings.window,
        )
        await audit(session, user.id, f"campaign_{status}", f"campaign:{row.id}", now)
        return await _json(session, row, now, services.settings.service_name)


def _change(status: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(
            await change_status(request.app[SERVICES], _user(request), _path_id(request), status)
        )

    return handler


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post(f"{PREFIX}/campaigns", create)
    r.add_get(f"{PREFIX}/campaigns", list_campaigns)
    r.add_get(f"{PREFIX}/campaigns/{{id}}", get)
    r.add_post(f"{PREFIX}/campaigns/{{id}}/pause", _change("paused"))
    r.add_post(f"{PREFIX}/campaigns/{{id}}/resume", _change("scheduled"))
    r.add_post(f"{PREFIX}/campaigns/{{id}}/cancel", _change("cancelled"))
