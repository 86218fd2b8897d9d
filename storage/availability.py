"""Link workers' availability: weekly patterns and one-off times, leave, and what keeps a
slot busy (a session booked, leave, a slot held for a client), for ``flows.availability``."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.availability import Busy, Pattern
from flows.offers import OfferStatus
from storage.tables import (
    AppointmentRow,
    LeaveRow,
    SlotOfferRow,
    StaffUserRow,
    UserPracticeRow,
    WorkPatternRow,
)

# A session that holds its slot: booked or confirmed (a NO or a cancellation frees it).
HOLDING = ("booked", "confirmed")
LONGEST_SESSION = timedelta(hours=8)  # how far back a session may start and still overlap


def to_pattern(row: WorkPatternRow, worker: str) -> Pattern:
    assert row.id is not None
    return Pattern(
        row.id,
        row.worker_id,
        worker,
        row.weekday,
        row.on_date,
        row.starts,
        row.ends,
        row.slot_minutes,
        row.location,
        row.valid_from,
        row.valid_until,
    )


class SqlAvailability:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def workers_for(self, practice_id: int | None) -> dict[int, str]:
        """Staff with availability who work for the practice (those with no practices named
        work for every one; for a client not yet matched to a practice, anyone), still able to
        sign in: id to name."""
        stmt = (
            select(StaffUserRow.id, StaffUserRow.name)
            .where(
                col(StaffUserRow.disabled_at).is_(None),
                col(StaffUserRow.id).in_(select(WorkPatternRow.worker_id)),
            )
            .order_by(col(StaffUserRow.id))
        )
        if practice_id is not None:  # theirs, or a worker for every practice (none named)
            stmt = stmt.where(
                col(StaffUserRow.id).in_(
                    select(UserPracticeRow.user_id).where(
                        col(UserPracticeRow.practice_id) == practice_id
                    )
                )
                | ~col(StaffUserRow.id).in_(select(UserPracticeRow.user_id))
            )
        return {int(i): name for i, name in (await self.session.execute(stmt)).all()}

    async def patterns(self, workers: dict[int, str]) -> list[Pattern]:
        stmt = (
            select(WorkPatternRow)
            .where(col(WorkPatternRow.worker_id).in_(list(workers)))
            .order_by(col(WorkPatternRow.id))
        )
        rows = (await self.session.execute(stmt)).scalars()
        return [to_pattern(r, workers[r.worker_id]) for r in rows]

    async def busy(
        self,
        worker_ids: Collection[int],
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        for_client: int | None = None,
    ) -> list[Busy]:
        """What keeps these workers busy between ``start`` and ``end``: sessions that hold
        their slot, leave, and slots held for clients other than ``for_client`` by an offer
        still within its hold."""
        ids = list(worker_ids)
        busy: list[Busy] = []
        sessions = select(
            AppointmentRow.worker_id, AppointmentRow.starts_at, AppointmentRow.duration_minutes
        ).where(
            col(AppointmentRow.worker_id).in_(ids),
            col(AppointmentRow.status).in_(HOLDING),
            col(AppointmentRow.starts_at) >= start - LONGEST_SESSION,
            col(AppointmentRow.starts_at) < end,
        )
        for worker_id, starts_at, minutes in (await self.session.execute(sessions)).all():
            busy.append(
                Busy(worker_id, starts_at, starts_at + timedelta(minutes=minutes), "booked")
            )
        leave = select(LeaveRow.worker_id, LeaveRow.starts_at, LeaveRow.ends_at).where(
            col(LeaveRow.worker_id).in_(ids),
            col(LeaveRow.starts_at) < end,
            col(LeaveRow.ends_at) > start,
        )
        for worker_id, starts_at, ends_at in (await self.session.execute(leave)).all():
            busy.append(Busy(worker_id, starts_at, ends_at, "leave"))
        held = select(
            SlotOfferRow.worker_id, SlotOfferRow.starts_at, SlotOfferRow.duration_minutes
        ).where(
            col(SlotOfferRow.worker_id).in_(ids),
            col(SlotOfferRow.status) == OfferStatus.OFFERED.value,
            col(SlotOfferRow.expires_at) > now,
            col(SlotOfferRow.starts_at) >= start - LONGEST_SESSION,
            col(SlotOfferRow.starts_at) < end,
        )
        if for_client is not None:
            held = held.where(col(SlotOfferRow.client_id) != for_client)
        for worker_id, starts_at, minutes in (await self.session.execute(held)).all():
            if worker_id is not None:
                busy.append(
                    Busy(worker_id, starts_at, starts_at + timedelta(minutes=minutes), "held")
                )
        return busy

    async def lock_worker(self, worker_id: int) -> None:
        """Hold the worker's row until the transaction ends, so that two bookings with one
        worker are decided one after the other (PostgreSQL; on SQLite the write transaction
        already does). The lock order: the client first, then the worker."""
        stmt = select(StaffUserRow.id).where(col(StaffUserRow.id) == worker_id).with_for_update()
        await self.session.execute(stmt)

    async def worker_named(self, name: str) -> int | None:
        """The staff user of that name (any case), when exactly one still signs in."""
        stmt = select(StaffUserRow.id).where(
            sa.func.lower(StaffUserRow.name) == name.strip().lower(),
            col(StaffUserRow.disabled_at).is_(None),
        )
        ids = list((await self.session.execute(stmt.limit(2))).scalars())
        return ids[0] if len(ids) == 1 and ids[0] is not None else None

    # What the staff app edits.
    async def add_pattern(
        self,
        worker_id: int,
        weekday: int | None,
        on_date: date | None,
        starts: time,
        ends: time,
        slot_minutes: int,
        location: str,
        now: datetime,
    ) -> int:
        row = WorkPatternRow(
            worker_id=worker_id,
            weekday=weekday,
            on_date=on_date,
            starts=starts,
            ends=ends,
            slot_minutes=slot_minutes,
            location=location,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        return row.id

    async def end_pattern(self, worker_id: int, pattern_id: int, last_day: date) -> bool:
        """A weekly pattern stops after ``last_day`` (kept, for the weeks it ran); a one-off
        time is removed. False when the worker has no such pattern."""
        row = await self.session.get(WorkPatternRow, pattern_id)
        if row is None or row.worker_id != worker_id:
            return False
        if row.on_date is not None or (row.valid_from or date.min) > last_day:
            await self.session.delete(row)
        else:
            row.valid_until = last_day
        await self.session.flush()
        return True

    async def add_leave(
        self, worker_id: int, starts_at: datetime, ends_at: datetime, note: str, now: datetime
    ) -> int:
        row = LeaveRow(
            worker_id=worker_id, starts_at=starts_at, ends_at=ends_at, note=note, created_at=now
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        return row.id

    async def remove_leave(self, worker_id: int, leave_id: int) -> bool:
        row = await self.session.get(LeaveRow, leave_id)
        if row is None or row.worker_id != worker_id:
            return False
        await self.session.delete(row)
        await self.session.flush()
        return True

    async def leave(self, worker_id: int, start: datetime, end: datetime) -> list[LeaveRow]:
        stmt = (
            select(LeaveRow)
            .where(
                col(LeaveRow.worker_id) == worker_id,
                col(LeaveRow.starts_at) < end,
                col(LeaveRow.ends_at) > start,
            )
            .order_by(col(LeaveRow.starts_at))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def sessions(
        self, worker_id: int, start: datetime, end: datetime
    ) -> list[AppointmentRow]:
        """The worker's sessions starting in [start, end), any status."""
        stmt = (
            select(AppointmentRow)
            .where(
                col(AppointmentRow.worker_id) == worker_id,
                col(AppointmentRow.starts_at) >= start,
                col(AppointmentRow.starts_at) < end,
            )
            .order_by(col(AppointmentRow.starts_at))
        )
        return list((await self.session.execute(stmt)).scalars())
