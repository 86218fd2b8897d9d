"""SQLite on the event loop (``storage.sqlite_inline``): a wait for another process's write lock
never holds the loop, and a wait that lasts too long ends as a passing fault."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage import sqlite_inline
from storage.db import Database, is_transient


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'inline.db'}")
    async with database.write() as session:
        await session.execute(sa.text("CREATE TABLE tally (n INTEGER)"))
    yield database
    await database.dispose()


def _holder(db: Database) -> sqlite3.Connection:
    """Another connection, as another process's would be, holding the write lock."""
    assert db.url.database
    other = sqlite3.connect(db.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_the_database_url_runs_on_the_inline_driver(db: Database) -> None:
    assert db.url.drivername == "sqlite+inline"
    assert db.engine.dialect.is_async


async def test_a_write_waiting_for_another_connections_lock_leaves_the_loop_running(
    db: Database,
) -> None:
    """While another connection holds the write lock, a write waits for it, the event loop
    carries on (a ticker keeps ticking), and the write commits once the lock is let go."""
    other = _holder(db)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with db.write() as session:
            await session.execute(sa.text("INSERT INTO tally (n) VALUES (1)"))

    ticking = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.5)
    assert not writing.done()  # still waiting for the lock
    assert ticks >= 20  # about 50 in half a second: nothing held the loop
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 5)
    ticking.cancel()
    async with db.read() as session:
        assert (await session.execute(sa.text("SELECT count(*) FROM tally"))).scalar() == 1


async def test_a_wait_for_the_write_lock_that_lasts_too_long_is_a_passing_fault(
    db: Database,
) -> None:
    """Past its limit the wait ends in "database is locked", which the callers retry."""
    other = _holder(db)
    try:
        async with db.engine.connect() as conn:
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError) as raised:
                await conn.run_sync(
                    lambda sync: sqlite_inline.begin_immediate(
                        sync.connection.dbapi_connection, 300
                    )
                )
            assert time.monotonic() - started >= 0.25
        assert is_transient(raised.value)
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_an_urgent_write_goes_before_the_ordinary_ones_waiting(db: Database) -> None:
    """Writers in one process take turns first come, first served, except that an urgent one
    (a crisis message, the outbox's own bookkeeping) goes before every ordinary one waiting;
    a writer that gives up waiting does not hold up the rest."""
    order: list[str] = []
    holding = asyncio.Event()
    let_go = asyncio.Event()

    async def first() -> None:
        async with db.write():
            holding.set()
            await let_go.wait()

    async def write(name: str, urgent: bool = False) -> None:
        async with db.write(urgent=urgent) as session:
            order.append(name)
            await session.execute(sa.text("INSERT INTO tally (n) VALUES (1)"))

    held = asyncio.create_task(first())
    await holding.wait()
    waiting = [asyncio.create_task(write("ordinary 1")), asyncio.create_task(write("ordinary 2"))]
    await asyncio.sleep(0.01)
    gives_up = asyncio.create_task(write("gives up", urgent=True))
    await asyncio.sleep(0.01)
    waiting.append(asyncio.create_task(write("urgent", urgent=True)))
    await asyncio.sleep(0.01)
    gives_up.cancel()
    let_go.set()
    await asyncio.wait_for(asyncio.gather(held, *waiting), 5)
    assert order == ["urgent", "ordinary 1", "ordinary 2"]
