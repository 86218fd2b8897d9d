"""Whether each provider is answering, shared by every instance on the database.

A provider that fails ``DOWN_AFTER`` sends in a row with a passing fault (a timeout, a
refused connection, a 429 or 5xx) is down: nothing is handed to it but one message at a time,
a probe, each time its ``down_until`` passes (30 s, doubling to 5 minutes). The first send
that succeeds brings it back up. While it is down, its messages go by another provider if the
channel has one, and otherwise wait (their deadlines still run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.db import insert_ignoring_duplicates
from storage.tables import ProviderHealthRow

DOWN_AFTER = 3
FIRST_PROBE = timedelta(seconds=30)
LONGEST_PROBE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Health:
    name: str
    failures: int = 0
    down_until: datetime | None = None

    @property
    def down(self) -> bool:
        return self.failures >= DOWN_AFTER

    def may_probe(self, now: datetime) -> bool:
        """Down, but its wait is over: one message may try it."""
        return self.down and (self.down_until is None or self.down_until <= now)


def probe_wait(failures: int) -> timedelta:
    """How long a down provider rests before the next probe."""
    wait: timedelta = FIRST_PROBE * (2 ** min(10, max(0, failures - DOWN_AFTER)))
    return min(wait, LONGEST_PROBE)


async def read(session: AsyncSession, names: Iterable[str]) -> Mapping[str, Health]:
    wanted = list(names)
    rows = (
        await session.execute(
            select(ProviderHealthRow).where(col(ProviderHealthRow.name).in_(wanted))
        )
    ).scalars()
    known = {row.name: Health(row.name, row.failures, row.down_until) for row in rows}
    return {name: known.get(name, Health(name)) for name in wanted}


async def _row(session: AsyncSession, name: str, now: datetime) -> ProviderHealthRow:
    await session.execute(
        insert_ignoring_duplicates(session, ProviderHealthRow).values(
            name=name, failures=0, changed_at=now
        )
    )
    stmt = select(ProviderHealthRow).where(ProviderHealthRow.name == name).with_for_update()
    return (await session.execute(stmt)).scalars().one()


async def take_probe(session: AsyncSession, name: str, now: datetime) -> bool:
    """Reserve the next probe of a down provider for this instance; False if another instance
    has it, or its wait is not over."""
    row = await _row(session, name, now)
    if row.failures < DOWN_AFTER or (row.down_until is not None and row.down_until > now):
        return False
    row.down_until, row.changed_at = now + probe_wait(row.failures), now
    await session.flush()
    return True


async def record(session: AsyncSession, name: str, *, answered: bool, now: datetime) -> None:
    """A send's outcome: it answered (whatever it said of the message), or it did not."""
    row = await _row(session, name, now)
    if answered:
        if row.failures or row.down_until is not None:
            row.failures, row.down_until, row.changed_at = 0, None, now
    else:
        row.failures += 1
        row.changed_at = now
        if row.failures >= DOWN_AFTER:
            row.down_until = now + probe_wait(row.failures)
    await session.flush()
