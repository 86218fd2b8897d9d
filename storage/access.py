"""Who may see what: the one home of the rule, and the look-ups that apply it.

Admins see everything. A link worker sees their own practices' clients, and the shared pool of
people not yet matched to any practice (first messages from unknown numbers land there).
Everything hung off a client (their cases, appointments, scores, notes, messages and
referrals) is seen exactly when the client is: what counts is the client's practice now, not
the practice a case was opened for, so a case opened in the shared pool goes with its client
when they join a practice. Anything else is treated as if it did not exist. A campaign is seen
by admins and by the link worker who made it, and a link worker's campaign reaches only their
own practices' clients (not the shared pool).

``may_see`` is the rule; ``visible_clients`` and ``of_visible_client`` are the same rule as
SQL, for lists. Every look-up of one record for a staff user goes through the functions below,
which answer None for a record that is missing or not theirs to see.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import StaffUser
from storage.tables import (
    AppointmentRow,
    CampaignRow,
    CaseRow,
    ClientRow,
    StaffUserRow,
    UserPracticeRow,
)


def may_see(user: StaffUser, practice_id: int | None) -> bool:
    """Whether the user may see a client of this practice (None: the shared pool), and so
    everything of theirs."""
    return user.is_admin or practice_id is None or practice_id in user.practice_ids


def visible_clients(user: StaffUser) -> Any:
    """``may_see`` as an SQL condition on the client table."""
    if user.is_admin:
        return sa.true()
    practice = col(ClientRow.practice_id)
    return sa.or_(practice.is_(None), practice.in_(user.practice_ids or {-1}))


def of_visible_client(user: StaffUser, client_id: Any) -> Any:
    """``may_see`` as an SQL condition on a client id column (a case's, an appointment's...):
    the rows of clients the user may see."""
    if user.is_admin:
        return sa.true()
    seen = select(ClientRow.id).where(visible_clients(user)).correlate(None)
    return client_id.in_(seen)


async def client(session: AsyncSession, user: StaffUser, client_id: int | None) -> ClientRow | None:
    row = await session.get(ClientRow, client_id) if client_id is not None else None
    return row if row is not None and may_see(user, row.practice_id) else None


async def case(
    session: AsyncSession, user: StaffUser, case_id: int | None
) -> tuple[CaseRow, ClientRow] | None:
    """The case and its client, when the user may see the client."""
    if case_id is None:
        return None
    found = (
        await session.execute(
            select(CaseRow, ClientRow)
            .join(ClientRow, col(ClientRow.id) == col(CaseRow.client_id))
            .where(CaseRow.id == case_id)
        )
    ).first()
    if found is None or not may_see(user, found[1].practice_id):
        return None
    return found[0], found[1]


async def appointment(
    session: AsyncSession, user: StaffUser, appointment_id: int | None
) -> tuple[AppointmentRow, ClientRow] | None:
    """The appointment and its client, when the user may see the client."""
    row = await session.get(AppointmentRow, appointment_id) if appointment_id is not None else None
    found = await client(session, user, row.client_id) if row is not None else None
    return (row, found) if row is not None and found is not None else None


async def who_may_see(session: AsyncSession, practice_id: int | None) -> list[StaffUserRow]:
    """The staff who may see a client of this practice, by name: admins and the practice's
    link workers; everyone, for the shared pool. ``may_see`` over the staff, in SQL. A disabled
    user (a leaver) sees nothing."""
    stmt = (
        select(StaffUserRow)
        .where(col(StaffUserRow.disabled_at).is_(None))
        .order_by(col(StaffUserRow.name), col(StaffUserRow.id))
    )
    if practice_id is not None:
        workers = select(UserPracticeRow.user_id).where(UserPracticeRow.practice_id == practice_id)
        stmt = stmt.where(
            sa.or_(col(StaffUserRow.role) == "admin", col(StaffUserRow.id).in_(workers))
        )
    return list((await session.execute(stmt)).scalars())


def may_reach(user: StaffUser, practice_id: int) -> bool:
    """Whether the user's campaigns may go to this practice's clients."""
    return user.is_admin or practice_id in user.practice_ids


def reachable_clients(user: StaffUser) -> Any:
    """Who the user's campaigns may go to, as an SQL condition on the client table: the
    clients they may see, less the shared pool for a link worker (``may_reach``)."""
    if user.is_admin:
        return sa.true()
    return sa.and_(visible_clients(user), col(ClientRow.practice_id).is_not(None))


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
