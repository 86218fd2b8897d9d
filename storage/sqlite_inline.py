"""SQLite for the async engine without a thread: ``sqlite+inline://``.

aiosqlite runs each call on a thread of its own and hands the result back to the event loop.
Measured here (``bench/inbound.py``), that hand-over costs about 90 microseconds a call, three
or four calls a statement, where SQLite itself answers a simple statement in about one: most of
an inbound message's time went to threads waiting for each other. A SQLite call on a local file
in WAL mode is over in microseconds, so this dialect makes the standard library's ``sqlite3``
calls directly, on the event loop, inside the greenlet SQLAlchemy's asyncio layer runs every
statement in.

What could hold the loop is a wait for another process's lock. Two rules keep it from doing so:

- a connection's own busy timeout is short (``BLOCKING_WAIT_MS``): the longest any statement
  may hold the loop waiting for a lock, where WAL readers never wait at all;
- a write transaction (``BEGIN IMMEDIATE``, ``begin_immediate``) waits for the write lock
  without blocking: it tries without a busy timeout and, while another process holds the lock,
  sleeps on the event loop between tries, for up to ``storage.db.SQLITE_BUSY_TIMEOUT_MS``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util import await_only

BLOCKING_WAIT_MS = 200
FIRST_PAUSE_SECONDS = 0.001  # between tries for the write lock; doubled up to the longest
LONGEST_PAUSE_SECONDS = 0.05


async def _passed() -> None:
    """Nothing to wait for (see ``_Cursor.execute``)."""


class _Cursor(sqlite3.Cursor):
    """sqlite3's cursor as the asyncio layer expects a cursor to be."""

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        # The asyncio layer checks that a statement went through its greenlet's await, as a
        # guard against drivers that block; this one means to. Awaiting a coroutine that is
        # already done passes the check without giving up the event loop.
        await_only(_passed())
        return super().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:
        await_only(_passed())
        return super().executemany(sql, seq_of_parameters)

    async def _async_soft_close(self) -> None:
        """Called after a statement (aiosqlite's adapter fetches its rows there); these rows
        are read as they are asked for."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite's dialect, declared async: its calls are made in the asyncio layer's greenlet."""

    driver = "inline"
    supports_statement_cache = True
    is_async = True

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        cparams.setdefault("factory", _Connection)
        return super().connect(*cargs, **cparams)

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool  # one in-memory database, shared by every session


registry.register("sqlite.inline", __name__, "InlineSQLiteDialect")


def begin_immediate(dbapi_connection: Any, wait_ms: int) -> None:
    """``BEGIN IMMEDIATE``, waiting up to ``wait_ms`` for the write lock on the event loop;
    then SQLAlchemy's ``OperationalError`` ("database is locked"), as the driver's error would be.

    Called inside SQLAlchemy's greenlet (its "begin" event), so that the pause between tries
    is an ``asyncio.sleep`` the rest of the loop runs during."""
    deadline = time.monotonic() + wait_ms / 1000
    pause = FIRST_PAUSE_SECONDS
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() + pause > deadline:
                    # As SQLAlchemy wraps a driver's error, so that callers see a passing fault.
                    raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            await_only(asyncio.sleep(pause))
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={BLOCKING_WAIT_MS}")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    name: Any = getattr(exc, "sqlite_errorname", "")
    return name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in str(exc)
