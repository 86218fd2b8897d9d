"""The cohort's clients' activity up to the period's end, counted in the database: the sessions
they attended, missed and confirmed, the follow-ups sent to them and answered, and the change in
their wellbeing scores."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.reports.definitions import CHANGE_BANDS, HALF_HUNDREDTH, rate
from storage.tables import AppointmentRow, FollowUpRow, FreedSlotRow, MessageRow, ScoreRow


async def attendance(
    session: AsyncSession, clients: Any, after: datetime
) -> tuple[Counter[int], int, int, int, int]:
    """Sessions of the given clients by the period's end: how many clients attended how many
    (one pass over their sessions, grouped per client in the database), and the sessions
    attended, missed, asked to be confirmed and confirmed."""
    began = col(AppointmentRow.starts_at) < after
    ahead = sa.and_(
        col(AppointmentRow.starts_at) > col(AppointmentRow.created_at),
        col(AppointmentRow.created_at) < after,
    )
    per_client = (
        sa.select(
            sa.func.count().filter(col(AppointmentRow.status) == "attended", began).label("went"),
            sa.func.count().filter(col(AppointmentRow.status) == "dna", began).label("missed"),
            sa.func.count().filter(ahead).label("asked"),
            sa.func.count().filter(ahead, col(AppointmentRow.confirmed_at) < after).label("said"),
        )
        .where(col(AppointmentRow.client_id).in_(clients))
        .group_by(col(AppointmentRow.client_id))
        .subquery()
    )
    rows = (
        await session.execute(
            sa.select(
                per_client.c.went,
                sa.func.count(),
                sa.func.sum(per_client.c.missed),
                sa.func.sum(per_client.c.asked),
                sa.func.sum(per_client.c.said),
            ).group_by(per_client.c.went)
        )
    ).all()
    spread = Counter({int(went): int(k) for went, k, *_ in rows if went})
    return (
        spread,
        sum(n * k for n, k in spread.items()),
        sum(int(r[2] or 0) for r in rows),
        sum(int(r[3] or 0) for r in rows),
        sum(int(r[4] or 0) for r in rows),
    )


async def freed_slots(
    session: AsyncSession, first: datetime, after: datetime, practice_id: int | None
) -> dict[str, int]:
    """Sessions given up far enough ahead in the period for the waiting list (freed), those
    offered to someone on it (reoffered), and those one of them took (reused)."""
    stmt = sa.select(
        sa.func.count(),
        sa.func.count(col(FreedSlotRow.offered_at)),
        sa.func.count(col(FreedSlotRow.taken_by)),
    ).where(col(FreedSlotRow.freed_at) >= first, col(FreedSlotRow.freed_at) < after)
    if practice_id is not None:
        stmt = stmt.where(col(FreedSlotRow.practice_id) == practice_id)
    freed, reoffered, reused = (await session.execute(stmt)).one()
    return {"freed": int(freed or 0), "reoffered": int(reoffered or 0), "reused": int(reused or 0)}


async def follow_ups(session: AsyncSession, clients: Any, after: datetime) -> dict[str, int]:
    """Follow-ups sent to the given clients by the period's end, and those answered by then."""
    sent, answered = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.count().filter(col(FollowUpRow.answered_at) < after))
            .select_from(FollowUpRow)
            .join(MessageRow, col(MessageRow.id) == col(FollowUpRow.message_id))
            .where(col(FollowUpRow.client_id).in_(clients), col(MessageRow.sent_at) < after)
        )
    ).one()
    return {"sent": int(sent or 0), "answered": int(answered or 0)}


async def wellbeing(
    session: AsyncSession, clients: Any, after: datetime
) -> tuple[dict[str, Any], dict[str, int]]:
    """Each client's first and last complete score, compared in the database: one ordered pass
    per client gives the first, the last and how many, on the first row. Returns the figures
    and the clients in each band of change."""
    client, order = col(ScoreRow.client_id), (col(ScoreRow.taken_at), col(ScoreRow.id))
    scores = (
        sa.select(
            sa.func.row_number().over(partition_by=client, order_by=order).label("place"),
            sa.func.count().over(partition_by=client, rows=(None, None)).label("n"),
            (
                sa.func.last_value(col(ScoreRow.metric)).over(
                    partition_by=client, order_by=order, rows=(None, None)
                )
                - sa.func.first_value(col(ScoreRow.metric)).over(
                    partition_by=client, order_by=order
                )
            ).label("change"),
        )
        .where(
            col(ScoreRow.client_id).in_(clients),
            col(ScoreRow.instrument) == "swemwbs",
            col(ScoreRow.status) == "complete",
            col(ScoreRow.taken_at) < after,
            col(ScoreRow.metric).is_not(None),
        )
        .subquery()
    )
    change, edge = scores.c.change, 3 - HALF_HUNDREDTH
    band = sa.case(
        (change <= -edge, 0),
        (change < -HALF_HUNDREDTH, 1),
        (change <= HALF_HUNDREDTH, 2),
        (change < edge, 3),
        else_=4,
    )
    rows = (
        await session.execute(
            sa.select(band, sa.func.count(), sa.func.sum(change))
            .where(scores.c.place == 1, scores.c.n >= 2)
            .group_by(band)
        )
    ).all()
    bands = dict.fromkeys(CHANGE_BANDS, 0) | {CHANGE_BANDS[b]: int(k) for b, k, _ in rows}
    n, total = sum(bands.values()), sum(float(t) for *_, t in rows)
    return {
        "clients_with_first_and_last": n,
        "mean_change": round(total / n, 2) if n else None,
        "positive_share": rate(bands["rose_by_less_than_3"] + bands["rose_by_3_or_more"], n),
    }, bands
