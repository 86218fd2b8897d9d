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

from flows.campaigns import CAMPAIGN, Cohort, spread
from flows.delivery import HANDED_OVER, REACHED
from flows.sendwindow import SendWindow
from storage.tables import (
    AppointmentRow,
    CampaignRow,
    CaseRow,
    ClientRow,
    FollowUpRow,
    MessageRow,
    ReferralRow,
)
from storage.timers import SqlTimers

SENT = tuple(d.value for d in HANDED_OVER)
DELIVERED = tuple(d.value for d in REACHED)


@dataclass(frozen=True, slots=True)
class Reach:
    eligible: list[int]  # client ids, in id order
    excluded: dict[str, int]  # why others in the cohort cannot be contacted now


async def reach(
    session: AsyncSession,
    cohort: Cohort,
    now: datetime,
    zone: ZoneInfo,
    audience: Any,
) -> Reach:
    """The cohort's clients who may be contacted now, among ``audience`` (a condition on the
    client table: ``storage.access.reachable_clients`` of who is asking)."""
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
    stmt = stmt.where(audience)
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
    times = spread(send_at, len(clients), per_second, window)
    await SqlTimers(session).add_many(
        CAMPAIGN, str(row.id), list(zip(clients, times, strict=True)), now
    )
    return row


async def counts(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Sent, delivered, answered and escalated, and the sends still to come or skipped."""
    timers = await SqlTimers(session).counts(CAMPAIGN, str(campaign_id))
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
    subject, timers = str(row.id), SqlTimers(session)
    if status == "paused":
        await timers.hold(CAMPAIGN, subject)
        row.paused_at = now
    elif status == "scheduled":
        await _resume(timers, subject, now, per_second, window)
        row.paused_at = None
    else:
        await timers.withdraw(CAMPAIGN, subject)
        row.cancelled_at = now
    row.status = status
    await session.flush()


async def _resume(
    timers: SqlTimers, subject: str, now: datetime, per_second: float, window: SendWindow
) -> None:
    """Held sends go again in their order, paced afresh from now (or from when they were due,
    if that is still to come) and inside the send window: resumed late in the day, what is
    left waits for the window to open again instead of being written after it has closed."""
    count, first = await timers.held(CAMPAIGN, subject)
    if count and first is not None:
        await timers.free(CAMPAIGN, subject, spread(max(now, first), count, per_second, window))
