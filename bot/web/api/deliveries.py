"""``/api/v1/deliveries``: the delivery problems the caller may see, as the staff page lists
them: each item has a ``problem`` (not_delivered, waiting, timer or inbound_kept). Each list is
cut at ``limit``; ``left_off`` says how many were left off. A kept inbound message's words are
never given, only who sent it (admins only)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.actions import deliveries
from bot.web.api.base import PREFIX, limit, user
from bot.web.api.render import ident, iso
from bot.web.http import services_of
from storage.delivery_problems import KeptInbound, MessageProblem, TimerProblem


def _message(problem: str, found: MessageProblem) -> dict[str, Any]:
    row = found.row
    return {
        "problem": problem,
        "id": ident(row.id),
        "client_id": ident(found.client_id),
        "to_referrer": found.to_referrer,
        "case_id": ident(row.case_id),
        "open_case_id": ident(found.open_case_id),
        "kind": row.kind,
        "channel": row.channel,
        "status": row.status,
        "provider": row.provider,
        "attempts": row.attempts,
        "error_code": row.error_code,
        "error": row.error_message,
        "created_at": iso(row.created_at),
        "not_before": iso(row.not_before),
        "expires_at": iso(row.expires_at),
    }


def _timer(found: TimerProblem) -> dict[str, Any]:
    row = found.row
    return {
        "problem": "timer",
        "id": ident(row.id),
        "client_id": ident(row.client_id),
        "kind": row.kind,
        "status": row.status,
        "due_at": iso(row.due_at),
        "attempts": row.attempts,
        "error": row.error,
    }


def _kept(found: KeptInbound) -> dict[str, Any]:
    row = found.row
    return {
        "problem": "inbound_kept",
        "id": ident(row.id),
        "channel": row.channel,
        "from": found.sender,
        "status": row.status,
        "received_at": iso(row.received_at),
        "next_at": iso(row.next_at),
        "attempts": row.attempts,
        "error": row.error,
    }


async def list_deliveries(request: web.Request) -> web.Response:
    found = await deliveries.problems(
        services_of(request), user(request), limit(request, deliveries.LIMIT)
    )
    items = [_message("not_delivered", m) for m in found.not_delivered.rows]
    items += [_message("waiting", m) for m in found.waiting.rows]
    items += [_timer(t) for t in found.timers.rows]
    left_off = found.not_delivered.more + found.waiting.more + found.timers.more
    if found.inbound is not None:
        items += [_kept(k) for k in found.inbound.rows]
        left_off += found.inbound.more
    return web.json_response({"items": items, "next": None, "left_off": left_off})


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX + "/deliveries", list_deliveries)
