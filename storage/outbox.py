"""Recording what came of each send (under the sender's own claim only), the providers' delivery
reports, opt-outs they report, and the rate slots every instance shares. Claiming is
``storage.claims``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.delivery import Delivery, Undelivered
from flows.messages import Priority
from storage.db import insert_ignoring_duplicates, row_of, rows_changed
from storage.tables import (
    ClientRow,
    DeliveryEventRow,
    MessageRow,
    RateSlotRow,
    ReferralRow,
    table_of,
)

# The statements of every send, built once with their values as parameters: building a
# statement with its values each time costs more than running it.
_MESSAGE = table_of(MessageRow)
_EVENT = table_of(DeliveryEventRow)
_SLOT = table_of(RateSlotRow)
_ADD_EVENT = sa.insert(_EVENT)
_SENT = sa.update(_MESSAGE).where(
    _MESSAGE.c.id == sa.bindparam("held_id"),
    _MESSAGE.c.claimed_by == sa.bindparam("held_by"),
    _MESSAGE.c.status == Delivery.SENDING.value,
)
_EARLY_EVENTS = select(DeliveryEventRow).where(
    col(DeliveryEventRow.provider_id) == sa.bindparam("sid"),
    col(DeliveryEventRow.message_id).is_(None),
)
_RATE_SLOT = (
    select(col(RateSlotRow.next_at))
    .where(col(RateSlotRow.name) == sa.bindparam("slot"))
    .with_for_update()
)
_MOVE_SLOT = sa.update(_SLOT).where(_SLOT.c.name == sa.bindparam("slot"))


async def held(session: AsyncSession, message_id: int, claim: str) -> MessageRow | None:
    """The message, if ``claim`` still holds it."""
    row = await session.get(MessageRow, message_id, with_for_update=True)
    if row is None or row.claimed_by != claim or row.status != Delivery.SENDING.value:
        return None
    return row


async def record_sent(
    session: AsyncSession,
    message_id: int,
    claim: str,
    provider: str,
    provider_id: str | None,
    status: Delivery,
    at: datetime,
) -> bool:
    """Record the provider's acceptance, under ``claim`` only: False if the claim had passed to
    another sender (the send is kept as an event, the message as the other sender leaves it)."""
    event = {"message_id": message_id, "provider_id": provider_id, "status": status.value, "at": at}
    await session.execute(_ADD_EVENT, event)
    # As ``_advance`` moves a message that is still being sent, in one statement.
    changes = {
        "held_id": message_id,
        "held_by": claim,
        "provider_id": provider_id,
        "provider": provider,
        "sent_at": at,
        "claimed_until": None,
        "claimed_by": None,
        "status": status.value,
        "delivered_at": at if status is Delivery.DELIVERED else None,
    }
    if not rows_changed(await session.execute(_SENT, changes)):
        return False
    if provider_id is None:
        return True
    # Status callbacks that overtook the API's answer: rare, so the row is loaded only then.
    early = (await session.execute(_EARLY_EVENTS, {"sid": provider_id})).scalars()
    events = list(early)
    if not events:
        return True
    row = await row_of(session, MessageRow, message_id)
    for event_row in events:
        event_row.message_id = message_id
        _advance(row, Delivery.of(event_row.status), event_row.error_code, event_row.at)
        if event_row.opted_out:
            await mark_opted_out(session, row.client_id, at)
    await session.flush()
    return True


def _advance(row: MessageRow, status: Delivery, error_code: str | None, at: datetime) -> None:
    """Move a message to ``status`` unless it is already further on."""
    now = Delivery.of(row.status)
    if now in (Delivery.SENDING, Delivery.PENDING) or status.rank >= now.rank:
        row.status = status.value
        if status is Delivery.DELIVERED:
            row.delivered_at = at
        if error_code:
            row.error_code = error_code


async def record_retry(
    session: AsyncSession,
    message_id: int,
    claim: str,
    provider: str | None,
    code: str | None,
    error: str,
    retry_at: datetime,
) -> bool:
    row = await held(session, message_id, claim)
    if row is None:
        return False
    row.status, row.not_before = Delivery.PENDING.value, retry_at
    row.claimed_until, row.claimed_by = None, None
    row.provider = provider or row.provider
    row.error_code, row.error_message = code, error[:500]
    await session.flush()
    return True


async def record_failed(
    session: AsyncSession,
    message_id: int,
    claim: str,
    provider: str | None,
    code: str | None,
    error: str,
    at: datetime,
    *,
    opt_out_client: bool,
) -> Undelivered | None:
    """Record a send that will not be tried again, under ``claim`` only; what a person must
    follow up, or None if the claim had passed to another sender."""
    row = await held(session, message_id, claim)
    if row is None:
        return None
    row.provider = provider or row.provider
    failed = await fail_row(session, row, code, error, at, opted_out=opt_out_client)
    if opt_out_client:
        await mark_opted_out(session, row.client_id, at)
    await session.flush()
    return failed


async def fail_row(
    session: AsyncSession,
    row: MessageRow,
    code: str | None,
    error: str,
    at: datetime,
    *,
    opted_out: bool = False,
) -> Undelivered:
    assert row.id is not None
    row.status, row.claimed_until, row.claimed_by = Delivery.FAILED.value, None, None
    row.error_code, row.error_message = code, error[:500]
    session.add(
        DeliveryEventRow(message_id=row.id, status=Delivery.FAILED.value, error_code=code, at=at)
    )
    return await _undelivered(session, row, opted_out)


async def _undelivered(session: AsyncSession, row: MessageRow, opted_out: bool) -> Undelivered:
    """What a person must follow up about this message (for an update to a referrer: the
    referral's client)."""
    assert row.id is not None
    client_id = row.client_id
    if client_id is None and row.referral_id is not None:
        referral = await session.get(ReferralRow, row.referral_id)
        client_id = referral.client_id if referral is not None else None
    return Undelivered(
        row.id, client_id, row.kind, Priority(row.priority), row.client_id is None, opted_out
    )


async def mark_opted_out(session: AsyncSession, client_id: int | None, at: datetime) -> None:
    if client_id is None:
        return  # a referrer, not a client: Twilio itself now refuses sends to them
    await session.execute(
        sa.update(ClientRow)
        .where(col(ClientRow.id) == client_id, col(ClientRow.opted_out).is_(False))
        .values(opted_out=True, opted_out_at=at)
    )


async def sent_message(session: AsyncSession, provider_id: str) -> MessageRow | None:
    """The outgoing message a provider knows by ``provider_id`` (a MessageSid, a CallSid)."""
    stmt = select(MessageRow).where(
        col(MessageRow.provider_id) == provider_id, col(MessageRow.direction) == "out"
    )
    return (await session.execute(stmt)).scalars().first()


async def record_status(
    session: AsyncSession,
    provider_id: str,
    status: Delivery,
    error_code: str | None,
    opted_out: bool,
    at: datetime,
) -> Undelivered | None:
    """Record a provider's delivery report on the outgoing message with that provider id; one
    that arrives before the send was recorded waits, and is applied then. Returns what a person
    must follow up when the report is the first to say the message did not arrive."""
    row = await sent_message(session, provider_id)
    event = DeliveryEventRow(
        message_id=row.id if row else None,
        provider_id=provider_id,
        status=status.value,
        error_code=error_code,
        opted_out=opted_out,
        at=at,
    )
    session.add(event)
    if row is None:
        await session.flush()
        return None
    before = Delivery.of(row.status)
    _advance(row, status, error_code, at)
    if opted_out:
        await mark_opted_out(session, row.client_id, at)
    await session.flush()
    lost = (Delivery.UNDELIVERED, Delivery.FAILED)
    if Delivery.of(row.status) in lost and before not in (*lost, Delivery.DELIVERED, Delivery.READ):
        return await _undelivered(session, row, opted_out)
    return None


async def take_rate_slot(
    session: AsyncSession, name: str, now: datetime, interval: timedelta
) -> datetime:
    """Reserve the next sending slot of a rate-limited channel, shared across instances.

    Returns when this send may go: now, or later if others have taken the slots before it.
    """
    taken: datetime | None = (
        await session.execute(_RATE_SLOT, {"slot": name})
    ).scalar_one_or_none()
    if taken is None:  # the first send of this channel ever
        await session.execute(
            insert_ignoring_duplicates(session, RateSlotRow).values(name=name, next_at=now)
        )
        taken = (await session.execute(_RATE_SLOT, {"slot": name})).scalar_one()
    start = max(taken, now)
    await session.execute(_MOVE_SLOT, {"slot": name, "next_at": start + interval})
    return start
