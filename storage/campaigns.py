"""Campaigns in SQL: who a cohort reaches, scheduling its sends as timers, and its counts."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.campaigns import Cohort, spread
from flows.check_ins import CAMPAIGN
from flows.sendwindow import SendWindow
from storage.tables import (
    AppointmentRow,
    CampaignRow,
    CaseRow,
    ClientRow,
    FollowUpRow,
    MessageRow,
    ReferralRow,
    TimerRow,
)

SENT = ("queued", "sent", "delivered", "read", "undelivered", "sending_provider", "accepted")
DELIVERED = ("delivered", "read")


@dataclass(frozen=True, slots=True)
class Reach:
    eligible: list[int]  # client ids, in id order
    excluded: dict[str, int]  # why others in the cohort cannot be contacted now


async def reach(
    session: AsyncSession,
    cohort: Cohort,
    now: datetime,
    zone: ZoneInfo,
    practice_ids: frozenset[int] | None,
) -> Reach:
    """The cohort's clients who may be contacted now; ``practice_ids`` limits a link worker
    to their own practices (None: every practice)."""
    last = (
        select(AppointmentRow.client_id, sa.func.max(AppointmentRow.starts_at).label("last"))
        .where(AppointmentRow.status == "attended")
        .group_by(col(AppointmentRow.client_id))
        .subquery()
    )
    client = col(ClientRow.id)
    open_case = sa.exists().where(col(CaseRow.client_id) == client, col(CaseRow.status) == "open")
    booked = sa.exists().where(
        col(AppointmentRow.client_id) == client,
        col(AppointmentRow.status).in_(("booked", "confirmed")),
        col(AppointmentRow.starts_at) > now,
    )
    stmt = sa.select(client, col(ClientRow.opted_out), col(ClientRow.flow), open_case, booked).join(
        last, last.c.client_id == client
    )
    if cohort.last_session_from:
        first = datetime.combine(cohort.last_session_from, time(), tzinfo=zone)
        stmt = stmt.where(last.c.last >= first)
    if cohort.last_session_to:
        after = datetime.combine(cohort.last_session_to + timedelta(days=1), time(), tzinfo=zone)
        stmt = stmt.where(last.c.last < after)
    if practice_ids is not None:
        stmt = stmt.where(col(ClientRow.practice_id).in_(practice_ids))
    if cohort.practice_ids:
        stmt = stmt.where(col(ClientRow.practice_id).in_(cohort.practice_ids))
    if cohort.needs:
        stmt = stmt.where(
            sa.exists().where(
                col(ReferralRow.client_id) == client,
                sa.or_(*(col(ReferralRow.needs).contains(f'"{need}"') for need in cohort.needs)),
            )
        )
    if cohort.pathways:
        sources = [p for p in cohort.pathways if p in ("self", "friend")]
        stmt = stmt.where(
            sa.exists().where(
                col(ReferralRow.client_id) == client,
                sa.or_(
                    col(ReferralRow.pathway).in_(cohort.pathways),
                    col(ReferralRow.source).in_(sources),
                ),
            )
        )
    if cohort.not_contacted_weeks:
        since = now - timedelta(weeks=cohort.not_contacted_weeks)
        stmt = stmt.where(
            ~sa.exists().where(
                col(MessageRow.client_id) == client,
                col(MessageRow.direction) == "out",
                col(MessageRow.created_at) >= since,
            )
        )
    eligible: list[int] = []
    excluded: Counter[str] = Counter()
    for client_id, opted_out, flow, has_case, has_session in await session.execute(
        stmt.order_by(client)
    ):
        if opted_out:
            excluded["opted_out"] += 1
        elif has_case:
            excluded["open_case"] += 1
        elif has_session:
            excluded["session_booked"] += 1
        elif flow is not None:
            excluded["in_conversation"] += 1
        else:
            eligible.append(client_id or 0)  # a primary key, never None
    reasons = ("opted_out", "open_case", "session_booked", "in_conversation")
    return Reach(eligible, {reason: excluded[reason] for reason in reasons})


async def create(
    session: AsyncSession,
    *,
    name: str,
    cohort: dict[str, Any],
    message: str | None,
    flow: str | None,
    send_on: str,
    send_at: datetime,
    clients: list[int],
    per_second: float,
    window: SendWindow,
    by: int,
    now: datetime,
) -> CampaignRow:
    """The campaign, and one timer for each client, paced at ``per_second`` in the window."""
    row = CampaignRow(
        name=name,
        cohort=json.dumps(cohort),
        message=message,
        flow=flow,
        send_on=send_on,
        send_at=send_at,
        eligible=len(clients),
        created_by=by,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    subject = str(row.id)
    times = spread(send_at, len(clients), per_second, window)
    for start in range(0, len(clients), 1000):
        await session.execute(
            sa.insert(TimerRow),
            [
                {
                    "client_id": client_id,
                    "kind": CAMPAIGN,
                    "subject": subject,
                    "due_at": due,
                    "status": "pending",
                    "created_at": now,
                }
                for client_id, due in zip(
                    clients[start : start + 1000], times[start : start + 1000], strict=True
                )
            ],
        )
    return row


async def counts(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Sent, delivered, answered and escalated, and the sends still to come or skipped."""
    timers: dict[str, int] = {
        status: int(n)
        for status, n in await session.execute(
            select(TimerRow.status, sa.func.count())
            .where(TimerRow.kind == CAMPAIGN, TimerRow.subject == str(campaign_id))
            .group_by(col(TimerRow.status))
        )
    }
    message_status = MessageRow.status
    row = (
        await session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.case((col(message_status).in_(SENT), 1))),
                sa.func.count(sa.case((col(message_status).in_(DELIVERED), 1))),
                sa.func.count(col(FollowUpRow.answered_at)),
                sa.func.count(col(FollowUpRow.case_id)),
            )
            .select_from(FollowUpRow)
            .join(MessageRow, col(MessageRow.id) == col(FollowUpRow.message_id))
            .where(col(FollowUpRow.campaign_id) == campaign_id)
        )
    ).one()
    written, sent, delivered, answered, escalated = (int(v) for v in row)
    return {
        "written": written,
        "sent": sent,
        "delivered": delivered,
        "answered": answered,
        "escalated": escalated,
        "waiting": timers.get("pending", 0) + timers.get("paused", 0),
        "skipped": timers.get("dropped", 0),
    }


