"""Applying what a conversation step decided: its effects, its next state and its replies.

A step is pure; this is where its effects become rows, through the unit of work. Cases open
through ``open_case`` and messages are queued through ``outgoing``, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows import signposting
from flows.conversations.base import (
    CancelTimers,
    CloseInvitation,
    Context,
    InviteFriend,
    MergeInto,
    OpenCase,
    RecordFollowUp,
    SaveAnswers,
    SaveReferral,
    SetTimer,
    StartReferral,
    Step,
    saved,
)
from flows.conversations.friend_invite import invitation
from flows.conversations.registry import Current
from flows.engine import outgoing
from flows.engine.cases import open_case
from flows.messages import Address, Channel, Priority, Reply
from flows.model import Case, Client
from flows.ports import Unit
from flows.referrals import (
    NewReferral,
    ReferralDetails,
    ReferralSource,
    ReferralStatus,
    new_reference,
)

INVITE_WINDOW = timedelta(days=7)
ASK_A_FRIEND_ONCE_IN = timedelta(days=180)


@dataclass
class Applied:
    """What applying a step left for the caller: replies to queue, the case the message
    belongs to, and a merge to make once everything else is written."""

    replies: list[Reply] = field(default_factory=list)
    case: Case | None = None
    merge: MergeInto | None = None


async def full_context(uow: Unit, ctx: Context) -> Context:
    """The context a flow step may read: practices, a fresh reference, recent invitations."""
    invites = await uow.referrals.invites_since(ctx.client.id, ctx.now - INVITE_WINDOW)
    practices = await uow.practices.all()
    return Context(ctx.service, ctx.client, ctx.now, practices, new_reference(), invites)


async def apply(uow: Unit, ctx: Context, step: Step, case: Case | None = None) -> Applied:
    client, now = ctx.client, ctx.now
    done = Applied(case=case)
    for effect in step.effects:
        match effect:
            case MergeInto():
                done.merge = effect
            case OpenCase(reason=reason, priority=priority):
                done.case = await open_case(uow, client, reason, now, priority)
            case StartReferral(reference=reference, source=source):
                found = await uow.referrals.by_reference(reference)
                if found is not None and found.client_id == client.id:
                    await uow.referrals.set_status(found.id, ReferralStatus.INCOMPLETE)
                else:
                    new = NewReferral(reference, client.id, source, ReferralStatus.INCOMPLETE, now)
                    await uow.referrals.add(new)
            case SaveReferral():
                done.case = await _save_referral(uow, client, effect, now) or done.case
                if effect.submit and effect.signpost:
                    done.replies += await _signposts(uow, effect.details)
            case InviteFriend():
                await _invite_friend(uow, ctx, effect)
            case CloseInvitation(reference=reference, lapsed=lapsed):
                found = await uow.referrals.by_reference(reference)
                if found is not None and found.status is ReferralStatus.INVITED:
                    status = ReferralStatus.LAPSED if lapsed else ReferralStatus.DECLINED
                    await uow.referrals.set_status(found.id, status)
            case SetTimer(kind=kind, due_at=due_at, subject=subject):
                await uow.timers.set(client.id, kind, due_at, now, subject)
            case RecordFollowUp():
                case_id = done.case.id if effect.escalated and done.case is not None else None
                await uow.follow_ups.record(
                    effect.follow_up_id, effect.answer, effect.words, case_id, effect.ended, now
                )
            case SaveAnswers():
                await uow.follow_ups.save_answers(
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
                await uow.timers.cancel(client.id, kinds)
    conversation, state = saved(step.next)
    if conversation != client.flow or state != client.flow_state:
        await uow.clients.set_conversation(client.id, conversation, state, now)
    done.replies[:0] = step.replies
    return done


async def leave_conversation(uow: Unit, ctx: Context, current: Current, case: Case) -> None:
    """Keep what they told us so far with the case; the link worker takes it from here."""
    await apply(uow, ctx, current.interrupt(ctx), case)
    started = await uow.referrals.by_reference(current.state.referral or "")
    if started is not None and started.case_id is None:
        await uow.referrals.link_case(started.id, case.id)


async def _signposts(uow: Unit, details: ReferralDetails) -> list[Reply]:
    """One or two services that may help while they wait, one short message each. Needs that
    are health details (low mood, alcohol or drugs, bereavement) are left to the link worker:
    a text can be read by anyone holding the phone."""
    needs = tuple(n for n in details.needs if n not in signposting.PRIVATE_NEEDS)
    if not needs:
        return []
    found = await uow.directory.signposts(needs, details.practice_id, signposting.MOST)
    return [Reply(text, "signpost") for text in signposting.messages(found)]


async def _save_referral(
    uow: Unit, client: Client, effect: SaveReferral, now: datetime
) -> Case | None:
    referral = await uow.referrals.by_reference(effect.reference)
    if referral is None or referral.client_id != client.id:
        return None
    if not effect.submit:
        await uow.referrals.save(referral.id, effect.details, referral.status, now)
        return None
    details = effect.details
    await uow.referrals.save(referral.id, details, ReferralStatus.SUBMITTED, now)
    dob = details.date_of_birth.isoformat() if details.date_of_birth else None
    await uow.clients.fill_details(client.id, details.name, dob, details.practice_id)
    # A case kept for their half-told referral becomes the referral (``open_case``'s rule).
    case = await open_case(uow, client, "referral", now, practice_id=details.practice_id)
    await uow.cases.route(case.id, details.practice_id)
    await uow.referrals.link_case(referral.id, case.id)
    return case


async def _invite_friend(uow: Unit, ctx: Context, invite: InviteFriend) -> None:
    """Text the friend, unless they are already talking to us or have opted out.

    The referrer hears the same either way, so nothing about the friend leaks back. The
    referrer's own first name is kept, so they are not asked it again next time."""
    if ctx.client.name is None:
        await uow.clients.fill_details(ctx.client.id, invite.referrer_name, None, None)
    channel = Channel.SIMULATOR if ctx.client.address.channel is Channel.SIMULATOR else Channel.SMS
    address = Address.of(channel, invite.phone)
    friend = await uow.clients.by_address(address)
    if friend is not None:
        busy = friend.flow is not None or await uow.cases.open_for(friend.id) is not None
        # Someone who said no, or never answered, is not asked again by anyone for a while.
        asked = await uow.referrals.invitations_since(friend.id, ctx.now - ASK_A_FRIEND_ONCE_IN)
        if friend.opted_out or busy or asked:
            return
    else:
        friend = await uow.clients.add(address, invite.phone, ctx.now)
    referral = NewReferral(
        invite.reference,
        friend.id,
        ReferralSource.FRIEND,
        ReferralStatus.INVITED,
        ctx.now,
        referred_by_client_id=ctx.client.id,
        relationship=invite.relationship,
    )
    await uow.referrals.add(referral)
    step = invitation(ctx.service, invite, ctx.now)
    await uow.clients.set_conversation(friend.id, *saved(step.next), ctx.now)
    for reply in step.replies:
        # A stranger's first text from us waits for the send window.
        scheduled = Reply(reply.text, reply.kind, Priority.SCHEDULED, buttons=reply.buttons)
        await outgoing.to_client(uow, friend, scheduled, ctx.now)
