"""Opening the unit of work an action runs in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.bootstrap import Services
from storage import unit
from storage.audit import audit
from storage.unit import SqlUnit


@asynccontextmanager
async def change(services: Services, *, urgent: bool = False) -> AsyncIterator[SqlUnit]:
    """A write transaction; once it has committed, the outbox looks for what it wrote
    (``urgent``: see ``storage.db.Database.write``)."""
    async with unit.write(services.db, services.directory, services.calendar, urgent=urgent) as uow:
        yield uow
    services.outbox.wake()


@asynccontextmanager
async def look(services: Services) -> AsyncIterator[SqlUnit]:
    """A read-only transaction."""
    async with services.db.read() as session:
        yield SqlUnit(session, services.directory, services.calendar)


class Viewing:
    """A read of records for someone, and what it showed them, to be audited."""

    def __init__(self, uow: SqlUnit) -> None:
        self.uow = uow
        self.subjects: list[str] = []

    def saw(self, subject: str) -> None:
        """Audit this (``client:7``, ``report:...``) as shown."""
        self.subjects.append(subject)


@asynccontextmanager
async def viewed(services: Services, user_id: int | None, action: str) -> AsyncIterator[Viewing]:
    """A read-only transaction for showing records, then, once it has ended without error, one
    short write transaction adding an audit row ``action`` for each subject it ``saw``.

    Reading holds no write lock, so a long report or record never makes a webhook wait (on
    SQLite there is one writer at a time); a view that fails, such as of a record the user may
    not see, writes no audit row."""
    async with look(services) as uow:
        viewing = Viewing(uow)
        yield viewing
    if viewing.subjects:
        now = services.clock.now()
        async with services.db.write() as session:
            for subject in viewing.subjects:
                await audit(session, user_id, action, subject, now)
