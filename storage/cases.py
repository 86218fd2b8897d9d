"""Cases: the link worker queue's items, opened, escalated, routed, given and closed. Each
opening, each change of reason or priority and each request a case did not take is written to
its history (``case_event``) here, so no caller can change a case without it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import Case, CasePriority, CaseStatus, NewCase
from storage.db import row_of
from storage.tables import CaseEventRow, CaseRow


def to_case(row: CaseRow) -> Case:
    assert row.id is not None
    return Case(
        id=row.id,
        client_id=row.client_id,
        reason=row.reason,
        priority=CasePriority(row.priority),
        status=CaseStatus(row.status),
        assigned_to=row.assigned_to,
        created_at=row.created_at,
        due_by=row.due_by,
    )


def _needs_duty_alert(now: datetime) -> list[Any]:
    """Open, urgent, taken by nobody, past its due time, and the duty contact not yet told."""
    return [
        col(CaseRow.status) == CaseStatus.OPEN.value,
        col(CaseRow.priority) == CasePriority.URGENT.value,
        col(CaseRow.assigned_to).is_(None),
        col(CaseRow.due_by) < now,
        col(CaseRow.duty_alerted_at).is_(None),
    ]


# Built once, with the client as a parameter: asked for every inbound message, and building
# a statement each time costs more than running it.
OPEN_CASE = (
    select(CaseRow)
    .where(
        col(CaseRow.client_id) == sa.bindparam("client_id"),
        col(CaseRow.status) == CaseStatus.OPEN.value,
    )
    .order_by(col(CaseRow.id).desc())
)


class SqlCases:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_for(self, client_id: int) -> Case | None:
        found = await self.session.execute(OPEN_CASE, {"client_id": client_id})
        row = found.scalars().first()
        return to_case(row) if row else None

    async def add(self, case: NewCase) -> Case:
        row = CaseRow(
            client_id=case.client_id,
            practice_id=case.practice_id,
            reason=case.reason,
            priority=case.priority.value,
            priority_rank=case.priority.rank,
            status=CaseStatus.OPEN.value,
            created_at=case.created_at,
            due_by=case.due_by,
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        self._event(row.id, case.reason, case.priority, case.created_at)
        await self.session.flush()
        return to_case(row)

    def _event(
        self, case_id: int, reason: str, priority: CasePriority, at: datetime, taken: bool = True
    ) -> None:
        self.session.add(
            CaseEventRow(
                case_id=case_id, at=at, reason=reason, priority=priority.value, taken=taken
            )
        )

    async def _row(self, case_id: int) -> CaseRow:
        return await row_of(self.session, CaseRow, case_id)

    async def retake(
        self, case_id: int, reason: str, priority: CasePriority, due_by: datetime, at: datetime
    ) -> None:
        row = await self._row(case_id)
        row.priority, row.priority_rank = priority.value, priority.rank
        row.reason, row.due_by = reason, due_by
        self._event(case_id, reason, priority, at)
        await self.session.flush()

    async def note_request(
        self, case_id: int, reason: str, priority: CasePriority, at: datetime
    ) -> None:
        self._event(case_id, reason, priority, at, taken=False)
        await self.session.flush()

    async def assign(self, case_id: int, user_id: int) -> None:
        row = await self._row(case_id)
        row.assigned_to = user_id
        await self.session.flush()

    async def route(self, case_id: int, practice_id: int | None) -> None:
        row = await self._row(case_id)
        if row.practice_id is None and practice_id is not None:
            row.practice_id = practice_id
        await self.session.flush()

    async def close(
        self, case_id: int, outcome: str, onward: list[str], by: int, at: datetime
    ) -> None:
        row = await self._row(case_id)
        row.status = CaseStatus.CLOSED.value
        row.outcome, row.onward_referrals = outcome, json.dumps(onward)
        row.closed_at, row.closed_by = at, by
        await self.session.flush()

    async def overdue_unclaimed(self, now: datetime) -> list[int]:
        stmt = (
            select(CaseRow.id)
            .where(*_needs_duty_alert(now))
            .order_by(col(CaseRow.due_by), col(CaseRow.id))
        )
        return [case_id for case_id in (await self.session.execute(stmt)).scalars() if case_id]

    async def mark_duty_alerted(self, case_id: int, at: datetime) -> bool:
        """One conditional update: of two instances marking the same case, one wins."""
        stmt = (
            sa.update(CaseRow)
            .where(col(CaseRow.id) == case_id, *_needs_duty_alert(at))
            .values(duty_alerted_at=at)
            .execution_options(synchronize_session=False)
        )
        result: Any = await self.session.execute(stmt)
        return bool(result.rowcount == 1)
