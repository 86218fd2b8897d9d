"""Opening the unit of work an action runs in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.bootstrap import Services
from storage import unit
from storage.unit import SqlUnit


@asynccontextmanager
async def change(services: Services) -> AsyncIterator[SqlUnit]:
    """A write transaction; once it has committed, the outbox looks for what it wrote."""
    async with unit.write(services.db, services.directory) as uow:
        yield uow
    services.outbox.wake()


@asynccontextmanager
async def look(services: Services) -> AsyncIterator[SqlUnit]:
    """A read-only transaction."""
    async with services.db.read() as session:
        yield SqlUnit(session, services.directory)
