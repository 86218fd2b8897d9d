"""What a link worker does to a case through the engine: take it, reply on the client's own
channel, close it. A professional referrer hears of each step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flows.conversations import registry
from flows.conversations.base import Context
from flows.engine import outgoing, referrers
from flows.engine.effects import full_context, leave_conversation
from flows.messages import Priority, Reply
from flows.model import Case, CaseStatus, StaffUser
from flows.ports import Unit
from flows.texts import ServiceInfo


class OptedOut(Exception):
    """The client has opted out: nothing may be sent to them."""


class CaseClosed(Exception):
    """The case is closed."""


async def claim_case(
    uow: Unit, case: Case, user: StaffUser, service: ServiceInfo, now: datetime
) -> None:
    """The link worker takes the case; a professional referrer hears who has it."""
    await uow.cases.assign(case.id, user.id)
    await referrers.picked_up(uow, case, user, service, now)


async def reply_from_staff(
    uow: Unit, case: Case, user: StaffUser, text: str, service: ServiceInfo, now: datetime
) -> int:
    """Queue a link worker's reply to the client on the client's own channel."""
    client = await uow.clients.get(case.client_id)
    if client is None:
        raise LookupError(case.client_id)
    if client.opted_out:
        raise OptedOut(client.id)
    if case.assigned_to is None:
        await claim_case(uow, case, user, service, now)
    current = registry.current(client)
    if current is not None:
        # A person has taken over: what the client says next is for them, not the bot.
        ctx = await full_context(uow, Context(service, client, now))
        await leave_conversation(uow, ctx, current, case)
    reply = Reply(text, "staff_reply", Priority.REPLY)
    message_id = await outgoing.to_client(uow, client, reply, now, case_id=case.id, sent_by=user.id)
    assert message_id is not None  # they have not opted out
    await referrers.first_contact(uow, case, service, now)
    return message_id


async def close_case(
    uow: Unit,
    case: Case,
    user: StaffUser,
    outcome: str,
    onward: Iterable[str],
    service: ServiceInfo,
    now: datetime,
) -> None:
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(case.id)
    await uow.cases.close(case.id, outcome, list(onward), user.id, now)
    await referrers.closed(uow, case, service, now)
