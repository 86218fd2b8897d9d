"""Clients: finding a person by any address they have written from, their details, their
opt-out and the conversation they are in.

A client's row is the lock for everything of theirs: it is taken before any of their timers is
touched (the lock order, storage/timers.py). Finding a client for a message (``by_address``),
``get`` and ``lock`` take it; on SQLite the write transaction already holds the one lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.messages import Address, Channel
from flows.model import Client
from storage.db import row_of
from storage.tables import (
    CaseRow,
    ClientAddressRow,
    ClientRow,
    MessageRow,
    ReferralRow,
    TimerRow,
)


async def lock(session: AsyncSession, client_ids: Iterable[int], *, wait: bool = True) -> set[int]:
    """Lock these clients' rows until the transaction ends, in the order of their ids, so two
    transactions locking several never wait for each other in a circle. Returns the ids locked:
    all that exist when waiting; without waiting, only those no one else holds (PostgreSQL;
    on SQLite the write transaction holds them all already)."""
    ids = sorted(set(client_ids))
    if not ids:
        return set()
    stmt = (
        select(ClientRow.id)
        .where(col(ClientRow.id).in_(ids))
        .order_by(col(ClientRow.id))
        .with_for_update(skip_locked=not wait)
    )
    return {int(i) for i in (await session.execute(stmt)).scalars() if i is not None}


def to_client(row: ClientRow) -> Client:
    assert row.id is not None
    return Client(
        id=row.id,
        address=Address(row.address),
        phone=row.phone,
        telegram_chat_id=row.telegram_chat_id,
        name=row.name,
        practice_id=row.practice_id,
        opted_out=row.opted_out,
        flow=row.flow,
        flow_state=json.loads(row.flow_state or "{}"),
        date_of_birth=row.date_of_birth,
        last_seen_at=row.last_seen_at,
    )


# Built once, the address a parameter: asked for every inbound message, and building a
# statement each time costs more than running it.
BY_ADDRESS = (
    select(ClientRow)
    .join(ClientAddressRow, col(ClientAddressRow.client_id) == col(ClientRow.id))
    .where(col(ClientAddressRow.address) == sa.bindparam("address"))
    # One message at a time per person across instances (PostgreSQL; SQLite's write
    # transaction already does this).
    .with_for_update(of=ClientRow)
)


class SqlClients:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # The rows this unit has loaded, held so that the session's identity map (which holds
        # them only weakly) keeps them: a change then needs no second SELECT.
        self._loaded: dict[int, ClientRow] = {}

    def _keep(self, row: ClientRow) -> ClientRow:
        assert row.id is not None
        self._loaded[row.id] = row
        return row

    async def by_address(self, address: Address) -> Client | None:
        found = await self.session.execute(BY_ADDRESS, {"address": address.value})
        row = found.scalars().first()
        return to_client(self._keep(row)) if row else None

    async def add(self, address: Address, phone: str | None, at: datetime) -> Client:
        chat = address.handle if address.channel is Channel.TELEGRAM else None
        row = ClientRow(
            address=address.value,
            phone=phone,
            telegram_chat_id=chat,
            created_at=at,
            last_seen_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        self.session.add(ClientAddressRow(address=address.value, client_id=row.id))
        await self.session.flush()
        return to_client(self._keep(row))

    async def get(self, client_id: int) -> Client | None:
        row = await self.session.get(ClientRow, client_id, with_for_update=True)
        return to_client(self._keep(row)) if row else None

    async def _row(self, client_id: int) -> ClientRow:
        return self._loaded.get(client_id) or self._keep(
            await row_of(self.session, ClientRow, client_id)
        )

    async def set_opted_out(self, client_id: int, opted_out: bool, at: datetime) -> None:
        row = await self._row(client_id)
        row.opted_out = opted_out
        row.opted_out_at = at if opted_out else None
        await self.session.flush()

    async def set_conversation(
        self, client_id: int, flow: str | None, state: dict[str, Any], at: datetime
    ) -> None:
        row = await self._row(client_id)
        row.flow = flow
        row.flow_state = json.dumps(state)  # written with the next flush, as one UPDATE

    async def set_address(self, client_id: int, address: Address) -> None:
        row = await self._row(client_id)
        row.address = address.value
        await self.session.flush()

    async def set_came_from(self, client_id: int, tag: str) -> None:
        row = await self._row(client_id)
        row.came_from = row.came_from or tag  # the first way they found us
        await self.session.flush()

    async def set_phone(self, client_id: int, phone: str) -> None:
        row = await self._row(client_id)
        row.phone = phone
        await self.session.flush()

    async def fill_details(
        self, client_id: int, name: str | None, date_of_birth: str | None, practice_id: int | None
    ) -> None:
        row = await self._row(client_id)
        row.name = name or row.name
        row.date_of_birth = date_of_birth or row.date_of_birth
        row.practice_id = practice_id or row.practice_id
        await self.session.flush()

    async def merge(self, from_id: int, into_id: int, address: Address) -> None:
        """Move every row that names ``from_id`` to ``into_id``, then remove ``from_id``.

        Both clients are locked before their timers move (the lock order)."""
        await lock(self.session, (from_id, into_id))
        moves: tuple[tuple[Any, str], ...] = (
            (MessageRow, "client_id"),
            (CaseRow, "client_id"),
            (ReferralRow, "client_id"),
            (ReferralRow, "referred_by_client_id"),
            (TimerRow, "client_id"),
            (ClientAddressRow, "client_id"),
        )
        for table, column in moves:
            await self.session.execute(
                sa.update(table).where(getattr(table, column) == from_id).values({column: into_id})
            )
        gone = await self._row(from_id)
        into = await self._row(into_id)
        into.address = address.value
        if address.channel is Channel.TELEGRAM:
            into.telegram_chat_id = address.handle
        into.practice_id = into.practice_id or gone.practice_id
        into.came_from = into.came_from or gone.came_from
        await self.session.delete(gone)
        self._loaded.pop(from_id, None)
        await self.session.flush()
