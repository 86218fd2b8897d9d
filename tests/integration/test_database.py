"""The database wrapper: write transactions and their guard against nesting."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from storage.db import Database, schema_drift


async def test_a_write_inside_a_write_fails_at_once(database_url: str) -> None:
    """A nested write would wait for itself on SQLite; it raises instead of hanging."""
    db = Database(database_url)
    try:
        async with db.write():
            with pytest.raises(RuntimeError, match="inside another"):
                async with db.write():
                    pass
        async with db.write() as session:  # the guard is released afterwards
            assert (await session.execute(sa.text("SELECT 1"))).scalar() == 1
    finally:
        await db.dispose()


async def test_concurrent_writes_from_separate_tasks_all_commit(database_url: str) -> None:
    """Writers in different tasks take turns rather than failing with 'database is locked'."""
    db = Database(database_url)
    try:
        async with db.write() as session:
            await session.execute(sa.text("CREATE TABLE tally (n INTEGER)"))

        async def add(n: int) -> None:
            async with db.write() as session:
                await session.execute(sa.text("INSERT INTO tally (n) VALUES (:n)"), {"n": n})

        await asyncio.gather(*(add(n) for n in range(40)))
        async with db.read() as session:
            total = (await session.execute(sa.text("SELECT COUNT(*) FROM tally"))).scalar()
        assert total == 40
    finally:
        await db.dispose()


async def test_the_migrations_build_exactly_the_tables_in_code(database_url: str) -> None:
    """A table changed without a migration (or the reverse) fails here, on both databases."""
    db = Database(database_url)
    try:
        assert await schema_drift(db) == []
    finally:
        await db.dispose()
