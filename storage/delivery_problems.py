"""Delivery problems as staff read them: outgoing messages that were not delivered or have
waited long unsent, timers that failed or are being tried again, and inbound messages kept
because they could not be handled when they came. Read-only.

Who may see a message or a timer is ``storage.access``: the rows of clients the user may see.
An update to a professional referrer has no client of its own; it goes with the client the
referral is about, like everything else hung off them. The kept inbound messages belong to no
client yet (the message was never read), so only the service's admins see them (the action
decides that, as it does for the figures); their words are never read here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.delivery import Delivery
from flows.model import StaffUser
from storage import queries
from storage.access import of_visible_client
from storage.tables import InboundSpoolRow, MessageRow, ReferralRow, TimerRow

# Not delivered, for good: the provider said so, every try failed, or it went past its use.
NOT_DELIVERED = (Delivery.FAILED.value, Delivery.UNDELIVERED.value, Delivery.EXPIRED.value)
UNSENT = (Delivery.PENDING.value, Delivery.SENDING.value)
WAITING_AFTER = timedelta(minutes=10)  # an unsent message due this long is waiting long
FAILED, PENDING = "failed", "pending"  # a timer's and a kept message's states

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Listed(Generic[T]):
    """The first rows of a list, and how many there are in all."""

    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        """How many are left off."""
        return self.total - len(self.rows)


@dataclass(frozen=True, slots=True)
class MessageProblem:
    """An outgoing message, with the client it was to (or, for an update to a referrer, the
    client the referral is about) and that client's open case."""

    row: MessageRow
    client_id: int | None
    client_name: str | None
    open_case_id: int | None

    @property
    def to_referrer(self) -> bool:
        return self.row.client_id is None and self.row.referral_id is not None

    @property
    def to_duty_contact(self) -> bool:
        """An alert to the service's duty contact: no client's, and no referral's."""
        return self.row.client_id is None and self.row.referral_id is None


@dataclass(frozen=True, slots=True)
class TimerProblem:
    row: TimerRow
    client_name: str | None


@dataclass(frozen=True, slots=True)
class KeptInbound:
    """A kept inbound message: its row, and who sent it (read from the kept message, whose
    words are left unread)."""

    row: InboundSpoolRow
    sender: str | None


@dataclass(frozen=True, slots=True)
class Counts:
    """What the queue's mark counts: messages not delivered, timers failed and (for admins)
    inbound messages that could not be handled."""

    messages: int
    timers: int
    inbound: int

    @property
    def any(self) -> bool:
        return bool(self.messages or self.timers or self.inbound)


def _owner() -> Any:
    """The client a message is to or about: its own, or its referral's."""
    of_referral = (
        select(ReferralRow.client_id)
        .where(col(ReferralRow.id) == col(MessageRow.referral_id))
        .scalar_subquery()
    )
    return sa.func.coalesce(col(MessageRow.client_id), of_referral)


def _not_delivered(user: StaffUser) -> list[Any]:
    return [
        col(MessageRow.direction) == "out",
        col(MessageRow.status).in_(NOT_DELIVERED),
        of_visible_client(user, _owner()),
    ]


def _waiting(user: StaffUser, now: datetime) -> list[Any]:
    """Unsent and written over ``WAITING_AFTER`` ago, and either tried already or due that
    long: one held back on purpose (by the send window, say) and never tried is not shown."""
    long_ago = now - WAITING_AFTER
    due = sa.func.coalesce(col(MessageRow.not_before), col(MessageRow.created_at))
    return [
        col(MessageRow.direction) == "out",
        col(MessageRow.status).in_(UNSENT),
        col(MessageRow.created_at) < long_ago,
        sa.or_(col(MessageRow.attempts) > 0, due < long_ago),
        of_visible_client(user, _owner()),
    ]


def _timers(user: StaffUser) -> list[Any]:
    """Failed, or pending after a try that met a passing fault (being tried again)."""
    return [
        sa.or_(
            col(TimerRow.status) == FAILED,
            sa.and_(col(TimerRow.status) == PENDING, col(TimerRow.attempts) > 0),
        ),
        of_visible_client(user, col(TimerRow.client_id)),
    ]


def _kept(now: datetime) -> list[Any]:
    """Failed, or still pending after a try or long after it came."""
    return [
        sa.or_(
            col(InboundSpoolRow.status) == FAILED,
            sa.and_(
                col(InboundSpoolRow.status) == PENDING,
                sa.or_(
                    col(InboundSpoolRow.attempts) > 0,
                    col(InboundSpoolRow.received_at) < now - WAITING_AFTER,
                ),
            ),
        )
    ]


