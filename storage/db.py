"""The async database: engine set-up for SQLite and PostgreSQL, transactions and migrations."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from storage import sqlite_inline

SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL's SQLSTATEs for faults that pass: a serialisation failure, a deadlock, a lock not
# available, a statement cancelled by a timeout, and the connection classes (08...) and
# shutdown (57P0x).
_PASSING_STATES = ("40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03", "08")


def rows_changed(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE changed. ``execute`` is declared to give a
    Result; for those statements it is a CursorResult, which counts them."""
    return int(cast(CursorResult[Any], result).rowcount)


T = TypeVar("T")


async def row_of(session: AsyncSession, table: type[T], key: Any) -> T:
    """The row with this primary key; ``LookupError`` when there is none."""
    row = await session.get(table, key)
    if row is None:
        raise LookupError(key)
    return row


def upsert(session: AsyncSession, table: Any) -> Any:
    """An ``INSERT`` that can say ``ON CONFLICT``, in the session's dialect."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the session's dialect."""
    return upsert(session, table).on_conflict_do_nothing()


def async_url(url: str) -> URL:
    """Turn a plain ``sqlite:///`` or ``postgresql://`` URL into one with an async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+inline")  # storage.sqlite_inline
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def is_transient(exc: BaseException) -> bool:
    """Whether a database error is one that passes (a lock, a deadlock, a lost connection), so
    that the work is worth trying again shortly; anything else is a fault in the work itself.
    The one home of that rule."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(
        exc, (sa.exc.OperationalError, sa.exc.InterfaceError)
    ):
        return True
    state = _sqlstate(exc.orig)
    return state is not None and state.startswith(_PASSING_STATES)


def fault_reason(exc: BaseException) -> str:
    """Why something failed, in words that carry no one's data: the exception's class, the
    driver's error under it and its code (a PostgreSQL SQLSTATE, SQLite's error name), never
    its message, which can quote a row."""
    words = [type(exc).__name__]
    inner = getattr(exc, "orig", None)
    for error in (inner, getattr(inner, "__cause__", None)):
        if error is None:
            continue
        words.append(type(error).__name__)
        code = getattr(error, "sqlstate", None) or getattr(error, "sqlite_errorname", None)
        if isinstance(code, str):
            words.append(code)
    return " ".join(dict.fromkeys(words))


def _sqlstate(error: BaseException | None) -> str | None:
    """The SQLSTATE of a driver's error (asyncpg's, through SQLAlchemy's adapter), if any."""
    for candidate in (error, getattr(error, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str):
            return state
    return None


class _WriteTurns:
    """Whose write is next, within a process, on SQLite: first come, first served, except that
    an urgent write (a crisis message, the outbox's own bookkeeping) goes before every
    ordinary one waiting. Under a burst, the replies already written keep going out and a
    crisis message is handled next, instead of both waiting behind every webhook queued."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._ordinary: collections.deque[asyncio.Future[None]] = collections.deque()

    async def take(self, urgent: bool) -> None:
        if not self._busy and not self._urgent and not self._ordinary:
            self._busy = True
            return
        turn = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._ordinary
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.give_back()  # handed the turn as it was cancelled: pass it on
            else:
                queue.remove(turn)
            raise

    def waiting(self) -> int:
        return len(self._urgent) + len(self._ordinary)

    def give_back(self) -> None:
        for queue in (self._urgent, self._ordinary):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # still busy: handed straight to that writer
                    return
        self._busy = False


# Set while the current task holds a write transaction.
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("linkbot_writing", default=False)


class Database:
    """One engine per process. ``write()`` opens a transaction that holds the write lock at once
    on SQLite (BEGIN IMMEDIATE), so concurrent webhooks queue on the busy timeout instead of
    failing with "database is locked" when a reader tries to become a writer."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # An error never quotes the values it was given: they are patients' words and numbers.
        kwargs: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite, "hide_parameters": True}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": sqlite_inline.BLOCKING_WAIT_MS / 1000}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._writer = self.engine.execution_options(linkbot_write=True)
        # SQLite has one writer at a time, and its busy handler polls rather than queues, so
        # under load late arrivals overtake early ones. Within a process, writers queue here
        # (``_WriteTurns``); waiting for the lock still orders separate processes.
        self._write_turns = _WriteTurns() if self.is_sqlite else None

    @asynccontextmanager
    async def write(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction, committed when the block ends without error; an
        ``urgent`` one goes before the ordinary ones waiting (``_WriteTurns``, SQLite only).

        A write may not be opened inside another in the same task: on SQLite it would wait for
        itself, so it fails at once instead."""
        if _writing.get():
            raise RuntimeError("a database write was opened inside another one")
        async with contextlib.AsyncExitStack() as stack:
            token = _writing.set(True)
            stack.callback(_writing.reset, token)
            if self._write_turns is not None:
                await self._write_turns.take(urgent)
                stack.callback(self._write_turns.give_back)
            session = await stack.enter_async_context(
                AsyncSession(self._writer, expire_on_commit=False)
            )
            await stack.enter_async_context(session.begin())
            yield session

    def writes_waiting(self) -> int:
        """Writes of this process waiting for their turn (SQLite; PostgreSQL: always 0)."""
        return self._write_turns.waiting() if self._write_turns is not None else 0

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with (
            AsyncSession(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={sqlite_inline.BLOCKING_WAIT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("linkbot_write", False):
            # Waits for another process's write lock on the event loop, not in SQLite.
            sqlite_inline.begin_immediate(conn.connection.dbapi_connection, SQLITE_BUSY_TIMEOUT_MS)
        else:
            conn.exec_driver_sql("BEGIN")


async def upgrade(db: Database) -> None:
    """Apply Alembic migrations up to the newest."""
    await upgrade_to(db, "head")


async def upgrade_to(db: Database, revision: str) -> None:
    """Apply Alembic migrations up to ``revision`` (tests of a migration start before it)."""
    from alembic import command

    def run(sync_conn: sa.Connection) -> None:
        command.upgrade(_alembic_config(sync_conn), revision)

    # As a write (on SQLite BEGIN IMMEDIATE), so that it waits for another process's writes
    # on the event loop and for as long as any write does.
    async with db._writer.begin() as conn:
        await conn.run_sync(run)


def _alembic_config(sync_conn: sa.Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = sync_conn
    return config


async def schema_drift(db: Database) -> list[Any]:
    """Differences between the tables in code and the migrated database; empty when in step."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from storage import tables  # noqa: F401  (registers every table on the metadata)

    def compare(sync_conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(sync_conn)
        return list(compare_metadata(context, SQLModel.metadata))

    async with db.engine.connect() as conn:
        return await conn.run_sync(compare)


async def make_revision(db: Database, message: str) -> None:
    """Write a new migration for what the tables in code add to a database at the newest one."""
    from alembic import command

    versions = Path(__file__).parent / "migrations" / "versions"
    number = len(list(versions.glob("[0-9][0-9][0-9][0-9]_*.py"))) + 1

    def run(sync_conn: sa.Connection) -> None:
        command.revision(
            _alembic_config(sync_conn), message=message, autogenerate=True, rev_id=f"{number:04d}"
        )

    async with db.engine.begin() as conn:
        await conn.run_sync(run)
