"""Databases for benchmarks: a new SQLite file in a temporary folder, migrated."""

from __future__ import annotations

import tempfile

from storage.db import Database, upgrade


async def fresh_sqlite(name: str = "bench") -> str:
    """The URL of a new SQLite file, migrated to the latest schema (left for the caller)."""
    folder = tempfile.mkdtemp(prefix=f"linkbot-{name}-")
    url = f"sqlite:///{folder}/{name}.db"
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    return url
