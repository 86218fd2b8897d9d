"""Referrals: self, friend and professional, from first word to submitted, and what became of
them for the referrer (picked up, first contact, closed)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.referrals import NewReferral, Referral, ReferralDetails, ReferralSource, ReferralStatus
from storage.db import row_of
from storage.tables import ReferralRow

# The moments a professional referrer hears about, and the column each is kept in.
EVENTS = {"picked_up": "picked_up_at", "first_contact": "first_contact_at", "closed": "closed_at"}


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
        referrer_unreachable=row.referrer_unreachable,
    )


class SqlReferrals:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, referral: NewReferral) -> Referral:
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
            date_of_birth=referral.date_of_birth.isoformat() if referral.date_of_birth else None,
            mismatch=referral.mismatch,
            referrer_unreachable=referral.referrer_unreachable,
            created_at=referral.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        return to_referral(row)

    async def _row(self, referral_id: int) -> ReferralRow:
        return await row_of(self.session, ReferralRow, referral_id)

    async def by_reference(self, reference: str) -> Referral | None:
        stmt = select(ReferralRow).where(ReferralRow.reference == reference)
        row = (await self.session.execute(stmt)).scalars().first()
        return to_referral(row) if row else None

    async def for_case(self, case_id: int) -> list[Referral]:
        stmt = (
            select(ReferralRow).where(ReferralRow.case_id == case_id).order_by(col(ReferralRow.id))
        )
        return [to_referral(row) for row in (await self.session.execute(stmt)).scalars()]

    async def save(
        self, referral_id: int, details: ReferralDetails, status: ReferralStatus, at: datetime
    ) -> None:
        row = await self._row(referral_id)
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

    async def set_status(self, referral_id: int, status: ReferralStatus) -> None:
        row = await self._row(referral_id)
        row.status = status.value
        await self.session.flush()

    async def link_case(self, referral_id: int, case_id: int) -> None:
        row = await self._row(referral_id)
        row.case_id = case_id
        await self.session.flush()

    async def mark(self, referral_id: int, event: str, at: datetime) -> None:
        if event not in EVENTS:
            raise ValueError(event)
        row = await self._row(referral_id)
        setattr(row, EVENTS[event], at)
        await self.session.flush()

    async def invites_since(self, client_id: int, since: datetime) -> int:
        stmt = select(sa.func.count()).where(
            col(ReferralRow.referred_by_client_id) == client_id,
            col(ReferralRow.created_at) >= since,
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def invitations_since(self, client_id: int, since: datetime) -> int:
        stmt = select(sa.func.count()).where(
            col(ReferralRow.client_id) == client_id,
            col(ReferralRow.source) == ReferralSource.FRIEND.value,
            col(ReferralRow.created_at) >= since,
        )
        return int((await self.session.execute(stmt)).scalar_one())
