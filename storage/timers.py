"""Timers: something to do for a client at a time (a nudge, a reminder, a check-in, a campaign
send). Every statement about timers is here.

A timer is a row, so a restart or another instance picks it up; the scheduler only ticks. At
most one pending timer of a kind and subject per client: setting it again moves it.

The lock order, on PostgreSQL: **the client's row, then their timers.** Everything that
touches a client's timers holds the client's row first (``storage.clients.lock``): an inbound
message takes it when it finds the client; each method here that changes a client's timers
takes it before the timer rows (a no-op when the caller holds it already); and firing finds a
due timer without locking it, locks its client (skipping one that is busy: an inbound message
is being handled, or another instance is firing for them), and only then locks the timer
(``FOR UPDATE SKIP LOCKED``) and checks it is still pending and due. Two transactions taking
their locks in the same order can wait for each other but never in a circle, so a timer and a
message no longer deadlock. A transaction that touches timer rows and nothing after them may
skip the client (a campaign's pause, resume and withdrawal). On SQLite the write transaction
holds the one lock, so there is no order to keep.

A timer whose firing meets a passing database fault stays pending, due again a little later
(``retry``: ``attempts`` counts the tries, ``error`` says why, in words with no one's data);
one whose firing fails otherwise is ``failed``, with its ``error``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import DueTimer
from storage.clients import lock
from storage.db import rows_changed
from storage.tables import ClientRow, TimerRow

PENDING = "pending"
BATCH = 1000  # rows to a statement when a campaign sets thousands at once
RETRY_FIRST = timedelta(seconds=5)  # after a passing fault; doubling with each try
RETRY_MOST = timedelta(minutes=5)
ERROR_LENGTH = 200


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th passing fault a timer is tried again."""
    return min(RETRY_FIRST * (1 << min(max(attempts - 1, 0), 16)), RETRY_MOST)


@dataclass(frozen=True, slots=True)
class Claim:
    """A client found with a due timer and locked; ``timer`` is the one taken, marked done in
    this transaction, or None when none of theirs could be taken after all."""

    client_id: int
    timer: DueTimer | None


class SqlTimers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str = ""
    ) -> None:
        await lock(self.session, (client_id,))
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
        """One pending timer for each (client, due time), written in batches.

        New rows only, which no one else can hold, so their clients are not locked: thousands
        of clients held for a campaign would make their messages wait."""
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
        await lock(self.session, (client_id,))
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
        """Set a timer's status: the one being fired, whose client the caller holds."""
        await self.session.execute(
            sa.update(TimerRow).where(col(TimerRow.id) == timer_id).values(status=status)
        )

    async def cancel(self, client_id: int, kinds: tuple[str, ...]) -> None:
        await lock(self.session, (client_id,))
        await self._set_status(
            "cancelled", col(TimerRow.client_id) == client_id, col(TimerRow.kind).in_(kinds)
        )

    async def cancel_all(self, client_id: int) -> None:
        await lock(self.session, (client_id,))
        await self._set_status("cancelled", col(TimerRow.client_id) == client_id)

    async def cancel_about(self, kind: str, subject_prefix: str) -> None:
        about = (col(TimerRow.kind) == kind, col(TimerRow.subject).startswith(subject_prefix))
        whose = select(TimerRow.client_id).where(col(TimerRow.status) == PENDING, *about)
        await lock(self.session, (await self.session.execute(whose)).scalars())
        await self._set_status("cancelled", *about)

    async def _set_status(self, status: str, *where: sa.ColumnElement[bool]) -> int:
        result = await self.session.execute(
            sa.update(TimerRow).where(col(TimerRow.status) == PENDING, *where).values(status=status)
        )
        return rows_changed(result)

    async def delete_pending(self, client_id: int) -> int:
        """Remove the client's pending timers altogether (their data is being erased)."""
        await lock(self.session, (client_id,))
        result = await self.session.execute(
            sa.delete(TimerRow).where(
                col(TimerRow.client_id) == client_id, col(TimerRow.status) == PENDING
            )
        )
        return rows_changed(result)

    async def claim_next(self, now: datetime, passed: Collection[int] = ()) -> Claim | None:
        """The client with the most overdue pending timer, locked, and that timer, locked and
        marked done in this transaction; None when no timer is due. Clients in ``passed`` are
        left out, and so is a client someone else holds: theirs wait for the next tick.

        If the caller's work fails, the transaction rolls back and the timer is pending
        again."""
        due = (col(TimerRow.status) == PENDING, col(TimerRow.due_at) <= now)
        find = (
            select(ClientRow.id)
            .join(TimerRow, col(TimerRow.client_id) == col(ClientRow.id))
            .where(*due)
            .order_by(col(TimerRow.due_at), col(TimerRow.id))
            .limit(1)
            # The client first, and never waiting: see the lock order above.
            .with_for_update(of=ClientRow, skip_locked=True)
        )
        if passed:
            find = find.where(col(ClientRow.id).not_in(passed))
        client_id = (await self.session.execute(find)).scalar()
        if client_id is None:
            return None
        take = (
            select(TimerRow)
            .where(col(TimerRow.client_id) == client_id, *due)
            .order_by(col(TimerRow.due_at), col(TimerRow.id))
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = (await self.session.execute(take)).scalars().first()
        if row is None:  # fired, cancelled or moved since it was found
            return Claim(client_id, None)
        assert row.id is not None
        row.status = "done"
        await self.session.flush()
        return Claim(client_id, DueTimer(row.id, row.client_id, row.kind, row.due_at, row.subject))

    async def retry(self, timer_id: int, now: datetime, error: str) -> int | None:
        """After a passing fault: the timer due again after ``retry_delay``, its try counted
        and ``error`` kept. Returns the tries so far, or None when it is no longer pending."""
        row = await self._pending(timer_id)
        if row is None:
            return None
        row.attempts += 1
        row.due_at = now + retry_delay(row.attempts)
        row.error = error[:ERROR_LENGTH]
        await self.session.flush()
        return row.attempts

    async def fail(self, timer_id: int, error: str) -> bool:
        """After a fault in the work itself: failed for good, with ``error``. Whether it was
        still pending."""
        row = await self._pending(timer_id)
        if row is None:
            return False
        row.status, row.error = "failed", error[:ERROR_LENGTH]
        await self.session.flush()
        return True

    async def _pending(self, timer_id: int) -> TimerRow | None:
        """The pending timer, its client locked first and then the timer."""
        whose = select(TimerRow.client_id).where(col(TimerRow.id) == timer_id)
        await lock(self.session, (await self.session.execute(whose)).scalars())
        stmt = (
            select(TimerRow)
            .where(col(TimerRow.id) == timer_id, col(TimerRow.status) == PENDING)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalars().first()

    # A campaign's sends are timers of one kind and subject: counted, held, freed, withdrawn.

    async def counts(self, kind: str, subject: str) -> dict[str, int]:
        """How many of these timers are in each status."""
        rows = await self.session.execute(
            select(TimerRow.status, sa.func.count())
            .where(TimerRow.kind == kind, TimerRow.subject == subject)
            .group_by(col(TimerRow.status))
        )
        return {status: int(n) for status, n in rows}

    # These touch the timers of many clients and nothing of theirs after: they may skip the
    # clients' rows (the lock order above).

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
