"""The services directory in the database: saving an import, reading services back, and a
cache of the active ones for searching.

Each service is stored whole as its Open Referral UK 3.0 JSON, so what is exported is what was
imported. A re-import updates services in place by id; services of the same source that are
missing from it are marked inactive, never deleted, because onward referrals still name them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services_directory.export import to_json
from services_directory.model import Service
from services_directory.needs import NeedMatch, load_mapping
from services_directory.readers import read_json
from services_directory.search import Index
from storage.tables import ServiceRow


@dataclass(frozen=True, slots=True)
class SaveCounts:
    added: int
    updated: int
    unchanged: int
    deactivated: int


def _data(service: Service) -> str:
    return json.dumps(to_json([service])[0], sort_keys=True, ensure_ascii=False)


async def save_services(
    session: AsyncSession, services: Sequence[Service], source: str, now: datetime
) -> SaveCounts:
    """Add or update every service given; mark the source's others inactive."""
    existing = {
        row.id: row
        for row in (
            await session.execute(
                select(ServiceRow).where(col(ServiceRow.id).in_([s.id for s in services]))
                if len(services) < 1000
                else select(ServiceRow)
            )
        ).scalars()
    }
    # Every change moves the directory's latest change forward, so caches see it even when
    # two imports share a clock reading.
    latest = (await session.execute(sa.select(sa.func.max(col(ServiceRow.updated_at))))).scalar()
    stamp = max(now, latest + timedelta(microseconds=1)) if latest is not None else now
    added = updated = unchanged = 0
    for service in services:
        data, row = _data(service), existing.get(service.id)
        if row is None:
            session.add(
                ServiceRow(
                    id=service.id,
                    name=service.name[:500],
                    active=service.active,
                    source=source,
                    data=data,
                    imported_at=now,
                    updated_at=stamp,
                )
            )
            added += 1
        elif row.data != data or row.active != service.active or row.source != source:
            row.name, row.active, row.source = service.name[:500], service.active, source
            row.data, row.updated_at = data, stamp
            updated += 1
        else:
            unchanged += 1
    await session.flush()
    seen = {s.id for s in services}
    gone = [
        row_id
        for (row_id,) in (
            await session.execute(
                select(ServiceRow.id).where(
                    col(ServiceRow.source) == source, col(ServiceRow.active)
                )
            )
        ).all()
        if row_id not in seen
    ]
    for start in range(0, len(gone), 500):
        await session.execute(
            sa.update(ServiceRow)
            .where(col(ServiceRow.id).in_(gone[start : start + 500]))
            .values(active=False, updated_at=stamp)
        )
    return SaveCounts(added, updated, unchanged, len(gone))


def _services(rows: Iterable[ServiceRow]) -> list[Service]:
    """Stored rows back as services; the stored JSON is our own export, so it reads cleanly.
    A service gone from its directory reads as inactive."""
    rows = list(rows)
    found = read_json([json.loads(row.data) for row in rows], "database").services
    gone = {row.id for row in rows if not row.active}
    return [replace(s, status="inactive") if s.id in gone and s.active else s for s in found]


async def all_services(session: AsyncSession, *, active_only: bool = False) -> list[Service]:
    stmt = select(ServiceRow).order_by(col(ServiceRow.id))
    if active_only:
        stmt = stmt.where(col(ServiceRow.active))
    return _services((await session.execute(stmt)).scalars())


async def service_names(session: AsyncSession, ids: Iterable[str]) -> dict[str, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(ServiceRow.id, ServiceRow.name).where(col(ServiceRow.id).in_(wanted))
    )
    return {service_id: name for service_id, name in rows.all()}


Revision = tuple[int, datetime | None]


async def revision(session: AsyncSession) -> Revision:
    """Changes whenever the directory does: how many services, and the latest change (which
    every save moves forward)."""
    count, latest = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.max(col(ServiceRow.updated_at))).select_from(
                ServiceRow
            )
        )
    ).one()
    return int(count or 0), latest


class DirectoryCache:
    """The active services ready to search, read once and kept until the directory changes,
    so a search does not parse thousands of services each time. ``bootstrap.build`` makes one
    for the process; it holds the needs-to-taxonomy mapping (``services_directory/needs.json``)
    too."""

    def __init__(self) -> None:
        self.mapping: dict[str, NeedMatch] = load_mapping()
        self._revision: Revision | None = None
        self._index = Index((), self.mapping)

    async def index(self, session: AsyncSession) -> Index:
        current = await revision(session)
        if current != self._revision:
            self._index = Index(await all_services(session, active_only=True), self.mapping)
            self._revision = current
        return self._index

    async def services(self, session: AsyncSession) -> list[Service]:
        return list((await self.index(session)).services)

    async def signposts(
        self, session: AsyncSession, needs: tuple[str, ...], area: str, limit: int
    ) -> list[Service]:
        """Services with a phone number or web address meeting the needs, nearest ``area``."""
        hits = (await self.index(session)).search(needs=needs, area=area)
        return [h.service for h in hits if h.service.phone or h.service.url][:limit]
