"""The engine: decides what to do with each inbound message, timer and staff action.

It runs inside one unit of work (a ``Store``) and returns once everything it decided has been
written: client, conversation state, case, referral, timers, the inbound message and every
reply as an outgoing row. Sending is the outbox's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flows import (
    booking,
    check_ins,
    follow_up,
    keywords,
    link_account,
    referrer_updates,
    safety,
    self_referral,
    signposting,
    texts,
    welcome,
)
from flows.keywords import Keyword
from flows.link_account import LinkAccount
from flows.messages import SHARE_CONTACT, Address, Button, Channel, Inbound, Priority, Reply
from flows.model import Case, CasePriority, CaseStatus, Client, StaffUser, due_by
from flows.ports import DueTimer, NewCase, NewReferral, OutgoingDraft, Store
from flows.refer_a_friend import INVITE, FriendInvite, ReferAFriend, invitation
from flows.referrals import ReferralDetails, ReferralSource, ReferralStatus, new_reference
from flows.self_referral import INCOMPLETE, INCOMPLETE_AFTER_NUDGE, NUDGE, SelfReferral
from flows.steps import (
    CancelTimers,
    CloseInvitation,
    Context,
    Flow,
    InviteFriend,
    MergeInto,
    OpenCase,
    RecordFollowUp,
    SaveAnswers,
    SaveReferral,
    SetTimer,
    StartReferral,
    Step,
)
from flows.texts import ServiceInfo

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        welcome.Welcome(),
        SelfReferral(),
        ReferAFriend(),
        FriendInvite(),
        LinkAccount(),
        follow_up.FollowUp(),
    )
}
DEEP_LINK_PRACTICE = re.compile(r"^p[-_]([A-Za-z0-9]{3,20})$")
INVITE_WINDOW = timedelta(days=7)
ASK_A_FRIEND_ONCE_IN = timedelta(days=180)


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
    """Handle one message from a person, in the order: keywords, crisis, help, talk, flow, case."""
    if inbound.provider_id is not None:
        key = f"{inbound.address.channel}:{inbound.provider_id}"
        if not await store.claim_provider_id(key, now):
            return InboundResult(duplicate=True)

    client = await store.client_by_address(inbound.address)
    is_new = client is None
    if client is None:
        client = await store.add_client(inbound.address, inbound.phone, now)
    elif client.address != inbound.address:
        # Replies go to the channel the person uses now.
        await store.set_address(client.id, inbound.address)
        client = replace(client, address=inbound.address)
    if inbound.address.channel is Channel.TELEGRAM and inbound.text.startswith("/start"):
        client = await _telegram_start(store, client, inbound.text, now)
    ctx = Context(service, client, now)
    merges: list[MergeInto] = []
    replies, case = await _decide(store, ctx, inbound, is_new, merges)

    await store.add_inbound(client.id, inbound, case.id if case else None)
    # Only the opt-out and opt-in branches change the flag, and their replies are allowed
    # either way; everywhere else the flag as loaded still holds.
    sent = 0
    for reply in replies:
        if client.opted_out and not reply.allowed_when_opted_out:
            continue
        await store.add_outgoing(_draft(client, reply, now, case))
        sent += 1
    for merge in merges:  # last, so this message and its replies move over too
        await store.merge_clients(client.id, merge.client_id, client.address)
        return InboundResult(False, merge.client_id, case.id if case else None, sent)
    return InboundResult(False, client.id, case.id if case else None, sent)


async def _telegram_start(store: Store, client: Client, text: str, now: datetime) -> Client:
    """Telegram's Start: an explicit wish to hear from us, and maybe a deep link's tag.

    ``/start p-P92001`` (a practice's poster or QR code) records where they came from and
    preselects that practice; any other tag is only recorded."""
    tag = text.removeprefix("/start").strip()[:64]
    if client.opted_out:
        await store.set_opted_out(client.id, False, now)
        client = replace(client, opted_out=False)
    if tag:
        await store.set_came_from(client.id, tag)
        found = DEEP_LINK_PRACTICE.match(tag)
        if found and client.practice_id is None:
            code = found[1].casefold()
            for practice in await store.practices():
                if practice.code.casefold() == code:
                    await store.set_client_details(client.id, None, None, practice.id)
                    client = replace(client, practice_id=practice.id)
    return client


async def _decide(
    store: Store, ctx: Context, inbound: Inbound, is_new: bool, merges: list[MergeInto]
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

    if inbound.shared_phone is not None or inbound.text.strip().lower() == "/link":
        linked = await _link(store, ctx, inbound)
        if linked is not None:
            return linked

    if safety.suggests_risk(inbound.text):
        # The conversation they were in carries on afterwards: its state is left as it was.
        case = await _open_case(store, client, OpenCase("crisis", CasePriority.URGENT), now)
        if client.flow == follow_up.NAME:
            await store.record_follow_up(
                int(client.flow_state["id"]), None, None, case.id, False, now
            )
        return [Reply(texts.crisis(service), "crisis", Priority.CRISIS)], case

    if word is Keyword.HELP:
        return [Reply(texts.help_text(service), "help")], None

    open_case = await store.open_case_for(client.id)
    flow = FLOWS.get(client.flow or "")
    asking_how = client.flow == self_referral.NAME and self_referral.asks_how_to_contact(
        client.flow_state
    )
    if keywords.asks_for_a_person(inbound.text, calls_are_answers=asking_how):
        case = open_case or await _open_case(store, client, OpenCase("talk"), now)
        if flow is not None:
            await _leave_flow(store, await _full(store, ctx), flow, case)
        return [Reply(texts.talk(service), "talk")], case

    if flow is None:
        answered = await booking.answer(
            store, client, inbound.text, service, now, ask_if_unclear=open_case is None
        )
        if answered is not None:
            replies, rearrange = answered
            if rearrange:
                return replies, await _open_case(store, client, OpenCase("rearrange"), now)
            return replies, open_case

    if flow is not None:
        full = await _full(store, ctx)
        step = flow.step(full, client.flow_state, inbound)
        replies, made = await _apply(store, full, step, merges=merges)
        return replies, made or open_case
    if open_case is not None:
        return [], open_case  # they are talking with a person: the message joins the case
    full = await _full(store, ctx)
    step = welcome.start(full, inbound) if is_new else welcome.returning(full, inbound)
    return await _apply(store, full, step)


async def _link(
    store: Store, ctx: Context, inbound: Inbound
) -> tuple[list[Reply], Case | None] | None:
    """/link offers Telegram's share-my-number button; a shared number starts the check.

    Returns None when the message is not about linking after all (a number shared as the
    answer to "what number should we call?" goes to that question)."""
    client, now = ctx.client, ctx.now
    if inbound.shared_phone is None:
        button = Button("Share my number", SHARE_CONTACT)
        return [Reply(texts.LINK_HOW, "link_how", buttons=(button,))], None
    if client.flow == self_referral.NAME and client.flow_state.get("step") == "call_number":
        return None
    other = await store.client_by_address(Address.of(Channel.SMS, inbound.shared_phone))
    if other is None or other.id == client.id:
        await store.set_phone(client.id, inbound.shared_phone)
        return [Reply(texts.LINK_NUMBER_SAVED, "link_number_saved")], None
    if not other.date_of_birth:
        case = await _open_case(store, client, OpenCase("link_request"), now)
        return [Reply(texts.LINK_CANNOT_CHECK, "link_cannot_check")], case
    step = link_account.start(ctx, other.id, other.date_of_birth)
    return await _apply(store, ctx, step)


async def _leave_flow(store: Store, ctx: Context, flow: Flow, case: Case) -> None:
    """Keep what they told us so far with the case; the link worker takes it from here."""
    state = ctx.client.flow_state
    await _apply(store, ctx, flow.interrupt(ctx, state), case)
    started = await store.referral_by_reference(state.get("reference") or "")
    if started is not None and started.case_id is None:
        await store.link_referral_case(started.id, case.id)


async def _full(store: Store, ctx: Context) -> Context:
    """The context a flow step may read: practices, a fresh reference, recent invitations."""
    invites = await store.invites_since(ctx.client.id, ctx.now - INVITE_WINDOW)
    return Context(
        ctx.service, ctx.client, ctx.now, await store.practices(), new_reference(), invites
    )


async def _apply(
    store: Store,
    ctx: Context,
    step: Step,
    case: Case | None = None,
    merges: list[MergeInto] | None = None,
) -> tuple[list[Reply], Case | None]:
    client, now = ctx.client, ctx.now
    extra: list[Reply] = []
    for effect in step.effects:
        match effect:
            case MergeInto():
                if merges is not None:
                    merges.append(effect)
            case OpenCase():
                case = await _open_case(store, client, effect, now)
            case StartReferral(reference=reference, source=source):
                found = await store.referral_by_reference(reference)
                if found is not None and found.client_id == client.id:
                    await store.set_referral_status(found.id, ReferralStatus.INCOMPLETE)
                else:
                    await store.add_referral(
                        NewReferral(reference, client.id, source, ReferralStatus.INCOMPLETE, now)
                    )
            case SaveReferral():
                case = await _save_referral(store, client, effect, now) or case
                if effect.submit and effect.signpost:
                    extra += await _signposts(store, effect.details)
            case InviteFriend():
                await _invite_friend(store, ctx, effect)
            case CloseInvitation(reference=reference, lapsed=lapsed):
                found = await store.referral_by_reference(reference)
                if found is not None and found.status is ReferralStatus.INVITED:
                    status = ReferralStatus.LAPSED if lapsed else ReferralStatus.DECLINED
                    await store.set_referral_status(found.id, status)
            case SetTimer(kind=kind, due_at=due_at, subject=subject):
                await store.set_timer(client.id, kind, due_at, now, subject)
            case RecordFollowUp():
                case_id = case.id if effect.escalated and case is not None else None
                await store.record_follow_up(
                    effect.follow_up_id, effect.answer, effect.words, case_id, effect.ended, now
                )
            case SaveAnswers():
                await store.save_answers(
                    client.id,
                    effect.follow_up_id,
                    effect.instrument,
                    effect.answers,
                    effect.raw,
                    effect.metric,
                    effect.complete,
                    now,
                )
            case CancelTimers(kinds=kinds):
                await store.cancel_timers(client.id, kinds)
    if step.flow != client.flow or step.state != client.flow_state:
        await store.set_flow(client.id, step.flow, dict(step.state), now)
    return [*step.replies, *extra], case


async def _signposts(store: Store, details: ReferralDetails) -> list[Reply]:
    """One or two services that may help while they wait, one short message each. Needs that
    are health details (low mood, alcohol or drugs, bereavement) are left to the link worker:
    a text can be read by anyone holding the phone."""
    needs = tuple(n for n in details.needs if n not in signposting.PRIVATE_NEEDS)
    if not needs:
        return []
    found = await store.signposts(needs, details.practice_id, signposting.MOST)
    return [Reply(text, "signpost") for text in signposting.messages(found)]


async def _save_referral(
    store: Store, client: Client, effect: SaveReferral, now: datetime
) -> Case | None:
    referral = await store.referral_by_reference(effect.reference)
    if referral is None or referral.client_id != client.id:
        return None
    if not effect.submit:
        await store.save_referral(referral.id, effect.details, referral.status, now)
        return None
    details = effect.details
    await store.save_referral(referral.id, details, ReferralStatus.SUBMITTED, now)
    dob = details.date_of_birth.isoformat() if details.date_of_birth else None
    await store.set_client_details(client.id, details.name, dob, details.practice_id)
    case = await _open_case(store, client, OpenCase("referral"), now, details.practice_id)
    await store.route_case(
        case.id, details.practice_id, "referral" if case.reason == "incomplete_referral" else None
    )
    await store.link_referral_case(referral.id, case.id)
    return case


async def _invite_friend(store: Store, ctx: Context, invite: InviteFriend) -> None:
    """Text the friend, unless they are already talking to us or have opted out.

    The referrer hears the same either way, so nothing about the friend leaks back. The
    referrer's own first name is kept, so they are not asked it again next time."""
    if ctx.client.name is None:
        await store.set_client_details(ctx.client.id, invite.referrer_name, None, None)
    channel = Channel.SIMULATOR if ctx.client.address.channel is Channel.SIMULATOR else Channel.SMS
    address = Address.of(channel, invite.phone)
    friend = await store.client_by_address(address)
    if friend is not None:
        busy = friend.flow is not None or await store.open_case_for(friend.id) is not None
        # Someone who said no, or never answered, is not asked again by anyone for a while.
        asked = await store.invitations_since(friend.id, ctx.now - ASK_A_FRIEND_ONCE_IN)
        if friend.opted_out or busy or asked:
            return
    else:
        friend = await store.add_client(address, invite.phone, ctx.now)
    await store.add_referral(
        NewReferral(
            invite.reference,
            friend.id,
            ReferralSource.FRIEND,
            ReferralStatus.INVITED,
            ctx.now,
            referred_by_client_id=ctx.client.id,
            relationship=invite.relationship,
        )
    )
    step = invitation(ctx.service, invite, ctx.now)
    await store.set_flow(friend.id, INVITE, dict(step.state), ctx.now)
    for reply in step.replies:
        # A stranger's first text from us waits for the send window.
        await store.add_outgoing(
            OutgoingDraft(
                friend.id,
                friend.address,
                reply.text,
                reply.kind,
                Priority.SCHEDULED,
                ctx.now,
                buttons=reply.buttons,
            )
        )


async def _open_case(
    store: Store, client: Client, want: OpenCase, now: datetime, practice_id: int | None = None
) -> Case:
    """Open a case, or raise the priority of the one already open."""
    case = await store.open_case_for(client.id)
    if case is None:
        return await store.add_case(
            NewCase(
                client.id,
                practice_id or client.practice_id,
                want.reason,
                want.priority,
                now,
                due_by(want.priority, now),
            )
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
        buttons=reply.buttons,
    )


async def fire_timer(store: Store, timer: DueTimer, service: ServiceInfo, now: datetime) -> int:
    """Do what a due timer is for. Returns how many messages it wrote."""
    match timer.kind:
        case booking.REMINDER:
            return await booking.fire_reminder(store, timer, service, now)
        case check_ins.CHECK_IN:
            return await check_ins.fire_check_in(store, timer, service, now)
        case follow_up.NUDGE:
            return await check_ins.fire_nudge(store, timer, service, now)
        case follow_up.END:
            return await check_ins.fire_end(store, timer, now)
        case check_ins.CAMPAIGN:
            return await check_ins.fire_campaign_send(store, timer, service, now)
    client = await store.client(timer.client_id)
    if client is None or client.flow != "self_referral":
        return 0  # the conversation ended since the timer was set
    state = client.flow_state
    referral = await store.referral_by_reference(state.get("reference") or "")
    if referral is None or referral.status is not ReferralStatus.INCOMPLETE:
        return 0
    case = await store.open_case_for(client.id)
    if timer.kind == NUDGE:
        await store.set_timer(client.id, INCOMPLETE, now + INCOMPLETE_AFTER_NUDGE, now)
        if client.opted_out or case is not None:
            return 0
        text = texts.SR_NUDGE.format(service=service.name)
        await store.add_outgoing(
            OutgoingDraft(client.id, client.address, text, "sr_nudge", Priority.SCHEDULED, now)
        )
        return 1
    if timer.kind == INCOMPLETE and referral.case_id is None and not client.opted_out:
        # Kept for staff: a link worker can pick it up; the person can still finish it.
        practice = state.get("a", {}).get("practice_id")
        kept = case or await _open_case(
            store, client, OpenCase("incomplete_referral"), now, practice
        )
        await store.link_referral_case(referral.id, kept.id)
    return 0


async def claim_case(
    store: Store, case: Case, user: StaffUser, service: ServiceInfo, now: datetime
) -> None:
    """The link worker takes the case; a professional referrer hears who has it."""
    await store.assign_case(case.id, user.id)
    await referrer_updates.picked_up(store, case, user, service, now)


async def reply_from_staff(
    store: Store, case: Case, user: StaffUser, text: str, service: ServiceInfo, now: datetime
) -> int:
    """Queue a link worker's reply to the client on the client's own channel."""
    client = await store.client(case.client_id)
    if client is None:
        raise LookupError(case.client_id)
    if client.opted_out:
        raise OptedOut(client.id)
    if case.assigned_to is None:
        await claim_case(store, case, user, service, now)
    flow = FLOWS.get(client.flow or "")
    if flow is not None:
        # A person has taken over: what the client says next is for them, not the bot.
        ctx = await _full(store, Context(service, client, now))
        await _leave_flow(store, ctx, flow, case)
    message_id = await store.add_outgoing(
        OutgoingDraft(
            client.id,
            client.address,
            text,
            "staff_reply",
            Priority.REPLY,
            now,
            case.id,
            sent_by=user.id,
        )
    )
    await referrer_updates.first_contact(store, case, service, now)
    return message_id


async def close_case(
    store: Store,
    case: Case,
    user: StaffUser,
    outcome: str,
    onward: Iterable[str],
    service: ServiceInfo,
    now: datetime,
) -> None:
    if case.status is CaseStatus.CLOSED:
        raise CaseClosed(case.id)
    await store.close_case(case.id, outcome, list(onward), user.id, now)
    await referrer_updates.closed(store, case, service, now)
