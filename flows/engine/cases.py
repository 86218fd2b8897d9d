"""How a case opens: the one place. A client has at most one open case; asking for another
uses it, and the case shows the latest request that is at least as urgent as it is.

A request with another reason and the same or a higher priority relabels the open case (a NO
to a reminder on a referral case makes it a rearrange request), raising its priority and due
time when higher. A less urgent one leaves the case as it is (a crisis case is never
relabelled "rearrange"), and its history records that it was asked for. The same reason at a
higher priority raises it; at the same or a lower one, nothing changes. A plain message asks
for nothing in particular: it joins an open case as it is."""

from __future__ import annotations

from datetime import datetime

from flows.model import Case, CasePriority, Client, NewCase, due_by
from flows.ports import Unit

MESSAGE = "message"  # something for a person to read, with no request of its own


async def open_case(
    uow: Unit,
    client: Client,
    reason: str,
    now: datetime,
    priority: CasePriority = CasePriority.NORMAL,
    practice_id: int | None = None,
) -> Case:
    """The client's open case, opened now if there is none (for ``practice_id`` when given,
    else the client's practice), or taking ``reason`` and ``priority`` by the rule above."""
    case = await uow.cases.open_for(client.id)
    if case is None:
        practice = practice_id or client.practice_id
        due = due_by(priority, now, uow.calendar)
        new = NewCase(client.id, practice, reason, priority, now, due)
        return await uow.cases.add(new)
    if priority.rank < case.priority.rank:
        await uow.cases.retake(case.id, reason, priority, due_by(priority, now, uow.calendar), now)
    elif reason in (case.reason, MESSAGE):
        return case
    elif priority is case.priority:
        await uow.cases.retake(case.id, reason, priority, case.due_by, now)
    else:
        await uow.cases.note_request(case.id, reason, priority, now)
        return case
    return await uow.cases.open_for(client.id) or case
