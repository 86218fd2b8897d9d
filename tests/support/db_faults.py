"""Faults in a real database, at its edge: triggers that make an insert (or an update marking
a row done) fail, installed and dropped by a test while linkbot runs against it."""

from __future__ import annotations

import sqlalchemy as sa

from storage.db import Database


class Fault:
    """A trigger that fails every insert into a table, installed and dropped by the test.

    ``passing`` makes the failure one that passes (``storage.db.is_transient``): a deadlock
    (SQLSTATE 40P01) on PostgreSQL; on SQLite, a trigger naming a table that is not there,
    which fails as an ``OperationalError``. Otherwise a plain error: ``RAISE`` in a trigger."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.tables: list[str] = []

    async def _run(self, *statements: str) -> None:
        async with self.db.engine.begin() as conn:
            for statement in statements:
                await conn.execute(sa.text(statement))

    async def on(self, *tables: str, passing: bool = False, done: bool = False) -> None:
        """Fail inserts into ``tables``; with ``done``, updates that mark a row done instead."""
        event, when = ("UPDATE", "NEW.status = 'done'") if done else ("INSERT", "")
        for table in tables:
            name = f"fault_{table}"
            if self.db.is_sqlite:
                body = (
                    "INSERT INTO fault_no_such_table VALUES (1);"
                    if passing
                    else "SELECT RAISE(ABORT, 'injected fault');"
                )
                condition = f" WHEN {when}" if when else ""
                await self._run(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table}{condition} BEGIN {body} END"
                )
            else:
                code = "USING ERRCODE = '40P01'" if passing else ""
                condition = f" WHEN ({when})" if when else ""
                await self._run(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
                    f"$$ BEGIN RAISE EXCEPTION 'injected fault' {code}; END $$",
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                    f"FOR EACH ROW{condition} EXECUTE FUNCTION {name}()",
                )
            self.tables.append(table)

    async def clear(self) -> None:
        for table in self.tables:
            on = "" if self.db.is_sqlite else f" ON {table}"
            await self._run(f"DROP TRIGGER IF EXISTS fault_{table}{on}")
        self.tables.clear()
