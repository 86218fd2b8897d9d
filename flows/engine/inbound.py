"""One message from a person, in order: a repeat is dropped; the client is found or made; then
STOP/START, linking a Telegram chat, crisis wording, HELP, an answer to times offered (booking
by reply), asking for a person, an answer to an appointment request, the conversation they are
in, an open case, or else a welcome.

It runs inside one unit of work and returns once everything it decided has been written:
client, conversation state, case, referral, timers, the inbound message and every reply as an
outgoing row. Sending is the outbox's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from flows import keywords, safety, texts
from flows.conversations import link_account, registry, welcome
from flows.conversations.base import Context
from flows.conversations.check_in import CheckInState
from flows.conversations.self_referral import SelfReferralState
from flows.engine import appointments, offers, outgoing
from flows.engine.cases import open_case
from flows.engine.effects import Applied, apply, full_context, leave_conversation
from flows.keywords import Keyword
from flows.messages import SHARE_CONTACT, Address, Button, Channel, Inbound, Priority, Reply
from flows.model import CasePriority, Client
from flows.ports import Unit
from flows.texts import ServiceInfo

DEEP_LINK_PRACTICE = re.compile(r"^p[-_]([A-Za-z0-9]{3,20})$")


@dataclass(frozen=True, slots=True)
class InboundResult:
    duplicate: bool
    client_id: int | None = None
    case_id: int | None = None
    replies: int = 0


async def handle_inbound(
    uow: Unit, inbound: Inbound, service: ServiceInfo, now: datetime
) -> InboundResult:
    """Handle one message from a person (see the module's description for the order)."""
    if inbound.provider_id is not None:
        key = f"{inbound.address.channel}:{inbound.provider_id}"
        if not await uow.messages.claim_provider_id(key, now):
            return InboundResult(duplicate=True)

    client = await uow.clients.by_address(inbound.address)
    is_new = client is None
    if client is None:
        client = await uow.clients.add(inbound.address, inbound.phone, now)
    elif client.address != inbound.address:
        # Replies go to the channel the person uses now.
        await uow.clients.set_address(client.id, inbound.address)
        client = replace(client, address=inbound.address)
    if inbound.start_tag is not None:
        client = await _started(uow, client, inbound.start_tag, now)
    done = await _decide(uow, Context(service, client, now), inbound, is_new)
    case_id = done.case.id if done.case else None

    await uow.messages.add_inbound(client.id, inbound, case_id)
    # Only the opt-out and opt-in branches change the flag, and their replies are allowed
    # either way; everywhere else the flag as loaded still holds.
    sent = 0
    for reply in done.replies:
        if await outgoing.to_client(uow, client, reply, now, case_id=case_id) is not None:
            sent += 1
    if done.merge is not None:  # last, so this message and its replies move over too
        # The chat's own half-finished business gives way to the client's.
        await uow.timers.cancel_all(client.id)
        await uow.clients.merge(client.id, done.merge.client_id, client.address)
        return InboundResult(False, done.merge.client_id, case_id, sent)
    return InboundResult(False, client.id, case_id, sent)


async def _started(uow: Unit, client: Client, start_tag: str, now: datetime) -> Client:
    """The chat app's Start (Telegram's): an explicit wish to hear from us, and maybe a deep
    link's tag.

    ``p-P92001`` (a practice's poster or QR code) records where they came from and preselects
    that practice; any other tag is only recorded."""
    tag = start_tag[:64]
    if client.opted_out:
        await uow.clients.set_opted_out(client.id, False, now)
        client = replace(client, opted_out=False)
    if tag:
        await uow.clients.set_came_from(client.id, tag)
        found = DEEP_LINK_PRACTICE.match(tag)
        if found and client.practice_id is None:
            code = found[1].casefold()
            for practice in await uow.practices.all():
                if practice.code.casefold() == code:
                    await uow.clients.fill_details(client.id, None, None, practice.id)
                    client = replace(client, practice_id=practice.id)
    return client


async def _decide(uow: Unit, ctx: Context, inbound: Inbound, is_new: bool) -> Applied:
    client, service, now = ctx.client, ctx.service, ctx.now
    word = keywords.classify(inbound.text)

    if word is Keyword.OPT_OUT:
        if client.opted_out:
            return Applied()  # one confirmation only
        await uow.clients.set_opted_out(client.id, True, now)
        confirm = Reply(texts.opted_out(service), "opted_out", allowed_when_opted_out=True)
        return Applied([confirm])
    if client.opted_out and (word is Keyword.OPT_IN or word is Keyword.YES):
        await uow.clients.set_opted_out(client.id, False, now)
        return Applied([Reply(texts.opted_in(service), "opted_in", allowed_when_opted_out=True)])

    if inbound.shared_phone is not None or inbound.text.strip().lower() == "/link":
        linked = await _link(uow, ctx, inbound)
        if linked is not None:
            return linked

    concerns = safety.concerns(inbound.text)
    if concerns:
        # The conversation they were in carries on afterwards: its state is left as it was.
        # A case already urgent for another concern keeps it: "crisis" then "safeguarding" is
        # both, not the later one alone.
        open_now = await uow.cases.open_for(client.id)
        urgent = open_now is not None and open_now.priority is CasePriority.URGENT
        reason = texts.case_reason(concerns, open_now.reason if open_now and urgent else "")
        case = await open_case(uow, client, reason, now, CasePriority.URGENT)
        check_in = registry.state_of(client, CheckInState)
        if check_in is not None:
            await uow.follow_ups.record(check_in.follow_up_id, None, None, case.id, False, now)
        # A direct answer to their own crisis message goes even to someone who opted out.
        contacts = Reply(
            texts.crisis(service, concerns), "crisis", Priority.CRISIS, allowed_when_opted_out=True
        )
        return Applied([contacts], case)

    if word is Keyword.HELP:
        return Applied([Reply(texts.help_text(service), "help")])

    open_now = await uow.cases.open_for(client.id)
    current = registry.current(client)
    if current is None:  # "2" or CALL to times offered; inside a conversation, it is its own
        offered = await offers.answer(uow, client, inbound.text, service, now)
        if offered is not None:
            return Applied(offered.replies, offered.case or open_now)
    state = current.state if current is not None else None
    asking_how = isinstance(state, SelfReferralState) and state.asks_how_to_contact
    if keywords.asks_for_a_person(inbound.text, calls_are_answers=asking_how):
        case = open_now or await open_case(uow, client, "talk", now)
        if current is not None:
            await leave_conversation(uow, await full_context(uow, ctx), current, case)
        return Applied([Reply(texts.talk(service), "talk")], case)

    if current is None:
        answered = await appointments.answer(
            uow, client, inbound.text, service, now, ask_if_unclear=open_now is None
        )
        if answered is not None:
            replies, given_up = answered
            if given_up is not None:
                case = await appointments.rearrange_case(uow, client, now)
                other_times = await offers.after_no(uow, client, given_up, service, now)
                return Applied([other_times] if other_times else replies, case)
            return Applied(replies, open_now)

    if current is not None:
        full = await full_context(uow, ctx)
        done = await apply(uow, full, current.step(full, inbound))
        done.case = done.case or open_now
        return done
    if open_now is not None:
        return Applied([], open_now)  # they are talking with a person: the message joins it
    full = await full_context(uow, ctx)
    step = welcome.start(full, inbound) if is_new else welcome.returning(full, inbound)
    return await apply(uow, full, step)


async def _link(uow: Unit, ctx: Context, inbound: Inbound) -> Applied | None:
    """/link offers Telegram's share-my-number button; a shared number starts the check.

    Returns None when the message is not about linking after all (a number shared as the
    answer to "what number should we call?" goes to that question)."""
    client, now = ctx.client, ctx.now
    if inbound.shared_phone is None:
        button = Button("Share my number", SHARE_CONTACT)
        return Applied([Reply(texts.LINK_HOW, "link_how", buttons=(button,))])
    referral = registry.state_of(client, SelfReferralState)
    if referral is not None and referral.asks_number_to_call:
        return None
    other = await uow.clients.by_address(Address.of(Channel.SMS, inbound.shared_phone))
    if other is None or other.id == client.id:
        await uow.clients.set_phone(client.id, inbound.shared_phone)
        return Applied([Reply(texts.LINK_NUMBER_SAVED, "link_number_saved")])
    if not other.date_of_birth:
        case = await open_case(uow, client, "link_request", now)
        return Applied([Reply(texts.LINK_CANNOT_CHECK, "link_cannot_check")], case)
    resume = registry.read(client.flow, client.flow_state)  # where they go back to on failing
    return await apply(uow, ctx, link_account.start(ctx, other.id, other.date_of_birth, resume))
