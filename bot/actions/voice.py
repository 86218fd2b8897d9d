"""Calls to clients on landlines: what a call says (its message), a key pressed on it, and how
it ended. A call nobody answered, or that reached voicemail, is tried once more an hour later;
when that one fails too it is recorded as undelivered, and a case opens for a person."""

from __future__ import annotations

from datetime import timedelta

from bot.actions.unit import change, look
from bot.bootstrap import Services
from bot.channels.voice import CallEnded
from flows import texts
from flows.delivery import Delivery
from flows.engine import appointments
from flows.engine.delivery import undelivered
from flows.messages import Address, Channel, Inbound, OutgoingDraft, Priority
from storage import outbox

AGAIN = "_again"  # the kind of a call's one retry: appointment_reminder_again
RETRY_AFTER = timedelta(hours=1)
KEYS = {"1": True, "2": False}  # 1 to confirm or come, 2 if they cannot make it; 3 repeats


async def script(services: Services, call_sid: str) -> str | None:
    """What the call says: its message's text; None for a call we did not place."""
    async with look(services) as uow:
        row = await outbox.sent_message(uow.session, call_sid)
        return row.text if row is not None and row.channel == Channel.VOICE else None


async def keypress(services: Services, call_sid: str, digits: str) -> str | None:
    """What the call says back to a key (1 or 2), recorded as the client's answer, as a text
    YES or NO would be; None for a key that is no answer (or a call we did not place)."""
    said = KEYS.get(digits.strip()[:1])
    if said is None:
        return None
    now = services.clock.now()
    async with change(services) as uow:
        row = await outbox.sent_message(uow.session, call_sid)
        if row is None or row.channel != Channel.VOICE or row.client_id is None:
            return texts.VOICE_GONE
        client = await uow.clients.get(row.client_id)
        if client is None:
            return texts.VOICE_GONE
        key = f"{Channel.VOICE}:{call_sid}:{digits[:1]}"
        if not await uow.messages.claim_provider_id(key, now):  # Twilio posted it twice
            return texts.VOICE_CONFIRMED if said else texts.VOICE_REARRANGE
        speech, case = await appointments.answer_by_phone(
            uow, client, said, services.settings.service, now
        )
        pressed = Inbound(
            Address(row.address),
            f"Pressed {digits[:1]} on the call ({'yes' if said else 'no'})",
            None,
            now,
        )
        await uow.messages.add_inbound(client.id, pressed, case.id if case else row.case_id)
        return speech


async def ended(services: Services, call: CallEnded) -> None:
    """Record how the call ended; one that no person answered is tried once more."""
    now = services.clock.now()
    state = Delivery.DELIVERED if call.answered else Delivery.UNDELIVERED
    async with change(services) as uow:
        row = await outbox.sent_message(uow.session, call.call_sid)
        if row is None:
            return
        first_try = not row.kind.endswith(AGAIN)
        code = None if call.answered else call.why
        lost = await outbox.record_status(uow.session, call.call_sid, state, code, False, now)
        if call.answered or lost is None:
            return
        if first_try and row.client_id is not None:
            retry = OutgoingDraft(
                client_id=row.client_id,
                address=Address(row.address),
                text=row.text,
                kind=row.kind + AGAIN,
                priority=Priority(row.priority),
                not_before=now + RETRY_AFTER,
                case_id=row.case_id,
                expires_at=row.expires_at,
            )
            await uow.messages.add_outgoing(retry)
            return
        await undelivered(uow, lost, now)
