"""The unit of work: one transaction, and a repository for each aggregate on it.

``SqlUnit`` is what ``flows.ports.Unit`` describes; the actions in ``bot.actions`` open one
per thing they do, and everything done through it commits together or not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.calendar import WorkingDays
from flows.practices import PracticeInfo
from flows.signposting import Signpost
from storage.appointments import SqlAppointments
from storage.availability import SqlAvailability
from storage.cases import SqlCases
from storage.clients import SqlClients
from storage.db import Database
from storage.directory import DirectoryCache
from storage.follow_ups import SqlFollowUps
from storage.messages import SqlMessages
from storage.offers import SqlOffers, SqlWaitingList
from storage.referrals import SqlReferrals
from storage.tables import PracticeRow, StaffUserRow
from storage.timers import SqlTimers


class SqlPractices:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> tuple[PracticeInfo, ...]:
        rows = (
            await self.session.execute(select(PracticeRow).order_by(col(PracticeRow.name)))
        ).scalars()
        return tuple(PracticeInfo(r.id or 0, r.code, r.name, r.area) for r in rows)


class SqlStaff:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def name(self, user_id: int) -> str | None:
        row = await self.session.get(StaffUserRow, user_id)
        return row.name if row else None


class SqlDirectory:
    def __init__(self, session: AsyncSession, cache: DirectoryCache) -> None:
        self.session, self.cache = session, cache

    async def signposts(
        self, needs: tuple[str, ...], practice_id: int | None, limit: int
    ) -> list[Signpost]:
        practice = await self.session.get(PracticeRow, practice_id) if practice_id else None
        area = (practice.area or "") if practice else ""
        found = await self.cache.signposts(self.session, needs, area, limit)
        return [Signpost(s.name, s.phone or s.url or "") for s in found]


class SqlUnit:
    """Every repository, on one session. ``session`` is there for the read-side queries."""

    def __init__(
        self, session: AsyncSession, directory: DirectoryCache, calendar: WorkingDays
    ) -> None:
        self.session, self.calendar = session, calendar
        self.clients = SqlClients(session)
        self.cases = SqlCases(session)
        self.messages = SqlMessages(session)
        self.referrals = SqlReferrals(session)
        self.appointments = SqlAppointments(session)
        self.timers = SqlTimers(session)
        self.follow_ups = SqlFollowUps(session)
        self.practices = SqlPractices(session)
        self.staff = SqlStaff(session)
        self.directory = SqlDirectory(session, directory)
        self.availability = SqlAvailability(session)
        self.offers = SqlOffers(session)
        self.waiting_list = SqlWaitingList(session)


@asynccontextmanager
async def write(
    db: Database, directory: DirectoryCache, calendar: WorkingDays, *, urgent: bool = False
) -> AsyncIterator[SqlUnit]:
    """A unit in a write transaction, committed when the block ends without error
    (``urgent``: see ``Database.write``)."""
    async with db.write(urgent=urgent) as session:
        yield SqlUnit(session, directory, calendar)
