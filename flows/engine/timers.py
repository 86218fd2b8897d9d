"""What a due timer does, by its kind: a session reminder, a follow-up check-in, its nudge and
its end, a campaign send, and a half-told referral's nudge and hand-over to the queue."""

from __future__ import annotations

from datetime import datetime

from flows import campaigns, texts
from flows.conversations import check_in, registry
from flows.conversations.self_referral import (
    INCOMPLETE,
    INCOMPLETE_AFTER_NUDGE,
    NUDGE,
    SelfReferralState,
)
from flows.engine import appointments, check_ins, outgoing
from flows.engine.cases import open_case
from flows.messages import Priority, Reply
from flows.model import DueTimer
from flows.ports import Unit
from flows.referrals import ReferralStatus
from flows.texts import ServiceInfo


async def fire_timer(uow: Unit, timer: DueTimer, service: ServiceInfo, now: datetime) -> int:
    """Do what a due timer is for. Returns how many messages it wrote."""
    match timer.kind:
        case appointments.REMINDER:
            return await appointments.fire_reminder(uow, timer, service, now)
        case check_ins.CHECK_IN:
            return await check_ins.fire_check_in(uow, timer, service, now)
        case check_in.NUDGE:
            return await check_ins.fire_nudge(uow, timer, service, now)
        case check_in.END:
            return await check_ins.fire_end(uow, timer, now)
        case campaigns.CAMPAIGN:
            return await check_ins.fire_campaign_send(uow, timer, service, now)
        case _:
            return await _referral_timer(uow, timer, service, now)


async def _referral_timer(uow: Unit, timer: DueTimer, service: ServiceInfo, now: datetime) -> int:
    """A self-referral left half-way: one nudge, then it goes to the queue as incomplete."""
    client = await uow.clients.get(timer.client_id)
    state = registry.state_of(client, SelfReferralState) if client is not None else None
    if client is None or state is None:
        return 0  # the conversation ended since the timer was set
    referral = await uow.referrals.by_reference(state.reference or "")
    if referral is None or referral.status is not ReferralStatus.INCOMPLETE:
        return 0
    case = await uow.cases.open_for(client.id)
    if timer.kind == NUDGE:
        await uow.timers.set(client.id, INCOMPLETE, now + INCOMPLETE_AFTER_NUDGE, now)
        if case is not None:
            return 0
        nudge = Reply(texts.SR_NUDGE.format(service=service.name), "sr_nudge", Priority.SCHEDULED)
        return 1 if await outgoing.to_client(uow, client, nudge, now) is not None else 0
    if timer.kind == INCOMPLETE and referral.case_id is None and not client.opted_out:
        # Kept for staff: a link worker can pick it up; the person can still finish it.
        kept = case or await open_case(
            uow, client, "incomplete_referral", now, practice_id=state.practice_id
        )
        await uow.referrals.link_case(referral.id, kept.id)
    return 0
