"""SQL side of the outbox: claim due rows, record results and delivery states, share rate slots.

Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several instances never take the same
row; on SQLite the write transaction itself serialises them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.delivery import Delivery
from flows.messages import Address, Button, Priority
from storage.db import insert_ignoring_duplicates
from storage.tables import ClientRow, DeliveryEventRow, MessageRow, RateSlotRow


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    client_id: int | None  # None for an update to a professional referrer
    address: Address
    text: str
    priority: Priority
    attempts: int
    expires_at: datetime | None
    buttons: tuple[Button, ...] = ()


async def claim_due(
    session: AsyncSession, now: datetime, *, window_open: bool, limit: int, lease: timedelta
) -> tuple[list[Claimed], int]:
    """Take up to ``limit`` due messages, most urgent first, and lease them for sending.

    Rows for opted-out clients are marked ``suppressed`` and rows past their expiry ``expired``
    instead of being handed out. Returns the claimed messages and how many rows were settled
    in all (claimed, suppressed or expired): zero means nothing is due.
    """
    due = sa.or_(
        sa.and_(
            col(MessageRow.status) == Delivery.PENDING.value, col(MessageRow.not_before) <= now
        ),
        sa.and_(
            col(MessageRow.status) == Delivery.SENDING.value, col(MessageRow.claimed_until) < now
        ),
    )
    stmt = select(MessageRow).where(col(MessageRow.direction) == "out", due)
    if not window_open:
        stmt = stmt.where(col(MessageRow.priority) < int(Priority.SCHEDULED))
    stmt = (
        stmt.order_by(col(MessageRow.priority), col(MessageRow.not_before), col(MessageRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=MessageRow)
    )
    rows = list((await session.execute(stmt)).scalars())
    if not rows:
        return [], 0
    client_ids = {row.client_id for row in rows if row.client_id is not None}
    opted = set(
        (
            await session.execute(
                select(ClientRow.id).where(
                    col(ClientRow.id).in_(client_ids), col(ClientRow.opted_out).is_(True)
                )
            )
        ).scalars()
    )
    claimed: list[Claimed] = []
    for row in rows:
        assert row.id is not None
        if row.client_id in opted and not row.allowed_when_opted_out:
            row.status, row.claimed_until = Delivery.SUPPRESSED.value, None
            session.add(
                DeliveryEventRow(message_id=row.id, status=Delivery.SUPPRESSED.value, at=now)
            )
            continue
        if row.expires_at is not None and row.expires_at <= now:
            row.status, row.claimed_until = Delivery.EXPIRED.value, None
            session.add(DeliveryEventRow(message_id=row.id, status=Delivery.EXPIRED.value, at=now))
            continue
        row.status, row.claimed_until = Delivery.SENDING.value, now + lease
        row.attempts += 1
        buttons = tuple(Button(label, value) for label, value in json.loads(row.buttons or "[]"))
        claimed.append(
            Claimed(
                row.id,
                row.client_id,
                Address(row.address),
                row.text,
                Priority(row.priority),
                row.attempts,
                row.expires_at,
                buttons,
            )
        )
    await session.flush()
    return claimed, len(rows)


async def record_sent(
    session: AsyncSession,
    message_id: int,
    provider_id: str | None,
    status: Delivery,
    at: datetime,
) -> None:
    row = await session.get(MessageRow, message_id)
    if row is None:
        return
    row.provider_id, row.sent_at, row.claimed_until = provider_id, at, None
    _advance(row, status, None, at)
    session.add(
        DeliveryEventRow(message_id=message_id, provider_id=provider_id, status=status, at=at)
    )
    if provider_id is not None:
        # Status callbacks that overtook the API's answer.
        early = (
            await session.execute(
                select(DeliveryEventRow).where(
                    col(DeliveryEventRow.provider_id) == provider_id,
                    col(DeliveryEventRow.message_id).is_(None),
                )
            )
        ).scalars()
        for event in early:
            event.message_id = message_id
            _advance(row, Delivery.of(event.status), event.error_code, event.at)
            if event.opted_out:
                await mark_opted_out(session, row.client_id, at)
    await session.flush()


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
    session: AsyncSession, message_id: int, code: str | None, error: str, retry_at: datetime
) -> None:
    row = await session.get(MessageRow, message_id)
    if row is None:
        return
    row.status, row.not_before, row.claimed_until = Delivery.PENDING.value, retry_at, None
    row.error_code, row.error_message = code, error[:500]
    await session.flush()


async def record_failed(
    session: AsyncSession,
    message_id: int,
    code: str | None,
    error: str,
    at: datetime,
    *,
    opt_out_client: bool,
) -> None:
    row = await session.get(MessageRow, message_id)
    if row is None:
        return
    row.status, row.claimed_until = Delivery.FAILED.value, None
    row.error_code, row.error_message = code, error[:500]
    session.add(
        DeliveryEventRow(
            message_id=message_id, status=Delivery.FAILED.value, error_code=code, at=at
        )
    )
    if opt_out_client:
        await mark_opted_out(session, row.client_id, at)
    await session.flush()


async def mark_opted_out(session: AsyncSession, client_id: int | None, at: datetime) -> None:
    if client_id is None:
        return  # a referrer, not a client: Twilio itself now refuses sends to them
    await session.execute(
        sa.update(ClientRow)
        .where(col(ClientRow.id) == client_id, col(ClientRow.opted_out).is_(False))
        .values(opted_out=True, opted_out_at=at)
    )


async def record_status(
    session: AsyncSession,
    provider_id: str,
    status: Delivery,
    error_code: str | None,
    opted_out: bool,
    at: datetime,
) -> None:
    """Record a provider's delivery report on the outgoing message with that provider id; one
    that arrives before the send was recorded waits, and is applied then."""
    stmt = select(MessageRow).where(
        col(MessageRow.provider_id) == provider_id, col(MessageRow.direction) == "out"
    )
    row = (await session.execute(stmt)).scalars().first()
    event = DeliveryEventRow(
        message_id=row.id if row else None,
        provider_id=provider_id,
        status=status.value,
        error_code=error_code,
        opted_out=opted_out,
        at=at,
    )
    session.add(event)
    if row is not None:
        _advance(row, status, error_code, at)
        if opted_out:
            await mark_opted_out(session, row.client_id, at)
    await session.flush()


async def take_rate_slot(
    session: AsyncSession, name: str, now: datetime, interval: timedelta
) -> datetime:
    """Reserve the next sending slot of a rate-limited channel, shared across instances.

    Returns when this send may go: now, or later if others have taken the slots before it.
    """
    await session.execute(
        insert_ignoring_duplicates(session, RateSlotRow).values(name=name, next_at=now)
    )
    slot = (
        (
            await session.execute(
                select(RateSlotRow).where(RateSlotRow.name == name).with_for_update()
            )
        )
        .scalars()
        .one()
    )
    start = max(slot.next_at, now)
    slot.next_at = start + interval
    await session.flush()
    return start
