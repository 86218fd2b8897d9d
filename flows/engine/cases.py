"""How a case opens: the one place. A client has at most one open case; asking for another
uses it, raising its priority when the new reason is more urgent."""

from __future__ import annotations

from datetime import datetime

from flows.model import Case, CasePriority, Client, NewCase, due_by
from flows.ports import Unit


async def open_case(
    uow: Unit,
    client: Client,
    reason: str,
    now: datetime,
    priority: CasePriority = CasePriority.NORMAL,
    practice_id: int | None = None,
) -> Case:
    """The client's open case, opened now if there is none (for ``practice_id`` when given,
    else the client's practice), or escalated to ``priority`` and ``reason``."""
    case = await uow.cases.open_for(client.id)
    if case is None:
        practice = practice_id or client.practice_id
        new = NewCase(client.id, practice, reason, priority, now, due_by(priority, now))
        return await uow.cases.add(new)
    if priority.rank < case.priority.rank:
        await uow.cases.escalate(case.id, priority, reason, due_by(priority, now))
        return await uow.cases.open_for(client.id) or case
    return case
