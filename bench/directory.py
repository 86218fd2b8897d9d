"""Benchmark of the services directory: importing, exporting and searching a large directory.

Run it by hand from the project root::

    .venv/bin/python bench/directory.py [--services N] [--searches S] [--database-url URL]

It prints figures and asserts nothing about speed. In one run it:

1. writes a generated Open Referral UK 3.0 JSON file of N services (default 5,000) in a
   temporary folder: each with an organisation, a location with a postcode in one of 40
   districts, a phone, a schedule, a cost option and two taxonomy terms drawn from those the
   needs mapping knows, plus made-up words;
2. migrates a fresh database (by default a SQLite file in the temporary folder; with
   ``--database-url postgresql://...`` an existing, empty PostgreSQL database, left filled);
3. times ``linkbot directory import``'s two halves, reading the file and saving it (one
   transaction), then a second import of the same file (all unchanged), then an export;
4. times reading the active services back from the database (what the search cache does when
   the directory has changed), then S searches (default 500) through the same path the API
   takes, with a need, words, an area, or a mix, and prints the median, p95 and worst.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services_directory.export import write_json
from services_directory.readers import read_path
from storage import directory
from storage.db import Database, upgrade
from testkit.directory_data import NEEDS, WORDS, generated


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "directory.json"
        path.write_text(json.dumps(generated(args.services)))
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        db = Database(url)
        await upgrade(db)
        now = datetime.now(UTC)
        print(
            f"{args.services} services, {path.stat().st_size / 1e6:.1f} MB of JSON, "
            f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}, "
            f"{os.cpu_count()} cores"
        )
        for label in ("first import", "second import (unchanged)"):
            started = time.perf_counter()
            found = read_path(path)
            read = time.perf_counter() - started
            async with db.write() as session:
                counts = await directory.save_services(session, found.services, "bench", now)
            total = time.perf_counter() - started
            print(
                f"{label}: read {read:.2f} s, save {total - read:.2f} s, total {total:.2f} s "
                f"({counts.added} added, {counts.unchanged} unchanged, "
                f"{len(found.problems)} problems)"
            )
        started = time.perf_counter()
        async with db.read() as session:
            everything = await directory.all_services(session)
        write_json(everything, Path(folder) / "export.json")
        print(f"export: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        cache = directory.DirectoryCache()
        async with db.read() as session:
            active = await cache.services(session)
        print(
            f"loading and indexing the active services for the search cache: "
            f"{time.perf_counter() - started:.2f} s ({len(active)} services)"
        )
        times, sizes = [], []
        for n in range(args.searches):
            kind = n % 4
            needs = [rng.choice(NEEDS)] if kind in (0, 3) else []
            text = rng.choice(WORDS) if kind in (1, 3) else ""
            area = f"WN{rng.randint(1, 40)} 1AA" if kind in (2, 3) else ""
            started = time.perf_counter()
            async with db.read() as session:
                index = await cache.index(session)
            hits = index.search(needs=needs, text=text, area=area)
            times.append(time.perf_counter() - started)
            sizes.append(len(hits))
        times.sort()
        print(
            f"{args.searches} searches (need, words, area, all three; cache warm, including "
            f"the revision check): median {_ms(statistics.median(times))}, "
            f"p95 {_ms(times[int(len(times) * 0.95)])}, worst {_ms(times[-1])}; "
            f"median {statistics.median(sizes):.0f} results"
        )
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
