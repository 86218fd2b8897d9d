"""Claiming due outgoing messages for sending: most urgent first, leased to one sender at a
time, and failing those whose deadline has passed.

Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several instances never take the same
row; on SQLite the write transaction itself serialises them. A claim is named: only the sender
that holds it may renew it or record its result (``storage.outbox``).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.delivery import DEADLINE_CODE, Delivery, Undelivered
from flows.messages import Address, Button, Priority
from storage import outbox
from storage.tables import ClientRow, DeliveryEventRow, MessageRow


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    client_id: int | None  # None for an update to a professional referrer
    address: Address
    text: str
    priority: Priority
    attempts: int  # counting this one
    expires_at: datetime | None
    buttons: tuple[Button, ...] = ()
    kind: str = "message"
    claim: str = ""  # whose claim: only its holder may record the result


@dataclass(frozen=True, slots=True)
class Claims:
    messages: list[Claimed]
    settled: int  # rows claimed or suppressed; zero means nothing is due


def _overdue(now: datetime, deadline: timedelta) -> sa.ColumnElement[bool]:
    """Past its deadline: its own (``expires_at``), or ``deadline`` after it was written."""
    return sa.or_(
        sa.and_(col(MessageRow.expires_at).is_not(None), col(MessageRow.expires_at) <= now),
        sa.and_(col(MessageRow.expires_at).is_(None), col(MessageRow.created_at) <= now - deadline),
    )


def _unsent(now: datetime) -> sa.ColumnElement[bool]:
    """Waiting to be sent: pending, or claimed by a sender whose lease has run out."""
    return sa.and_(
        col(MessageRow.direction) == "out",
        sa.or_(
            col(MessageRow.status) == Delivery.PENDING.value,
            sa.and_(
                col(MessageRow.status) == Delivery.SENDING.value,
                col(MessageRow.claimed_until) < now,
            ),
        ),
    )


async def claim_due(
    session: AsyncSession,
    now: datetime,
    *,
    window_open: bool,
    limit: int,
    lease: timedelta,
    claim: str,
    deadline: timedelta,
    closed: Collection[str] = (),
    probes: Collection[str] = (),
) -> Claims:
    """Take up to ``limit`` due messages, most urgent first, and lease them to ``claim``.

    Channels in ``closed`` have no provider answering and are left waiting, except one message
    of each channel in ``probes``, which tries a down provider. Messages past their deadline
    are never handed out (``settle_overdue`` fails them); rows for opted-out clients are marked
    ``suppressed`` instead.
    """
    due = sa.and_(
        _unsent(now),
        sa.or_(col(MessageRow.status) == Delivery.SENDING.value, col(MessageRow.not_before) <= now),
        sa.not_(_overdue(now, deadline)),
    )
    if not window_open:
        due = sa.and_(due, col(MessageRow.priority) < int(Priority.SCHEDULED))
    order = (col(MessageRow.priority), col(MessageRow.not_before), col(MessageRow.id))

    def pick(where: sa.ColumnElement[bool], n: int) -> Any:
        return (
            select(MessageRow)
            .where(due, where)
            .order_by(*order)
            .limit(n)
            .with_for_update(skip_locked=True, of=MessageRow)
        )

    rows = list(
        (await session.execute(pick(col(MessageRow.channel).not_in(list(closed)), limit))).scalars()
    )
    for channel in probes:
        rows += list((await session.execute(pick(col(MessageRow.channel) == channel, 1))).scalars())
    if not rows:
        return Claims([], 0)
    opted = await _opted_out(session, {row.client_id for row in rows})
    claimed: list[Claimed] = []
    for row in rows:
        assert row.id is not None
        if row.client_id in opted and not row.allowed_when_opted_out:
            _suppress(session, row, now)
            continue
        row.status, row.claimed_until, row.claimed_by = Delivery.SENDING.value, now + lease, claim
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
                row.kind,
                claim,
            )
        )
    await session.flush()
    return Claims(claimed, len(rows))


async def _opted_out(session: AsyncSession, client_ids: set[int | None]) -> set[int]:
    wanted = [client_id for client_id in client_ids if client_id is not None]
    if not wanted:
        return set()
    stmt = select(ClientRow.id).where(
        col(ClientRow.id).in_(wanted), col(ClientRow.opted_out).is_(True)
    )
    return {client_id for client_id in (await session.execute(stmt)).scalars() if client_id}


def _suppress(session: AsyncSession, row: MessageRow, now: datetime) -> None:
    assert row.id is not None
    row.status, row.claimed_until, row.claimed_by = Delivery.SUPPRESSED.value, None, None
    session.add(DeliveryEventRow(message_id=row.id, status=Delivery.SUPPRESSED.value, at=now))


async def settle_overdue(
    session: AsyncSession, now: datetime, deadline: timedelta, limit: int = 500
) -> list[Undelivered]:
    """Fail the unsent messages whose deadline has passed, for a person to follow up; a
    message to someone who has opted out since is suppressed instead."""
    stmt = (
        select(MessageRow)
        .where(_unsent(now), _overdue(now, deadline))
        .order_by(col(MessageRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=MessageRow)
    )
    rows = list((await session.execute(stmt)).scalars())
    opted = await _opted_out(session, {row.client_id for row in rows})
    failed: list[Undelivered] = []
    for row in rows:
        if row.client_id in opted and not row.allowed_when_opted_out:
            _suppress(session, row, now)
            continue
        failed.append(
            await outbox.fail_row(session, row, DEADLINE_CODE, "not sent before its deadline", now)
        )
    await session.flush()
    return failed


async def renew(
    session: AsyncSession, message_ids: Collection[int], claim: str, until: datetime
) -> set[int]:
    """Extend ``claim``'s lease on these messages; the ids it still holds."""
    held = (
        await session.execute(
            select(MessageRow.id).where(
                col(MessageRow.id).in_(list(message_ids)),
                col(MessageRow.claimed_by) == claim,
                col(MessageRow.status) == Delivery.SENDING.value,
            )
        )
    ).scalars()
    ids = {message_id for message_id in held if message_id is not None}
    if ids:
        await session.execute(
            sa.update(MessageRow).where(col(MessageRow.id).in_(ids)).values(claimed_until=until)
        )
    return ids


async def release(session: AsyncSession, message_id: int, claim: str) -> None:
    """Give a claimed message back untried (no provider could take it just now)."""
    row = await outbox.held(session, message_id, claim)
    if row is not None:
        row.status, row.claimed_until, row.claimed_by = Delivery.PENDING.value, None, None
        row.attempts = max(0, row.attempts - 1)
        await session.flush()
