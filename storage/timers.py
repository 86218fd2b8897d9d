"""Timers: something to do for a client at a time (a nudge, a reminder, a check-in, a campaign
send). Every statement about timers is here.

A timer is a row, so a restart or another instance picks it up; the scheduler only ticks. At
most one pending timer of a kind and subject per client: setting it again moves it. Claims use
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several instances never take the same timer; on
SQLite the write transaction itself serialises them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import DueTimer
from storage.db import rows_changed
from storage.tables import TimerRow

PENDING = "pending"
BATCH = 1000  # rows to a statement when a campaign sets thousands at once


class SqlTimers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str = ""
    ) -> None:
        stmt = select(TimerRow).where(
            TimerRow.client_id == client_id,
            TimerRow.kind == kind,
            TimerRow.subject == subject,
            TimerRow.status == PENDING,
        )
        row = (await self.session.execute(stmt)).scalars().first()
        if row is None:
            self.session.add(
                TimerRow(
                    client_id=client_id, kind=kind, subject=subject, due_at=due_at, created_at=at
                )
            )
        else:
            row.due_at = due_at
        await self.session.flush()

    async def add_many(
        self, kind: str, subject: str, due: Sequence[tuple[int, datetime]], at: datetime
    ) -> None:
        """One pending timer for each (client, due time), written in batches."""
        for start in range(0, len(due), BATCH):
            rows = [
                {
                    "client_id": client_id,
                    "kind": kind,
                    "subject": subject,
                    "due_at": due_at,
                    "status": PENDING,
                    "created_at": at,
                }
                for client_id, due_at in due[start : start + BATCH]
            ]
            await self.session.execute(sa.insert(TimerRow), rows)

    async def record_dropped(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str
    ) -> None:
        self.session.add(
            TimerRow(
                client_id=client_id,
                kind=kind,
                subject=subject,
                due_at=due_at,
                status="dropped",
                created_at=at,
            )
        )
        await self.session.flush()

    async def mark(self, timer_id: int, status: str) -> None:
        await self.session.execute(
            sa.update(TimerRow).where(col(TimerRow.id) == timer_id).values(status=status)
        )

    async def cancel(self, client_id: int, kinds: tuple[str, ...]) -> None:
        await self._set_status(
            "cancelled", col(TimerRow.client_id) == client_id, col(TimerRow.kind).in_(kinds)
        )

    async def cancel_all(self, client_id: int) -> None:
        await self._set_status("cancelled", col(TimerRow.client_id) == client_id)

    async def cancel_about(self, kind: str, subject_prefix: str) -> None:
        await self._set_status(
            "cancelled",
            col(TimerRow.kind) == kind,
            col(TimerRow.subject).startswith(subject_prefix),
        )

    async def _set_status(self, status: str, *where: sa.ColumnElement[bool]) -> int:
        result = await self.session.execute(
            sa.update(TimerRow).where(col(TimerRow.status) == PENDING, *where).values(status=status)
        )
        return rows_changed(result)

    async def delete_pending(self, client_id: int) -> int:
        """Remove the client's pending timers altogether (their data is being erased)."""
        result = await self.session.execute(
            sa.delete(TimerRow).where(
                col(TimerRow.client_id) == client_id, col(TimerRow.status) == PENDING
            )
        )
        return rows_changed(result)

    async def claim_next(self, now: datetime) -> DueTimer | None:
        """The most overdue pending timer, locked for this transaction and marked done in it.

        If the caller's work fails, the transaction rolls back and the timer is pending
        again."""
        stmt = (
            select(TimerRow)
            .where(col(TimerRow.status) == PENDING, col(TimerRow.due_at) <= now)
            .order_by(col(TimerRow.due_at), col(TimerRow.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = (await self.session.execute(stmt)).scalars().first()
        if row is None:
            return None
        assert row.id is not None
        row.status = "done"
        await self.session.flush()
        return DueTimer(row.id, row.client_id, row.kind, row.due_at, row.subject)

    # A campaign's sends are timers of one kind and subject: counted, held, freed, withdrawn.

    async def counts(self, kind: str, subject: str) -> dict[str, int]:
        """How many of these timers are in each status."""
        rows = await self.session.execute(
            select(TimerRow.status, sa.func.count())
            .where(TimerRow.kind == kind, TimerRow.subject == subject)
            .group_by(col(TimerRow.status))
        )
        return {status: int(n) for status, n in rows}

    async def hold(self, kind: str, subject: str) -> None:
        await self._set_status(
            "paused", col(TimerRow.kind) == kind, col(TimerRow.subject) == subject
        )

    async def withdraw(self, kind: str, subject: str) -> None:
        """Cancel the pending and the held ones."""
        await self.session.execute(
            sa.update(TimerRow)
            .where(
                col(TimerRow.kind) == kind,
                col(TimerRow.subject) == subject,
                col(TimerRow.status).in_((PENDING, "paused")),
            )
            .values(status="cancelled")
        )

    async def free(self, kind: str, subject: str, due: Sequence[datetime]) -> None:
        """The held ones pending again, in their order, due at the times given."""
        held = list(
            (
                await self.session.execute(
                    select(TimerRow)
                    .where(
                        TimerRow.kind == kind,
                        TimerRow.subject == subject,
                        TimerRow.status == "paused",
                    )
                    .order_by(col(TimerRow.due_at), col(TimerRow.id))
                )
            ).scalars()
        )
        for timer, due_at in zip(held, due, strict=True):
            timer.due_at, timer.status = due_at, PENDING
        await self.session.flush()

    async def held(self, kind: str, subject: str) -> tuple[int, datetime | None]:
        """How many are held, and when the first of them was due."""
        count, first = (
            await self.session.execute(
                sa.select(sa.func.count(), sa.func.min(col(TimerRow.due_at))).where(
                    col(TimerRow.kind) == kind,
                    col(TimerRow.subject) == subject,
                    col(TimerRow.status) == "paused",
                )
            )
        ).one()
        return int(count or 0), first
