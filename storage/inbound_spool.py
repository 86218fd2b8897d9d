"""The inbound spool: a message from a person kept as it came when it could not be handled
(the database in trouble), until it is.

A row is ``pending`` until it is handled (``done``) or has failed for a reason of its own too
often (``failed``, for staff to see). ``claim_due`` leases rows as the outbox does, with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two instances never take the same one; a lease
that is never settled (the process died) runs out and the row is taken again. ``error`` is
only ever a short reason such as an exception's class name: never a person's words or number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.messages import Address, Inbound
from storage.db import row_of
from storage.tables import InboundSpoolRow

MAX_ERROR = 200


@dataclass(frozen=True, slots=True)
class Spooled:
    id: int
    inbound: Inbound
    attempts: int  # tries so far, this one included


def to_payload(inbound: Inbound) -> str:
    """The ``Inbound`` as the JSON kept in ``payload``."""
    return json.dumps(
        {
            "address": inbound.address.value,
            "text": inbound.text,
            "provider_id": inbound.provider_id,
            "received_at": inbound.received_at.isoformat(),
            "phone": inbound.phone,
            "shared_phone": inbound.shared_phone,
            "start_tag": inbound.start_tag,
        }
    )


def from_payload(payload: str) -> Inbound:
    """The ``Inbound`` kept by ``to_payload``."""
    data = json.loads(payload)
    return Inbound(
        address=Address(data["address"]),
        text=data["text"],
        provider_id=data["provider_id"],
        received_at=datetime.fromisoformat(data["received_at"]),
        phone=data["phone"],
        shared_phone=data["shared_phone"],
        start_tag=data["start_tag"],
    )


async def add(session: AsyncSession, inbound: Inbound, reason: str, now: datetime) -> int:
    """Keep a message that could not be handled; it is due at once. Returns its id."""
    row = InboundSpoolRow(
        channel=inbound.address.channel.value,
        provider_id=inbound.provider_id,
        payload=to_payload(inbound),
        status="pending",
        attempts=0,
        next_at=now,
        error=reason[:MAX_ERROR],
        received_at=inbound.received_at,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def claim_due(
    session: AsyncSession, now: datetime, *, limit: int, lease: timedelta
) -> list[Spooled]:
    """Take up to ``limit`` pending messages that are due, oldest first, each leased until
    ``now + lease`` with one more attempt counted."""
    stmt = (
        select(InboundSpoolRow)
        .where(InboundSpoolRow.status == "pending", col(InboundSpoolRow.next_at) <= now)
        .order_by(col(InboundSpoolRow.received_at), col(InboundSpoolRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.execute(stmt)).scalars())
    claimed = []
    for row in rows:
        assert row.id is not None
        row.attempts += 1
        row.next_at = now + lease
        claimed.append(Spooled(row.id, from_payload(row.payload), row.attempts))
    await session.flush()
    return claimed


async def mark_done(session: AsyncSession, spool_id: int) -> None:
    """Handled: meant to run in the transaction that handled it, so it is done exactly once."""
    row = await row_of(session, InboundSpoolRow, spool_id)
    row.status, row.error = "done", None
    await session.flush()


async def retry_later(session: AsyncSession, spool_id: int, reason: str, at: datetime) -> None:
    """Not handled this time: try again at ``at``."""
    row = await row_of(session, InboundSpoolRow, spool_id)
    row.status, row.next_at, row.error = "pending", at, reason[:MAX_ERROR]
    await session.flush()


async def mark_failed(session: AsyncSession, spool_id: int, reason: str) -> None:
    """Given up on: it failed for a reason of its own too many times. Staff see it."""
    row = await row_of(session, InboundSpoolRow, spool_id)
    row.status, row.error = "failed", reason[:MAX_ERROR]
    await session.flush()
