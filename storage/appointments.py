"""Appointments: sessions with a link worker, booked, answered, moved and attended."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.appointments import Appointment, AppointmentStatus, NewAppointment
from storage.db import row_of
from storage.tables import AppointmentRow


def to_appointment(row: AppointmentRow) -> Appointment:
    assert row.id is not None
    return Appointment(
        row.id,
        row.client_id,
        row.starts_at,
        row.duration_minutes,
        row.location,
        row.worker,
        AppointmentStatus(row.status),
        row.asked_again,
        row.worker_id,
        row.reminder_variant,
    )


class SqlAppointments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, new: NewAppointment) -> Appointment:
        row = AppointmentRow(
            client_id=new.client_id,
            starts_at=new.starts_at,
            duration_minutes=new.duration_minutes,
            location=new.location,
            worker=new.worker,
            worker_id=new.worker_id,
            reminder_variant=new.reminder_variant,
            status=AppointmentStatus.BOOKED.value,
            created_by=new.created_by,
            created_at=new.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        return to_appointment(row)

    async def get(self, appointment_id: int) -> Appointment | None:
        row = await self.session.get(AppointmentRow, appointment_id)
        return to_appointment(row) if row else None

    async def _row(self, appointment_id: int) -> AppointmentRow:
        return await row_of(self.session, AppointmentRow, appointment_id)

    async def reschedule(
        self, appointment_id: int, starts_at: datetime, duration_minutes: int, location: str
    ) -> Appointment:
        row = await self._row(appointment_id)
        row.starts_at, row.duration_minutes, row.location = starts_at, duration_minutes, location
        row.status, row.answered_at, row.asked_again = AppointmentStatus.BOOKED.value, None, False
        await self.session.flush()
        return to_appointment(row)

    async def upcoming(
        self,
        client_id: int,
        now: datetime,
        statuses: tuple[AppointmentStatus, ...],
        unanswered: bool,
    ) -> Appointment | None:
        stmt = (
            select(AppointmentRow)
            .where(
                AppointmentRow.client_id == client_id,
                col(AppointmentRow.status).in_([s.value for s in statuses]),
                col(AppointmentRow.starts_at) > now,
            )
            .order_by(col(AppointmentRow.starts_at))
        )
        if unanswered:
            stmt = stmt.where(col(AppointmentRow.answered_at).is_(None))
        row = (await self.session.execute(stmt)).scalars().first()
        return to_appointment(row) if row else None

    async def set_status(
        self,
        appointment_id: int,
        status: AppointmentStatus,
        at: datetime,
        *,
        answered: bool = False,
        outcome: bool = False,
        asked_again: bool | None = None,
    ) -> None:
        row = await self._row(appointment_id)
        row.status = status.value
        if answered:
            row.answered_at = at
            if status is AppointmentStatus.CONFIRMED:
                row.confirmed_at = at
        if outcome:
            row.outcome_at = at
        if asked_again is not None:
            row.asked_again = asked_again
        await self.session.flush()

    async def last_attended(self, client_id: int) -> datetime | None:
        stmt = select(sa.func.max(AppointmentRow.starts_at)).where(
            AppointmentRow.client_id == client_id, AppointmentRow.status == "attended"
        )
        # max() keeps its argument's type, so this comes back as an aware UTC datetime.
        value: datetime | None = (await self.session.execute(stmt)).scalar()
        return value