async def set_status(
    session: AsyncSession,
    row: CampaignRow,
    status: str,
    now: datetime,
    *,
    per_second: float,
    window: SendWindow,
) -> None:
    """Pause, resume or cancel: the sends still to come are held, freed or withdrawn.

    Check-ins already written to the outbox (at most a few seconds' worth, as sends are
    paced) still go."""
    subject = str(row.id)
    timers = sa.update(TimerRow).where(
        col(TimerRow.kind) == CAMPAIGN, col(TimerRow.subject) == subject
    )
    if status == "paused":
        await session.execute(
            timers.where(col(TimerRow.status) == "pending").values(status="paused")
        )
        row.paused_at = now
    elif status == "scheduled":
        await _resume(session, subject, now, per_second, window)
        row.paused_at = None
    else:
        await session.execute(
            timers.where(col(TimerRow.status).in_(("pending", "paused"))).values(status="cancelled")
        )
        row.cancelled_at = now
    row.status = status
    await session.flush()


async def _resume(
    session: AsyncSession, subject: str, now: datetime, per_second: float, window: SendWindow
) -> None:
    """Held sends go again in their order, paced afresh from now (or from when they were due,
    if that is still to come) and inside the send window: resumed late in the day, what is
    left waits for the window to open again instead of being written after it has closed."""
    held = list(
        (
            await session.execute(
                select(TimerRow)
                .where(
                    TimerRow.kind == CAMPAIGN,
                    TimerRow.subject == subject,
                    TimerRow.status == "paused",
                )
                .order_by(col(TimerRow.due_at), col(TimerRow.id))
            )
        ).scalars()
    )
    if not held:
        return
    times = spread(max(now, held[0].due_at), len(held), per_second, window)
    for timer, due in zip(held, times, strict=True):
        timer.due_at, timer.status = due, "pending"
