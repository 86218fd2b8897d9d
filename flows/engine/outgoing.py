"""The one way a message is queued for a person: a client on their own channel, a
professional referrer, or the service's duty contact. Nothing is written for a client who has
opted out, except a reply that may go to them even so (the opt-out confirmation itself)."""

from __future__ import annotations

from datetime import datetime

from flows.messages import Address, Channel, OutgoingDraft, Priority, Reply
from flows.model import Client
from flows.ports import Unit

DUTY_ALERT = "duty_alert"  # the kind of a message to the duty contact


async def to_client(
    uow: Unit,
    client: Client,
    reply: Reply,
    now: datetime,
    *,
    case_id: int | None = None,
    sent_by: int | None = None,
    expires_at: datetime | None = None,
) -> int | None:
    """Queue ``reply`` for the client; the message's id, or None when they have opted out."""
    if client.opted_out and not reply.allowed_when_opted_out:
        return None
    address, text = client.address, reply.text
    if reply.spoken is not None and client.phone:  # a landline: it goes as a call
        address, text = Address.of(Channel.VOICE, client.phone), reply.spoken
    draft = OutgoingDraft(
        client_id=client.id,
        address=address,
        text=text,
        kind=reply.kind,
        priority=reply.priority,
        not_before=now,
        case_id=case_id,
        sent_by=sent_by,
        allowed_when_opted_out=reply.allowed_when_opted_out,
        expires_at=expires_at,
        buttons=reply.buttons,
    )
    return await uow.messages.add_outgoing(draft)


async def to_referrer(
    uow: Unit, address: Address, text: str, referral_id: int, now: datetime
) -> int:
    """An update to a professional referrer, as soon as it can go."""
    draft = OutgoingDraft(
        None, address, text, "referrer_update", Priority.REPLY, now, referral_id=referral_id
    )
    return await uow.messages.add_outgoing(draft)


async def to_duty(uow: Unit, address: Address, text: str, case_id: int, now: datetime) -> int:
    """An alert to the service's duty contact about a case: at once and at any hour (crisis
    priority). It is no client's message, so no client's opt-out holds it back."""
    draft = OutgoingDraft(
        None,
        address,
        text,
        DUTY_ALERT,
        Priority.CRISIS,
        now,
        case_id=case_id,
        allowed_when_opted_out=True,
    )
    return await uow.messages.add_outgoing(draft)
