"""Claiming due timers: one at a time, each in the caller's transaction.

``FOR UPDATE SKIP LOCKED`` on PostgreSQL lets several instances work through due timers without
taking the same one; on SQLite the write transaction itself serialises them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.ports import DueTimer
from storage.tables import TimerRow


async def claim_next(session: AsyncSession, now: datetime) -> DueTimer | None:
    """The most overdue pending timer, locked for this transaction and marked done in it.

    If the caller's work fails, the transaction rolls back and the timer is pending again."""
    stmt = (
        select(TimerRow)
        .where(col(TimerRow.status) == "pending", col(TimerRow.due_at) <= now)
        .order_by(col(TimerRow.due_at), col(TimerRow.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = (await session.execute(stmt)).scalars().first()
    if row is None:
        return None
    assert row.id is not None
    row.status = "done"
    await session.flush()
    return DueTimer(row.id, row.client_id, row.kind, row.due_at, row.subject)


async def mark(session: AsyncSession, timer_id: int, status: str) -> None:
    row = await session.get(TimerRow, timer_id)
    if row is not None:
        row.status = status
        await session.flush()


async def mark_failed(session: AsyncSession, timer_id: int) -> None:
    row = await session.get(TimerRow, timer_id)
    if row is not None:
        row.status = "failed"
        await session.flush()
