"""Clients for campaign tests, written straight into the database as the app would write them.

Building thousands of clients through conversations would take minutes, so these helpers
write the rows a referral, a session and a closed case leave behind: a client with an address,
an attended session, and optionally a referral (practice, needs, pathway), an opt-out, an open
case, a booked session, a conversation under way or a recent message.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from storage.db import Database
from storage.tables import (
    AppointmentRow,
    CaseRow,
    ClientAddressRow,
    ClientRow,
    MessageRow,
    PracticeRow,
    ReferralRow,
    TimerRow,
)


def number(i: int) -> str:
    return f"+4477008{i:05d}"


@dataclass(frozen=True, slots=True)
class Seed:
    """One client as a campaign sees them."""

    phone: str
    sessions: tuple[datetime, ...] = ()  # attended sessions
    practice: str | None = None  # a practice code
    needs: tuple[str, ...] = ()  # need codes, on a referral
    source: str | None = None  # self, friend or professional: a referral when set
    pathway: str | None = None  # a professional referral's pathway
    opted_out: bool = False
    open_case: bool = False
    booked: datetime | None = None  # a session booked for this time
    flow: str | None = None  # a conversation under way
    messaged: datetime | None = None  # when we last sent them a message
    dna: datetime | None = None  # a session they did not attend


async def practice_ids(db: Database) -> dict[str, int]:
    async with db.read() as session:
        rows = (await session.execute(select(PracticeRow))).scalars()
        return {row.code: row.id or 0 for row in rows}


async def seed(db: Database, seeds: Sequence[Seed], now: datetime) -> list[int]:
    """Write the clients; returns their ids in the order given."""
    codes = await practice_ids(db)
    async with db.write() as session:
        clients = [
            ClientRow(
                address=f"tel:{s.phone}",
                phone=s.phone,
                created_at=now,
                last_seen_at=now,
                practice_id=codes[s.practice] if s.practice else None,
                opted_out=s.opted_out,
                opted_out_at=now if s.opted_out else None,
                flow=s.flow,
                flow_state="{}",
            )
            for s in seeds
        ]
        session.add_all(clients)
        await session.flush()
        ids = [c.id or 0 for c in clients]
        await session.execute(
            sa.insert(ClientAddressRow),
            [{"address": c.address, "client_id": c.id} for c in clients],
        )
        appointments: list[dict[str, object]] = []
        for client_id, s in zip(ids, seeds, strict=True):
            visits = [(at, "attended") for at in s.sessions]
            visits += [(s.booked, "booked")] if s.booked else []
            visits += [(s.dna, "dna")] if s.dna else []
            appointments += [
                {
                    "client_id": client_id,
                    "starts_at": at,
                    "duration_minutes": 45,
                    "location": "Pemberton Library",
                    "worker": "Sam Jones",
                    "status": status,
                    "created_at": now,
                    "asked_again": False,
                }
                for at, status in visits
            ]
        if appointments:
            await session.execute(sa.insert(AppointmentRow), appointments)
        for client_id, s in zip(ids, seeds, strict=True):
            if s.source:
                session.add(
                    ReferralRow(
                        reference=secrets.token_hex(5).upper(),
                        client_id=client_id,
                        source=s.source,
                        pathway=s.pathway,
                        status="submitted",
                        practice_id=codes[s.practice] if s.practice else None,
                        needs=json.dumps(list(s.needs)),
                        created_at=now,
                        submitted_at=now,
                    )
                )
            if s.open_case:
                session.add(
                    CaseRow(
                        client_id=client_id,
                        reason="message",
                        priority="normal",
                        priority_rank=2,
                        status="open",
                        created_at=now,
                        due_by=now + timedelta(days=2),
                    )
                )
            if s.messaged:
                session.add(
                    MessageRow(
                        client_id=client_id,
                        direction="out",
                        channel="sms",
                        address=f"tel:{s.phone}",
                        text="Thank you for coming along.",
                        kind="message",
                        status="delivered",
                        created_at=s.messaged,
                        sent_at=s.messaged,
                    )
                )
    return ids


async def seed_cohort(db: Database, count: int, session_at: datetime, now: datetime) -> list[str]:
    """``count`` clients free to contact, each with one attended session at ``session_at``."""
    numbers = [number(i) for i in range(count)]
    for start in range(0, count, 1000):
        await seed(
            db, [Seed(n, sessions=(session_at,)) for n in numbers[start : start + 1000]], now
        )
    return numbers


async def campaign_client_ids(db: Database, campaign_id: str) -> set[int]:
    """The clients a campaign has a send for, whatever became of it."""
    async with db.read() as session:
        rows = await session.execute(
            select(TimerRow.client_id).where(
                TimerRow.kind == "campaign", TimerRow.subject == campaign_id
            )
        )
        return set(rows.scalars())


async def timer_statuses(db: Database, campaign_id: str) -> dict[str, int]:
    async with db.read() as session:
        rows = await session.execute(
            select(TimerRow.status, sa.func.count())
            .where(TimerRow.kind == "campaign", TimerRow.subject == campaign_id)
            .group_by(col(TimerRow.status))
        )
        return {status: int(n) for status, n in rows}


async def message_statuses(db: Database, kind: str) -> dict[str, int]:
    """How many outgoing messages of ``kind`` are in each delivery state."""
    async with db.read() as session:
        rows = await session.execute(
            select(MessageRow.status, sa.func.count())
            .where(MessageRow.kind == kind)
            .group_by(col(MessageRow.status))
        )
        return {status: int(n) for status, n in rows}


async def sent_times(db: Database, kind: str) -> list[datetime]:
    """When each outgoing message of ``kind`` went, in order."""
    async with db.read() as session:
        rows = await session.execute(
            select(MessageRow.sent_at)
            .where(MessageRow.kind == kind, col(MessageRow.sent_at).is_not(None))
            .order_by(col(MessageRow.sent_at))
        )
        return [at for at in rows.scalars() if at is not None]
