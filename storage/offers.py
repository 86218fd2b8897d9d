"""Slots offered by message, slots freed for the waiting list, and the waiting list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.appointments import Appointment
from flows.availability import Slot
from flows.offers import FreedSlot, Offer, OfferReason, OfferStatus
from storage.availability import HOLDING
from storage.tables import (
    AppointmentRow,
    ClientRow,
    FreedSlotRow,
    SlotOfferRow,
    UserPracticeRow,
    WaitingListRow,
)


def to_offer(row: SlotOfferRow) -> Offer:
    assert row.id is not None
    return Offer(
        row.id,
        row.client_id,
        row.batch or row.id,
        row.choice,
        row.worker_id,
        row.worker,
        row.starts_at,
        row.duration_minutes,
        row.location,
        OfferReason(row.reason),
        OfferStatus(row.status),
        row.created_at,
        row.expires_at,
        row.freed_slot_id,
    )


def to_freed(row: FreedSlotRow) -> FreedSlot:
    assert row.id is not None
    return FreedSlot(
        row.id,
        row.practice_id,
        row.worker_id,
        row.worker,
        row.starts_at,
        row.duration_minutes,
        row.location,
    )


class SqlOffers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        client_id: int,
        slots: Sequence[Slot],
        reason: OfferReason,
        now: datetime,
        expires_at: datetime,
        freed_slot_id: int | None = None,
    ) -> list[Offer]:
        """One batch: choice 1, 2, 3... in the order given. Any earlier batch of the client
        still offered is gone: only the latest message's numbers mean anything."""
        await self._end_live(client_id, OfferStatus.GONE, now)
        rows = [
            SlotOfferRow(
                client_id=client_id,
                choice=n,
                worker_id=slot.worker_id,
                worker=slot.worker,
                starts_at=slot.starts_at,
                duration_minutes=slot.minutes,
                location=slot.location,
                reason=reason.value,
                freed_slot_id=freed_slot_id,
                status=OfferStatus.OFFERED.value,
                created_at=now,
                expires_at=expires_at,
            )
            for n, slot in enumerate(slots, start=1)
        ]
        self.session.add_all(rows)
        await self.session.flush()
        for row in rows:
            row.batch = rows[0].id
        await self.session.flush()
        return [to_offer(r) for r in rows]

    async def _end_live(self, client_id: int, status: OfferStatus, now: datetime) -> None:
        await self.session.execute(
            sa.update(SlotOfferRow)
            .where(
                col(SlotOfferRow.client_id) == client_id,
                col(SlotOfferRow.status) == OfferStatus.OFFERED.value,
            )
            .values(status=status.value, answered_at=now)
        )

    async def latest(self, client_id: int, since: datetime) -> list[Offer]:
        """The client's latest batch made after ``since``, in choice order."""
        last = (
            select(sa.func.max(SlotOfferRow.batch))
            .where(col(SlotOfferRow.client_id) == client_id, col(SlotOfferRow.created_at) > since)
            .scalar_subquery()
        )
        stmt = (
            select(SlotOfferRow)
            .where(col(SlotOfferRow.client_id) == client_id, col(SlotOfferRow.batch) == last)
            .order_by(col(SlotOfferRow.choice))
        )
        return [to_offer(r) for r in (await self.session.execute(stmt)).scalars()]

    async def settle(
        self, batch: int, status: OfferStatus, now: datetime, taken: tuple[int, int] | None = None
    ) -> None:
        """The batch is answered: every offer of it still offered takes ``status``, except
        ``taken`` (offer id, appointment id), which is taken."""
        await self.session.execute(
            sa.update(SlotOfferRow)
            .where(
                col(SlotOfferRow.batch) == batch,
                col(SlotOfferRow.status) == OfferStatus.OFFERED.value,
            )
            .values(status=status.value, answered_at=now)
        )
        if taken is not None:
            offer_id, appointment_id = taken
            await self.session.execute(
                sa.update(SlotOfferRow)
                .where(col(SlotOfferRow.id) == offer_id)
                .values(status=OfferStatus.TAKEN.value, appointment_id=appointment_id)
            )

    async def others_for(self, freed_slot_id: int, client_id: int, now: datetime) -> list[int]:
        """The other clients a freed slot is still offered to; their offers are now gone."""
        stmt = select(SlotOfferRow.client_id).where(
            col(SlotOfferRow.freed_slot_id) == freed_slot_id,
            col(SlotOfferRow.client_id) != client_id,
            col(SlotOfferRow.status) == OfferStatus.OFFERED.value,
        )
        others = sorted(set((await self.session.execute(stmt)).scalars()))
        await self.session.execute(
            sa.update(SlotOfferRow)
            .where(
                col(SlotOfferRow.freed_slot_id) == freed_slot_id,
                col(SlotOfferRow.status) == OfferStatus.OFFERED.value,
            )
            .values(status=OfferStatus.GONE.value, answered_at=now)
        )
        return others


