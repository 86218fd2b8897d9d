"""The engine: decides what to do with each inbound message and each staff action.

It runs inside one unit of work (a ``Store``) and returns once everything it decided has been
written: client, conversation state, case, the inbound message and every reply as an outgoing
row. Sending is the outbox's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flows import keywords, safety, texts
from flows.keywords import Keyword
from flows.messages import Inbound, Priority, Reply
from flows.model import Case, CasePriority, CaseStatus, Client, StaffUser, due_by
from flows.ports import NewCase, OutgoingDraft, Store
from flows.steps import Context, Flow, OpenCase, Step
from flows.texts import ServiceInfo
from flows.welcome import Welcome

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (Welcome(),)}


@dataclass(frozen=True, slots=True)
class InboundResult:
    duplicate: bool
    client_id: int | None = None
    case_id: int | None = None
    replies: int = 0


class OptedOut(Exception):
    """The client has opted out: nothing may be sent to them."""


class CaseClosed(Exception):
    """The case is closed."""


async def handle_inbound(
    store: Store, inbound: Inbound, service: ServiceInfo, now: datetime
) -> InboundResult:
    """Handle one message from a person, in the order: keywords, crisis, help, talk, case, flow."""
    if inbound.provider_id is not None:
        key = f"{inbound.address.channel}:{inbound.provider_id}"
        if not await store.claim_provider_id(key, now):
            return InboundResult(duplicate=True)

    client = await store.client_by_address(inbound.address)
    is_new = client is None
    if client is None:
        client = await store.add_client(inbound.address, inbound.phone, now)
    ctx = Context(service, client, now)
    replies, case = await _decide(store, ctx, inbound, is_new)

    await store.add_inbound(client.id, inbound, case.id if case else None)
    # Only the opt-out and opt-in branches change the flag, and their replies are allowed
    # either way; everywhere else the flag as loaded still holds.
    sent = 0
    for reply in replies:
        if client.opted_out and not reply.allowed_when_opted_out:
            continue
        await store.add_outgoing(_draft(client, reply, now, case))
        sent += 1
    return InboundResult(False, client.id, case.id if case else None, sent)


async def _decide(
    store: Store, ctx: Context, inbound: Inbound, is_new: bool
) -> tuple[list[Reply], Case | None]:
    client, service, now = ctx.client, ctx.service, ctx.now
    word = keywords.classify(inbound.text)

    if word is Keyword.OPT_OUT:
        if client.opted_out:
            return [], None  # one confirmation only
        await store.set_opted_out(client.id, True, now)
        return [Reply(texts.opted_out(service), "opted_out", allowed_when_opted_out=True)], None
    if client.opted_out and (word is Keyword.OPT_IN or word is Keyword.YES):
        await store.set_opted_out(client.id, False, now)
        return [Reply(texts.opted_in(service), "opted_in", allowed_when_opted_out=True)], None

    if safety.suggests_risk(inbound.text):
        case = await _open_case(store, client, OpenCase("crisis", CasePriority.URGENT), now)
        return [Reply(texts.crisis(service), "crisis", Priority.CRISIS)], case

    if word is Keyword.HELP:
        return [Reply(texts.help_text(service), "help")], None

    open_case = await store.open_case_for(client.id)
    if keywords.asks_for_a_person(inbound.text):
        case = open_case or await _open_case(store, client, OpenCase("talk"), now)
        return [Reply(texts.talk(service), "talk")], case
    if open_case is not None:
        return [], open_case  # they are talking with a person: the message joins the case

    if client.flow in FLOWS:
        step = FLOWS[client.flow].step(ctx, client.flow_state, inbound)
    elif is_new:
        step = FLOWS["welcome"].start(ctx, inbound)
    else:
        step = Step(
            replies=(Reply(texts.acknowledge(service), "acknowledge"),),
            effects=(OpenCase("message"),),
        )
    return await _apply(store, ctx, step)


async def _apply(store: Store, ctx: Context, step: Step) -> tuple[list[Reply], Case | None]:
    case = None
    for effect in step.effects:
        match effect:
            case OpenCase():
                case = await _open_case(store, ctx.client, effect, ctx.now)
    if step.flow != ctx.client.flow or step.state != ctx.client.flow_state:
        await store.set_flow(ctx.client.id, step.flow, dict(step.state), ctx.now)
    return list(step.replies), case


async def _open_case(store: Store, client: Client, want: OpenCase, now: datetime) -> Case:
    """Open a case, or raise the priority of the one already open."""
    case = await store.open_case_for(client.id)
    if case is None:
        return await store.add_case(
            NewCase(client.id, client.practice_id, want.reason, want.priority, now,
                    due_by(want.priority, now))
        )
    if want.priority.rank < case.priority.rank:
        await store.escalate_case(case.id, want.priority, want.reason, due_by(want.priority, now))
        return await store.open_case_for(client.id) or case
    return case


def _draft(client: Client, reply: Reply, now: datetime, case: Case | None) -> OutgoingDraft:
    return OutgoingDraft(
        client_id=client.id,
        address=client.address,
        text=reply.text,
        kind=reply.kind,
        priority=reply.priority,
        not_before=now,
        case_id=case.id if case else None,
        allowed_when_opted_out=reply.allowed_when_opted_out,
    )


async def reply_from_staff(
    store: Store, case: Case, user: StaffUser, text: str, now: datetime
) -> int:
    """Queue a link worker's reply to the client on the client's own channel."""
    client = await store.client(case.client_id)
    if client is None:
        raise LookupError(case.client_id)
    if client.opted_out:
        raise OptedOut(client.id)
    if case.assigned_to is None:
        await store.assign_case(case.id, user.id)
    return await store.add_outgoing(
        OutgoingDraft(client.id, client.address, text, "staff_reply", Priority.REPLY, now,
                      case.id, sent_by=user.id)
    )


async def close_case(
    store: Store, case: Case, user: StaffUser, outcome: str, onward: Iterable[str], now: datetime
) -> None:
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(case.id)
    await store.close_case(case.id, outcome, list(onward), user.id, now)
