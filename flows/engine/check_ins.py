"""Follow-up check-ins and campaign sends: when they are due, who may get one, sending them.

A check-in is due ``FOLLOW_UP_AFTER`` after a client's last attended session, at the send
window's next opening. When it falls due the client must still be reachable and free: not
opted out, no open case, no session booked and not in the middle of another conversation (one
left a week ago is over). While any of those but the opt-out holds it waits a week and looks
again, for up to ``GIVE_UP_AFTER``; an opt-out drops it. Campaign sends check the same and
are skipped, not postponed: the campaign went on its date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows import texts
from flows.appointments import AppointmentStatus
from flows.conversations import check_in, registry
from flows.conversations.base import saved
from flows.conversations.check_in import CheckInState
from flows.engine import outgoing
from flows.messages import Priority, Reply
from flows.model import Client, DueTimer
from flows.ports import Unit
from flows.sendwindow import SendWindow
from flows.texts import ServiceInfo

CHECK_IN = "follow_up"  # the timer of the automatic check-in
LOOK_AGAIN = timedelta(days=7)
# A conversation left this long is over for our purposes: a half-told referral is in the
# queue by then, and the check-in may take its place.
CONVERSATION_OVER_AFTER = timedelta(days=7)
GIVE_UP_AFTER = timedelta(weeks=16)  # past its first due date, a check-in is no longer timely
CHECK_IN_FLOW = "check_in"
# A check-in or its nudge not sent within this is given up, and a person told (a case).
SEND_WITHIN = timedelta(days=3)


async def schedule(
    uow: Unit, client_id: int, now: datetime, *, after: timedelta, window: SendWindow
) -> datetime | None:
    """Set (or move) the client's check-in to ``after`` their latest attended session; with
    no attended session, there is none to set."""
    last = await uow.appointments.last_attended(client_id)
    await uow.timers.cancel(client_id, (CHECK_IN,))
    if last is None:
        return None
    due = window.next_opening(max(last + after, now))
    # The subject keeps the first due time, as postponing moves ``due_at``.
    await uow.timers.set(client_id, CHECK_IN, due, now, due.isoformat())
    return due


async def reachable(uow: Unit, client: Client, now: datetime) -> str | None:
    """Why the client should not get a check-in now, or None when they may."""
    if client.opted_out:
        return "opted_out"
    if await uow.cases.open_for(client.id) is not None:
        return "open_case"
    going = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
    if await uow.appointments.upcoming(client.id, now, going, unanswered=False) is not None:
        return "session_booked"
    if client.flow is not None and (
        client.last_seen_at is None or now - client.last_seen_at < CONVERSATION_OVER_AFTER
    ):
        return "in_conversation"
    return None


async def fire_check_in(uow: Unit, timer: DueTimer, service: ServiceInfo, now: datetime) -> int:
    client = await uow.clients.get(timer.client_id)
    if client is None:
        return 0
    why_not = await reachable(uow, client, now)
    if why_not is None:
        last = await uow.appointments.last_attended(client.id)
        if last is not None and await uow.follow_ups.since(client.id, last):
            return 0  # a campaign has already asked them since their last session
        await send(uow, client, service, now, campaign_id=None)
        return 1
    first_due = _first_due(timer)
    if why_not == "opted_out" or now + LOOK_AGAIN > first_due + GIVE_UP_AFTER:
        await uow.timers.mark(timer.id, "dropped")
        return 0
    await uow.timers.set(client.id, CHECK_IN, now + LOOK_AGAIN, now, timer.subject)
    return 0


def _first_due(timer: DueTimer) -> datetime:
    try:
        return datetime.fromisoformat(timer.subject)
    except ValueError:
        return timer.due_at


async def send(
    uow: Unit,
    client: Client,
    service: ServiceInfo,
    now: datetime,
    *,
    campaign_id: int | None,
    message: str | None = None,
) -> int:
    """Write the check-in (or a campaign's own message) and wait for the answer."""
    bulk = campaign_id is not None
    text = message if message is not None else texts.FU_CHECK_IN.format(service=service.name)
    buttons = () if message is not None else check_in.BUTTONS
    kind = "campaign" if message is not None else "check_in"
    priority = Priority.BULK if bulk else Priority.SCHEDULED
    message_id = await outgoing.to_client(
        uow, client, Reply(text, kind, priority, buttons=buttons), now, expires_at=now + SEND_WITHIN
    )
    assert message_id is not None  # the caller made sure they may be contacted
    kind = "message" if message is not None else CHECK_IN_FLOW
    follow_up_id = await uow.follow_ups.add(client.id, campaign_id, kind, message_id, now)
    subject = str(follow_up_id)
    if message is not None:
        state = CheckInState.message(follow_up_id)
        await uow.timers.set(
            client.id, check_in.END, now + check_in.MESSAGE_REPLIES_FOR, now, subject
        )
    else:
        state = CheckInState.asking(follow_up_id)
        await uow.timers.set(client.id, check_in.NUDGE, now + check_in.NUDGE_AFTER, now, subject)
    await uow.clients.set_conversation(client.id, *saved(state), now)
    if bulk and message is None:
        await uow.timers.cancel(client.id, (CHECK_IN,))  # this check-in takes its place
    return follow_up_id


async def fire_nudge(uow: Unit, timer: DueTimer, service: ServiceInfo, now: datetime) -> int:
    """One gentle nudge if the check-in is still unanswered; after that it lapses."""
    client = await uow.clients.get(timer.client_id)
    state = _waiting_on(client, timer.subject)
    if client is None or state is None:
        return 0
    await uow.timers.set(
        client.id, check_in.END, now + check_in.END_AFTER_NUDGE, now, timer.subject
    )
    if not state.awaits_first_answer or client.opted_out:
        return 0
    if await uow.cases.open_for(client.id) is not None:
        return 0  # a person is talking with them already
    await uow.follow_ups.nudged(int(timer.subject), now)
    text = texts.FU_NUDGE.format(service=service.name)
    nudge = Reply(text, "check_in_nudge", Priority.SCHEDULED, buttons=check_in.BUTTONS)
    await outgoing.to_client(uow, client, nudge, now, expires_at=now + SEND_WITHIN)
    return 1


async def fire_end(uow: Unit, timer: DueTimer, now: datetime) -> int:
    """The check-in lapses: replies from now on are ordinary messages again. Answers to a
    questionnaire left half way are already kept, as incomplete."""
    client = await uow.clients.get(timer.client_id)
    if client is None or _waiting_on(client, timer.subject) is None:
        return 0
    await uow.clients.set_conversation(client.id, *saved(None), now)
    await uow.follow_ups.record(int(timer.subject), None, None, None, True, now)
    return 0


def _waiting_on(client: Client | None, subject: str) -> CheckInState | None:
    """The client's check-in state, when it is this follow-up's (the timer's subject)."""
    state = registry.state_of(client, CheckInState) if client is not None else None
    return state if state is not None and str(state.follow_up_id) == subject else None


async def fire_campaign_send(
    uow: Unit, timer: DueTimer, service: ServiceInfo, now: datetime
) -> int:
    campaign = await uow.follow_ups.campaign(int(timer.subject))
    client = await uow.clients.get(timer.client_id)
    if campaign is not None and campaign.status == "paused":
        await uow.timers.mark(timer.id, "paused")  # held, as pausing holds the others
        return 0
    if campaign is None or campaign.status != "scheduled" or client is None:
        await uow.timers.mark(timer.id, "cancelled")
        return 0
    if await reachable(uow, client, now) is not None:
        await uow.timers.mark(timer.id, "dropped")  # skipped: counted, never sent
        return 0
    await send(uow, client, service, now, campaign_id=campaign.id, message=campaign.message)
    return 1
