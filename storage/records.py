"""One client's record as staff read it: details, referrals, sessions, scores, check-ins, the
whole conversation, cases and notes; and a case as lists show it. Read-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage import queries
from storage.tables import (
    AppointmentRow,
    CaseEventRow,
    CaseNoteRow,
    CaseRow,
    ClientRow,
    FollowUpRow,
    MessageRow,
    ReferralRow,
    ScoreRow,
)

TRANSCRIPT_LIMIT = 500


@dataclass(frozen=True, slots=True)
class CaseLine:
    """A case with what a list shows beside it."""

    row: CaseRow
    assigned_name: str | None = None
    referral: ReferralRow | None = None
    practice_code: str | None = None
    client_name: str | None = None


@dataclass(frozen=True, slots=True)
class ClientRecord:
    row: ClientRow
    practice_codes: dict[int, str]
    referrals: list[ReferralRow]
    appointments: list[AppointmentRow]
    scores: list[ScoreRow]
    follow_ups: list[FollowUpRow]
    messages: list[MessageRow] = field(default_factory=list)


async def case_lines(session: AsyncSession, rows: list[CaseRow]) -> list[CaseLine]:
    """The cases with their worker's name, referral, client's name and the client's practice
    code (the client's practice now, which is who may see the case: ``storage.access``)."""
    names = await queries.user_names(session, {r.assigned_to for r in rows if r.assigned_to})
    referrals = await queries.referrals_for_cases(session, {r.id or 0 for r in rows})
    clients = await queries.client_names(session, {r.client_id for r in rows})
    codes = await queries.practice_codes(session, {p for _, p in clients.values() if p})
    lines = []
    for row in rows:
        name, practice = clients.get(row.client_id, (None, None))
        lines.append(
            CaseLine(
                row,
                names.get(row.assigned_to or 0),
                referrals.get(row.id or 0),
                codes.get(practice or 0),
                name,
            )
        )
    return lines


async def client_record(
    session: AsyncSession, row: ClientRow, *, messages: bool = False
) -> ClientRecord:
    """Everything staff see of the client; their conversation too when ``messages``."""
    assert row.id is not None
    referrals = await _of(session, ReferralRow, row.id, col(ReferralRow.id).desc())
    wanted = {r.practice_id for r in referrals if r.practice_id} | {row.practice_id or 0}
    return ClientRecord(
        row=row,
        practice_codes=await queries.practice_codes(session, wanted - {0}),
        referrals=referrals,
        appointments=await _of(session, AppointmentRow, row.id, col(AppointmentRow.starts_at)),
        scores=await _of(session, ScoreRow, row.id, col(ScoreRow.id)),
        follow_ups=await _of(session, FollowUpRow, row.id, col(FollowUpRow.id)),
        messages=await transcript(session, row.id) if messages else [],
    )


async def _of(session: AsyncSession, table: Any, client_id: int, order: Any) -> list[Any]:
    stmt = select(table).where(table.client_id == client_id).order_by(order)
    return list((await session.execute(stmt)).scalars())


async def transcript(session: AsyncSession, client_id: int) -> list[MessageRow]:
    """The client's whole conversation across channels, oldest first (the newest 500)."""
    stmt = (
        select(MessageRow)
        .where(MessageRow.client_id == client_id)
        .order_by(col(MessageRow.created_at).desc(), col(MessageRow.id).desc())
        .limit(TRANSCRIPT_LIMIT)
    )
    rows = list((await session.execute(stmt)).scalars())
    rows.reverse()
    return rows


async def cases_of(session: AsyncSession, client_id: int) -> list[CaseRow]:
    """All the client's cases, newest first."""
    return await _of(session, CaseRow, client_id, col(CaseRow.id).desc())


async def history_of(session: AsyncSession, case_id: int) -> list[CaseEventRow]:
    """What the case was opened for and each request since, oldest first."""
    stmt = (
        select(CaseEventRow)
        .where(CaseEventRow.case_id == case_id)
        .order_by(col(CaseEventRow.at), col(CaseEventRow.id))
    )
    return list((await session.execute(stmt)).scalars())


async def notes_of(session: AsyncSession, client_id: int) -> list[CaseNoteRow]:
    """Every note on the client, whichever case it was written on, oldest first."""
    stmt = (
        select(CaseNoteRow)
        .where(CaseNoteRow.client_id == client_id)
        .order_by(col(CaseNoteRow.created_at), col(CaseNoteRow.id))
    )
    return list((await session.execute(stmt)).scalars())
