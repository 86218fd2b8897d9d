"""The cohort's needs against the services directory: the needs raised that no service near the
client meets, and the onward referrals made when closing the cohort's clients' cases."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services_directory.needs import service_needs
from services_directory.search import Index
from storage.directory import service_names
from storage.tables import CaseRow, ReferralRow


def unmet_needs(
    groups: Sequence[Any], areas: dict[int | None, str | None], directory: Index
) -> dict[str, int]:
    """Referrals (counted in ``groups`` by practice and needs) whose need has no service."""
    unmet: Counter[str] = Counter()
    met: dict[tuple[str, str], bool] = {}
    for _, _, practice_id, raised, n in groups:
        area = areas.get(practice_id) or ""
        for need in json.loads(raised or "[]"):
            if need == "other":
                continue
            if (need, area) not in met:
                hits = directory.search(needs=[need], area=area)
                met[(need, area)] = any(
                    not area or h.distance_rank <= 1 or not h.service.locations for h in hits
                )
            if not met[(need, area)]:
                unmet[need] += n
    return dict(unmet)


async def onward_referrals(
    session: AsyncSession, in_cohort: list[Any], after: datetime, directory: Index
) -> dict[str, Any]:
    """Closed cases' onward referrals, each with the needs its client raised in the cohort's
    referrals; only the distinct pairs and their counts come back."""
    referred = (col(CaseRow.closed_at) < after, col(CaseRow.onward_referrals) != "[]")
    raised = (
        sa.select(
            col(ReferralRow.client_id).label("client_id"),
            sa.func.aggregate_strings(col(ReferralRow.needs), "|").label("needs"),
        )
        .where(
            *in_cohort,
            col(ReferralRow.client_id).in_(sa.select(col(CaseRow.client_id)).where(*referred)),
        )
        .group_by(col(ReferralRow.client_id))
        .subquery()
    )
    closed = (
        await session.execute(
            sa.select(col(CaseRow.onward_referrals), raised.c.needs, sa.func.count())
            .select_from(CaseRow)
            .join(raised, raised.c.client_id == col(CaseRow.client_id))
            .where(*referred)
            .group_by(col(CaseRow.onward_referrals), raised.c.needs)
        )
    ).all()
    known = {s.id: s for s in directory.services}
    picked = [(json.loads(onward or "[]"), needs, n) for onward, needs, n in closed]
    names = await service_names(session, {sid for ids, _, _ in picked for sid in ids})
    by_service: Counter[str] = Counter()
    by_need: Counter[str] = Counter()
    for ids, needs, n in picked:
        wanted = {need for part in (needs or "").split("|") for need in json.loads(part or "[]")}
        for sid in ids:
            by_service[names.get(sid, sid)] += n
            service = known.get(sid)
            meets = service_needs(service, directory.mapping) if service else frozenset()
            for need in (meets & wanted) or meets:
                by_need[need] += n
    return {
        "total": sum(len(ids) * n for ids, _, n in picked),
        "by_service": dict(by_service),
        "by_need": dict(by_need),
    }