async def _total(session: AsyncSession, table: Any, where: list[Any]) -> int:
    stmt = sa.select(sa.func.count()).select_from(table).where(*where)
    return int((await session.execute(stmt)).scalar_one())


async def _messages(
    session: AsyncSession, where: list[Any], order: list[Any], limit: int
) -> Listed[MessageProblem]:
    stmt = select(MessageRow, _owner()).where(*where).order_by(*order).limit(limit)
    found = [(row, owner) for row, owner in (await session.execute(stmt)).all()]
    owners = {owner for _, owner in found if owner is not None}
    names = await queries.client_names(session, owners)
    cases = await queries.open_cases_of(session, owners)
    rows = [
        MessageProblem(
            row,
            owner,
            names.get(owner, (None, None))[0] if owner is not None else None,
            cases[owner].id if owner in cases else None,
        )
        for row, owner in found
    ]
    return Listed(rows, await _total(session, MessageRow, where))


async def not_delivered(
    session: AsyncSession, user: StaffUser, limit: int
) -> Listed[MessageProblem]:
    """Outgoing messages that were not delivered, newest first."""
    order = [col(MessageRow.created_at).desc(), col(MessageRow.id).desc()]
    return await _messages(session, _not_delivered(user), order, limit)


async def waiting_long(
    session: AsyncSession, user: StaffUser, now: datetime, limit: int
) -> Listed[MessageProblem]:
    """Outgoing messages waiting long unsent, the longest waiting first."""
    order = [col(MessageRow.created_at), col(MessageRow.id)]
    return await _messages(session, _waiting(user, now), order, limit)


async def timers(session: AsyncSession, user: StaffUser, limit: int) -> Listed[TimerProblem]:
    """Failed timers and timers being tried again, the latest due first."""
    where = _timers(user)
    stmt = (
        select(TimerRow)
        .where(*where)
        .order_by(col(TimerRow.due_at).desc(), col(TimerRow.id).desc())
        .limit(limit)
    )
    found = list((await session.execute(stmt)).scalars())
    names = await queries.client_names(session, {row.client_id for row in found})
    rows = [TimerProblem(row, names.get(row.client_id, (None, None))[0]) for row in found]
    return Listed(rows, await _total(session, TimerRow, where))


async def kept_inbound(session: AsyncSession, now: datetime, limit: int) -> Listed[KeptInbound]:
    """Inbound messages kept and not yet handled, newest first. For admins only."""
    where = _kept(now)
    stmt = (
        select(InboundSpoolRow)
        .where(*where)
        .order_by(col(InboundSpoolRow.received_at).desc(), col(InboundSpoolRow.id).desc())
        .limit(limit)
    )
    found = list((await session.execute(stmt)).scalars())
    rows = [KeptInbound(row, sender_of(row.payload)) for row in found]
    return Listed(rows, await _total(session, InboundSpoolRow, where))


def sender_of(payload: str) -> str | None:
    """The address a kept message came from (``tel:+44...``), and nothing else of it: the
    words are never read out. None when the kept message does not say."""
    try:
        kept = json.loads(payload)
    except ValueError:
        return None
    address = kept.get("address") if isinstance(kept, dict) else None
    return address[:100] if isinstance(address, str) else None


async def counts(
    session: AsyncSession, user: StaffUser, since: datetime, *, inbound: bool
) -> Counts:
    """How many messages were not delivered and timers failed since then, of the clients the
    user may see, and (when ``inbound``) inbound messages that failed: one statement."""
    messages = (
        sa.select(sa.func.count())
        .select_from(MessageRow)
        .where(*_not_delivered(user), col(MessageRow.created_at) >= since)
        .scalar_subquery()
    )
    failed_timers = (
        sa.select(sa.func.count())
        .select_from(TimerRow)
        .where(
            col(TimerRow.status) == FAILED,
            col(TimerRow.due_at) >= since,
            of_visible_client(user, col(TimerRow.client_id)),
        )
        .scalar_subquery()
    )
    kept: Any = sa.literal(0)
    if inbound:
        kept = (
            sa.select(sa.func.count())
            .select_from(InboundSpoolRow)
            .where(col(InboundSpoolRow.status) == FAILED, col(InboundSpoolRow.received_at) >= since)
            .scalar_subquery()
        )
    found = (await session.execute(sa.select(messages, failed_timers, kept))).one()
    return Counts(int(found[0] or 0), int(found[1] or 0), int(found[2] or 0))
