"""The Delivery problems page: messages that did not reach people or are waiting long, timers
that failed or are being tried again, and (for admins) inbound messages kept because they could
not be handled yet; the queue's mark when there are any; and how the case and client pages name
each outgoing message's provider and problem."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.actions import deliveries
from bot.web.http import services_of
from bot.web.staff.pages import page, user
from flows import campaigns, phones
from flows.conversations.check_in import conversation as check_in
from flows.conversations.self_referral import conversation as self_referral
from flows.delivery import Delivery
from flows.engine import appointments, check_ins
from storage.delivery_problems import (
    WAITING_AFTER,
    Counts,
    KeptInbound,
    MessageProblem,
    TimerProblem,
)
from storage.tables import MessageRow

PROVIDERS = {
    "twilio": "Twilio",
    "vonage": "Vonage",
    "telegram": "Telegram",
    "email": "e-mail",
    "simulator": "the simulator",
}
TIMER_KINDS = {
    appointments.REMINDER: "Session reminder",
    check_ins.CHECK_IN: "Follow-up check-in",
    check_in.NUDGE: "Check-in nudge",
    check_in.END: "End of a check-in",
    campaigns.CAMPAIGN: "Campaign message",
    self_referral.NUDGE: "Nudge to finish a referral",
    self_referral.INCOMPLETE: "Unfinished referral to the queue",
}
NOT_DELIVERED = {
    Delivery.FAILED.value: "could not be sent",
    Delivery.UNDELIVERED.value: "did not arrive",
    Delivery.EXPIRED.value: "not sent in time",
}


def provider_name(provider: str | None) -> str | None:
    """A provider as staff read it: ``vonage`` is "Vonage"."""
    if not provider:
        return None
    return PROVIDERS.get(provider, provider.replace("_", " ").capitalize())


def timer_kind(kind: str) -> str:
    return TIMER_KINDS.get(kind, kind.replace("_", " ").capitalize())


def delivery_note(row: MessageRow) -> str | None:
    """What the case and client pages add to an outgoing message: the provider it last went
    to and, when it was not delivered, the error code ("by Vonage; error 30003")."""
    if row.direction != "out":
        return None
    parts = []
    if (name := provider_name(row.provider)) is not None:
        parts.append(f"by {name}")
    if row.status in NOT_DELIVERED and row.error_code:
        parts.append(f"error {row.error_code}")
    return "; ".join(parts) or None


def mark(counts: Counts) -> str | None:
    """The queue's line when something has failed lately, or None."""
    if not counts.any:
        return None
    parts = []
    if counts.messages:
        parts.append(_many(counts.messages, "message", "messages") + " could not be delivered")
    if counts.timers:
        parts.append(_many(counts.timers, "timer", "timers") + " failed")
    if counts.inbound:
        parts.append(
            _many(counts.inbound, "message from a person", "messages from people")
            + " could not be handled"
        )
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{said} in the last {deliveries.MARK_DAYS} days"


def _many(n: int, one: str, several: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {several}"


def sender(address: str | None) -> str:
    """Who a kept message came from, as an admin reads it: "07700 900123", "Telegram chat 5"."""
    if not address:
        return "Not known"
    scheme, _, rest = address.partition(":")
    if scheme in ("tel", "sim"):
        return phones.national(rest)
    if scheme == "telegram":
        return f"Telegram chat {rest}"
    return rest or address


def _waited(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _message(found: MessageProblem, deadline: timedelta, now: datetime) -> dict[str, Any]:
    row = found.row
    return {
        "id": row.id,
        "client_id": found.client_id,
        "client": found.client_name or "Not yet named",
        "to_referrer": found.to_referrer,
        "to_duty_contact": found.to_duty_contact,
        "case_id": row.case_id,
        "open_case_id": found.open_case_id if found.open_case_id != row.case_id else None,
        "kind": row.kind.replace("_", " "),
        "channel": row.channel,
        "provider": provider_name(row.provider) or "Not tried yet",
        "state": NOT_DELIVERED.get(row.status, "being sent" if row.status == "sending" else ""),
        "error_code": row.error_code or "",
        "error": row.error_message or "",
        "attempts": row.attempts,
        "written": _iso(row.created_at),
        "waited": _waited(row.created_at, now),
        "next_try": _iso(row.not_before) if row.not_before and row.not_before > now else None,
        "deadline": _iso(row.expires_at or row.created_at + deadline),
    }


def _timer(found: TimerProblem) -> dict[str, Any]:
    row = found.row
    failed = row.status == "failed"
    return {
        "client_id": row.client_id,
        "client": found.client_name or "Not yet named",
        "kind": timer_kind(row.kind),
        "due": _iso(row.due_at),
        "state": "Failed" if failed else "Being tried again",
        "failed": failed,
        "attempts": row.attempts,
        "error": row.error or "",
    }


def _kept(found: KeptInbound) -> dict[str, Any]:
    row = found.row
    return {
        "id": row.id,
        "channel": row.channel,
        "sender": sender(found.sender),
        "received": _iso(row.received_at),
        "state": "Could not be handled" if row.status == "failed" else "Waiting to be tried again",
        "failed": row.status == "failed",
        "attempts": row.attempts,
        "next_try": _iso(row.next_at) if row.status != "failed" else None,
        "error": row.error or "",
    }


async def deliveries_page(request: web.Request) -> web.Response:
    """Every delivery problem the user may see."""
    services, me = services_of(request), user(request)
    now, deadline = services.clock.now(), services.settings.delivery_deadline_delta
    found = await deliveries.problems(services, me)
    inbound = found.inbound
    return page(
        request,
        "deliveries.html",
        any=found.any,
        not_delivered=[_message(m, deadline, now) for m in found.not_delivered.rows],
        not_delivered_more=found.not_delivered.more,
        waiting=[_message(m, deadline, now) for m in found.waiting.rows],
        waiting_more=found.waiting.more,
        timers=[_timer(t) for t in found.timers.rows],
        timers_more=found.timers.more,
        inbound=[_kept(k) for k in inbound.rows] if inbound is not None else None,
        inbound_more=inbound.more if inbound is not None else 0,
        zone=services.settings.service_timezone,
        waiting_minutes=int(WAITING_AFTER.total_seconds() // 60),
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/deliveries", deliveries_page)
