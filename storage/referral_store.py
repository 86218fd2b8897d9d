"""The referral, practice and timer half of ``SqlStore``."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.appointments import Appointment, AppointmentStatus, NewAppointment
from flows.ports import NewReferral, Referral
from flows.practices import PracticeInfo
from flows.referrals import ReferralDetails, ReferralSource, ReferralStatus
from storage.tables import AppointmentRow, Practice, ReferralRow, StaffUserRow, TimerRow


def to_referral(row: ReferralRow) -> Referral:
    assert row.id is not None
    return Referral(
        id=row.id,
        reference=row.reference,
        client_id=row.client_id,
        source=ReferralSource(row.source),
        status=ReferralStatus(row.status),
        case_id=row.case_id,
        practice_id=row.practice_id,
        referrer_phone=row.referrer_phone,
        referrer_email=row.referrer_email,
        picked_up_at=row.picked_up_at,
        first_contact_at=row.first_contact_at,
        closed_at=row.closed_at,
    )


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
    )


class ReferralStore:
    """Referrals, practices, timers and appointments: the later half of ``SqlStore``."""

    session: AsyncSession

    async def add_appointment(self, new: NewAppointment) -> Appointment:
        row = AppointmentRow(
            client_id=new.client_id,
            starts_at=new.starts_at,
            duration_minutes=new.duration_minutes,
            location=new.location,
            worker=new.worker,
            status=AppointmentStatus.BOOKED.value,
            created_by=new.created_by,
            created_at=new.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        return to_appointment(row)

    async def appointment(self, appointment_id: int) -> Appointment | None:
        row = await self.session.get(AppointmentRow, appointment_id)
        return to_appointment(row) if row else None

    async def reschedule_appointment(
        self, appointment_id: int, starts_at: datetime, duration_minutes: int, location: str
    ) -> Appointment:
        row = await self.session.get(AppointmentRow, appointment_id)
        if row is None:
            raise LookupError(appointment_id)
        row.starts_at, row.duration_minutes, row.location = starts_at, duration_minutes, location
        row.status, row.answered_at, row.asked_again = AppointmentStatus.BOOKED.value, None, False
        await self.session.flush()
        return to_appointment(row)

    async def upcoming_appointment(
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

    async def set_appointment(
        self,
        appointment_id: int,
        status: AppointmentStatus,
        at: datetime,
        *,
        answered: bool = False,
        outcome: bool = False,
        asked_again: bool | None = None,
    ) -> None:
        row = await self.session.get(AppointmentRow, appointment_id)
        if row is None:
            raise LookupError(appointment_id)
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

    async def practices(self) -> tuple[PracticeInfo, ...]:
        rows = (await self.session.execute(select(Practice).order_by(col(Practice.name)))).scalars()
        return tuple(PracticeInfo(r.id or 0, r.code, r.name, r.area) for r in rows)

    async def add_referral(self, referral: NewReferral) -> Referral:
        row = ReferralRow(
            reference=referral.reference,
            client_id=referral.client_id,
            source=referral.source.value,
            status=referral.status.value,
            pathway=referral.pathway.value if referral.pathway else None,
            referred_by_client_id=referral.referred_by_client_id,
            relationship=referral.relationship,
            referrer_name=referral.referrer_name,
            referrer_role=referral.referrer_role,
            referrer_organisation=referral.referrer_organisation,
            referrer_phone=referral.referrer_phone,
            referrer_email=referral.referrer_email,
            created_at=referral.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        return to_referral(row)

    async def _referral_row(self, referral_id: int) -> ReferralRow:
        row = await self.session.get(ReferralRow, referral_id)
        if row is None:
            raise LookupError(referral_id)
        return row

    async def referral_by_reference(self, reference: str) -> Referral | None:
        stmt = select(ReferralRow).where(ReferralRow.reference == reference)
        row = (await self.session.execute(stmt)).scalars().first()
        return to_referral(row) if row else None

    async def referrals_for_case(self, case_id: int) -> list[Referral]:
        stmt = (
            select(ReferralRow).where(ReferralRow.case_id == case_id).order_by(col(ReferralRow.id))
        )
        return [to_referral(row) for row in (await self.session.execute(stmt)).scalars()]

    async def save_referral(
        self, referral_id: int, details: ReferralDetails, status: ReferralStatus, at: datetime
    ) -> None:
        row = await self._referral_row(referral_id)
        row.practice_id = details.practice_id
        row.practice_text = details.practice_text
        row.needs = json.dumps(list(details.needs))
        row.needs_text = details.needs_text
        row.notes = details.notes
        row.contact_method = details.contact_method.value if details.contact_method else None
        row.contact_times = details.contact_times
        if status is ReferralStatus.SUBMITTED and row.submitted_at is None:
            row.submitted_at = at
        row.status = status.value
        await self.session.flush()

    async def set_referral_status(self, referral_id: int, status: ReferralStatus) -> None:
        row = await self._referral_row(referral_id)
        row.status = status.value
        await self.session.flush()

    async def link_referral_case(self, referral_id: int, case_id: int) -> None:
        row = await self._referral_row(referral_id)
        row.case_id = case_id
        await self.session.flush()

    async def mark_referral(self, referral_id: int, event: str, at: datetime) -> None:
        row = await self._referral_row(referral_id)
        match event:
            case "picked_up":
                row.picked_up_at = at
            case "first_contact":
                row.first_contact_at = at
            case "closed":
                row.closed_at = at
            case _:
                raise ValueError(event)
        await self.session.flush()

    async def invites_since(self, client_id: int, since: datetime) -> int:
        stmt = select(sa.func.count()).where(
            col(ReferralRow.referred_by_client_id) == client_id,
            col(ReferralRow.created_at) >= since,
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def staff_name(self, user_id: int) -> str | None:
        row = await self.session.get(StaffUserRow, user_id)
        return row.name if row else None

    async def invitations_since(self, client_id: int, since: datetime) -> int:
        stmt = select(sa.func.count()).where(
            col(ReferralRow.client_id) == client_id,
            col(ReferralRow.source) == ReferralSource.FRIEND.value,
            col(ReferralRow.created_at) >= since,
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def set_timer(
        self, client_id: int, kind: str, due_at: datetime, at: datetime, subject: str = ""
    ) -> None:
        stmt = select(TimerRow).where(
            TimerRow.client_id == client_id,
            TimerRow.kind == kind,
            TimerRow.subject == subject,
            TimerRow.status == "pending",
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

    async def record_dropped_timer(
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

    async def mark_timer(self, timer_id: int, status: str) -> None:
        await self.session.execute(
            sa.update(TimerRow).where(col(TimerRow.id) == timer_id).values(status=status)
        )

    async def cancel_timers_about(self, kind: str, subject_prefix: str) -> None:
        await self.session.execute(
            sa.update(TimerRow)
            .where(
                col(TimerRow.kind) == kind,
                col(TimerRow.subject).startswith(subject_prefix),
                col(TimerRow.status) == "pending",
            )
            .values(status="cancelled")
        )

    async def cancel_timers(self, client_id: int, kinds: tuple[str, ...]) -> None:
        await self.session.execute(
            sa.update(TimerRow)
            .where(
                col(TimerRow.client_id) == client_id,
                col(TimerRow.kind).in_(kinds),
                col(TimerRow.status) == "pending",
            )
            .values(status="cancelled")
        )
