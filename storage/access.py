"""Who may see what: the one home of the rule, and the look-ups that apply it.

Admins see everything. A link worker sees their own practices' clients and cases, and the
shared pool of people not yet matched to any practice (first messages from unknown numbers
land there). Anything else is treated as if it did not exist. A campaign is seen by admins and
by the link worker who made it.

``may_see`` is the rule; ``visible`` is the same rule as SQL, for lists. Every look-up of one
record for a staff user goes through the functions below, which answer None for a record that
is missing or not theirs to see.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import StaffUser
from storage.tables import AppointmentRow, CampaignRow, CaseRow, ClientRow


def may_see(user: StaffUser, practice_id: int | None) -> bool:
    """Whether the user may see a record of this practice (None: the shared pool)."""
    return user.is_admin or practice_id is None or practice_id in user.practice_ids


def visible(user: StaffUser, practice_column: Any) -> Any:
    """``may_see`` as an SQL condition on a practice column."""
    if user.is_admin:
        return sa.true()
    return sa.or_(practice_column.is_(None), practice_column.in_(user.practice_ids or {-1}))


async def client(session: AsyncSession, user: StaffUser, client_id: int | None) -> ClientRow | None:
    row = await session.get(ClientRow, client_id) if client_id is not None else None
    return row if row is not None and may_see(user, row.practice_id) else None


async def case(
    session: AsyncSession, user: StaffUser, case_id: int | None
) -> tuple[CaseRow, ClientRow] | None:
    """The case and its client, when the user may see the case."""
    if case_id is None:
        return None
    found = (
        await session.execute(
            select(CaseRow, ClientRow)
            .join(ClientRow, col(ClientRow.id) == col(CaseRow.client_id))
            .where(CaseRow.id == case_id)
        )
    ).first()
    if found is None or not may_see(user, found[0].practice_id):
        return None
    return found[0], found[1]


async def appointment(
    session: AsyncSession, user: StaffUser, appointment_id: int | None
) -> tuple[AppointmentRow, ClientRow] | None:
    """The appointment and its client, when the user may see the client."""
    row = await session.get(AppointmentRow, appointment_id) if appointment_id is not None else None
    found = await client(session, user, row.client_id) if row is not None else None
    return (row, found) if row is not None and found is not None else None


def may_see_campaign(user: StaffUser, row: CampaignRow) -> bool:
    return user.is_admin or row.created_by == user.id


def visible_campaigns(user: StaffUser) -> Any:
    """``may_see_campaign`` as an SQL condition."""
    return sa.true() if user.is_admin else col(CampaignRow.created_by) == user.id


async def campaign(
    session: AsyncSession, user: StaffUser, campaign_id: int | None
) -> CampaignRow | None:
    row = await session.get(CampaignRow, campaign_id) if campaign_id is not None else None
    return row if row is not None and may_see_campaign(user, row) else None
