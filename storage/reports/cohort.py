"""The cohort: the referrals submitted in a period, narrowed to a practice, a pathway (or the
self and friend sources) or a link worker's cases, and the filter read from what a person gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.reports.definitions import PATHWAYS, SOURCES
from storage.tables import CaseRow, PracticeRow, ReferralRow, StaffUserRow


@dataclass(frozen=True, slots=True)
class Narrowing:
    """Which of the period's referrals make the cohort: one practice, one pathway (or the
    self and friend sources), or the cases one link worker has."""

    practice_id: int | None = None
    pathway: str | None = None  # primary_care, social_care, hospital, other, self, friend
    worker_id: int | None = None

    def where(self) -> list[Any]:
        conditions: list[Any] = []
        if self.practice_id is not None:
            conditions.append(col(ReferralRow.practice_id) == self.practice_id)
        if self.pathway in SOURCES:
            conditions.append(col(ReferralRow.source) == self.pathway)
        elif self.pathway is not None:
            conditions.append(col(ReferralRow.pathway) == self.pathway)
        if self.worker_id is not None:
            conditions.append(
                col(ReferralRow.case_id).in_(
                    select(CaseRow.id).where(CaseRow.assigned_to == self.worker_id)
                )
            )
        return conditions


def cohort_conditions(first: datetime, after: datetime, narrowing: Narrowing | None) -> list[Any]:
    """The conditions that pick the cohort's referrals."""
    return [
        col(ReferralRow.status) == "submitted",
        col(ReferralRow.submitted_at) >= first,
        col(ReferralRow.submitted_at) < after,
        *(narrowing or Narrowing()).where(),
    ]


async def cohort_clients(session: AsyncSession, in_cohort: list[Any]) -> int:
    """How many clients the cohort's referrals are for."""
    return int(
        await session.scalar(
            sa.select(sa.func.count(sa.distinct(col(ReferralRow.client_id)))).where(*in_cohort)
        )
        or 0
    )


class BadNarrowing(ValueError):
    """A practice, pathway or link worker that does not exist; the message names the field."""


async def narrowing(
    session: AsyncSession, practice: str = "", pathway: str = "", worker: str = ""
) -> Narrowing:
    """The cohort filter from what a person gives: a practice code, a pathway or source, and a
    link worker's e-mail address."""
    practice_id = worker_id = None
    if practice:
        practice_id = (
            await session.execute(
                select(PracticeRow.id).where(PracticeRow.code == practice.strip().upper())
            )
        ).scalar()
        if practice_id is None:
            raise BadNarrowing(f"practice: no practice has the code {practice[:20]!r}.")
    if pathway and pathway not in PATHWAYS + SOURCES:
        raise BadNarrowing(f"pathway: one of {', '.join(PATHWAYS + SOURCES)}.")
    if worker:
        worker_id = (
            await session.execute(
                select(StaffUserRow.id).where(StaffUserRow.email == worker.strip().lower())
            )
        ).scalar()
        if worker_id is None:
            raise BadNarrowing(f"worker: no staff user has the address {worker[:80]!r}.")
    return Narrowing(practice_id, pathway or None, worker_id)
