"""A generated 5,000-service directory: import, search and export, and the export imports
back to the same content, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from services_directory.export import write_json
from services_directory.readers import read_path
from services_directory.search import search
from storage import directory
from storage.db import Database
from testkit.directory_data import generated

COUNT = 5000
NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


async def test_five_thousand_services_import_search_and_export(
    database_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "directory.json"
    source.write_text(json.dumps(generated(COUNT)))
    found = read_path(source)
    assert len(found.services) == COUNT and found.problems == ()
    db = Database(database_url)
    try:
        async with db.write() as session:
            counts = await directory.save_services(session, found.services, "big", NOW)
        assert counts.added == COUNT
        cache = directory.DirectoryCache()
        async with db.read() as session:
            active = await cache.services(session)
            stored = await directory.all_services(session)
        assert len(active) == COUNT
        hits = search(active, needs=["caring"], area="WN7 1AA", mapping=cache.mapping)
        assert hits and all("caring" in h.needs for h in hits)
        near = [h for h in hits if h.distance_rank == 0]
        assert near and all("WN7" in h.service.postcode_districts for h in near)
        assert hits[: len(near)] == near  # the same district first
        exported = tmp_path / "export.json"
        write_json(stored, exported)
        again = read_path(exported)
        assert sorted(again.services, key=lambda s: s.id) == sorted(
            found.services, key=lambda s: s.id
        )
        async with db.write() as session:
            unchanged = await directory.save_services(session, again.services, "big", NOW)
        assert unchanged.unchanged == COUNT and unchanged.updated == 0
    finally:
        await db.dispose()
