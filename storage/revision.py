"""Write the next migration: ``python -m storage.revision "what changed"``.

It migrates a scratch SQLite database to the newest revision, compares it with the tables in
``storage/tables.py`` and writes what differs as ``migrations/versions/NNNN_what_changed.py``.
Read the file before committing it: autogenerate cannot see renames, and SQLite and
PostgreSQL must both be able to run it (the tests run every migration on both).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from storage.db import Database, make_revision, upgrade

VERSIONS = Path(__file__).parent / "migrations" / "versions"


def _tidy(path: Path) -> None:
    """Plain ``sa.String`` instead of SQLModel's alias, as in every earlier revision."""
    text = path.read_text()
    text = text.replace("sqlmodel.sql.sqltypes.AutoString", "sa.String")
    text = text.replace("import sqlmodel.sql.sqltypes\n", "")
    if "storage.tables." not in text:
        text = text.replace("\nimport storage.tables\n", "\n")
    path.write_text(text)
    if "(None, " in text:
        print(f"{path.name}: name the constraints created or dropped with None")


async def _main(message: str) -> None:
    before = set(VERSIONS.glob("*.py"))
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            await upgrade(db)
            await make_revision(db, message)
        finally:
            await db.dispose()
    for path in set(VERSIONS.glob("*.py")) - before:
        _tidy(path)


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit('usage: python -m storage.revision "what changed"')
    asyncio.run(_main(sys.argv[1]))


if __name__ == "__main__":
    main()