class SqlWaitingList:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, client_id: int, by: int | None, now: datetime) -> bool:
        """False when the client is waiting already."""
        if await self.waiting(client_id):
            return False
        self.session.add(WaitingListRow(client_id=client_id, added_at=now, added_by=by))
        await self.session.flush()
        return True

    async def end(self, client_id: int, why: str, now: datetime) -> bool:
        """Off the list (booked, or removed); False when they were not on it."""
        done = await self.session.execute(
            sa.update(WaitingListRow)
            .where(
                col(WaitingListRow.client_id) == client_id, col(WaitingListRow.ended_at).is_(None)
            )
            .values(ended_at=now, ended_why=why)
        )
        return bool(getattr(done, "rowcount", 0))

    async def waiting(self, client_id: int) -> bool:
        stmt = select(WaitingListRow.id).where(
            col(WaitingListRow.client_id) == client_id, col(WaitingListRow.ended_at).is_(None)
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def next_for(self, freed: FreedSlot, now: datetime, limit: int) -> list[int]:
        """Up to ``limit`` waiting clients, longest waiting first, who can take a freed slot:
        of the practice of the client who gave it up (or else of the worker's practices, if
        they have any), not opted out, and with no session to come that holds a slot."""
        has_session = select(AppointmentRow.client_id).where(
            col(AppointmentRow.status).in_(HOLDING), col(AppointmentRow.starts_at) > now
        )
        stmt = (
            select(WaitingListRow.client_id)
            .join(ClientRow, col(ClientRow.id) == WaitingListRow.client_id)
            .where(
                col(WaitingListRow.ended_at).is_(None),
                col(ClientRow.opted_out).is_(False),
                col(ClientRow.erased_at).is_(None),
                ~col(WaitingListRow.client_id).in_(has_session),
            )
            .order_by(col(WaitingListRow.added_at), col(WaitingListRow.id))
        )
        if freed.practice_id is not None:
            stmt = stmt.where(col(ClientRow.practice_id) == freed.practice_id)
        elif freed.worker_id is not None:
            of_worker = select(UserPracticeRow.practice_id).where(
                col(UserPracticeRow.user_id) == freed.worker_id
            )
            practices = list((await self.session.execute(of_worker)).scalars())
            if practices:  # else a worker for every practice: anyone waiting
                stmt = stmt.where(col(ClientRow.practice_id).in_(practices))
        return list((await self.session.execute(stmt.limit(limit))).scalars())

    async def free(
        self, appointment: Appointment, practice_id: int | None, now: datetime
    ) -> FreedSlot | None:
        """Record an appointment's slot as freed (once: None when it was already)."""
        stmt = select(FreedSlotRow.id).where(col(FreedSlotRow.appointment_id) == appointment.id)
        if (await self.session.execute(stmt)).first() is not None:
            return None
        row = FreedSlotRow(
            appointment_id=appointment.id,
            practice_id=practice_id,
            worker_id=appointment.worker_id,
            worker=appointment.worker,
            starts_at=appointment.starts_at,
            duration_minutes=appointment.duration_minutes,
            location=appointment.location,
            freed_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return to_freed(row)

    async def offered(self, freed_slot_id: int, now: datetime) -> None:
        await self.session.execute(
            sa.update(FreedSlotRow)
            .where(col(FreedSlotRow.id) == freed_slot_id)
            .values(offered_at=now)
        )

    async def take(self, freed_slot_id: int, client_id: int) -> bool:
        """The freed slot goes to ``client_id``, if no one has taken it yet: the one
        conditional write that decides who answered first (on PostgreSQL a second writer
        waits for the first to commit, then finds it taken)."""
        done = await self.session.execute(
            sa.update(FreedSlotRow)
            .where(col(FreedSlotRow.id) == freed_slot_id, col(FreedSlotRow.taken_by).is_(None))
            .values(taken_by=client_id)
        )
        return bool(getattr(done, "rowcount", 0))
