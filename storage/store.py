"""``SqlStore``: the engine's unit of work on a SQLModel session."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.messages import Address, Button, Inbound
from flows.model import Case, CasePriority, CaseStatus, Client
from flows.ports import NewCase, OutgoingDraft
from flows.signposting import Signpost
from storage import directory
from storage.db import rows_changed
from storage.follow_up_store import FollowUpStore
from storage.referral_store import ReferralStore
from storage.tables import (
    CaseRow,
    ClientAddress,
    ClientRow,
    MessageRow,
    Practice,
    ProcessedUpdate,
    ReferralRow,
    TimerRow,
)


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


def to_case(row: CaseRow) -> Case:
    assert row.id is not None
    return Case(
        id=row.id,
        client_id=row.client_id,
        reason=row.reason,
        priority=CasePriority(row.priority),
        status=CaseStatus(row.status),
        assigned_to=row.assigned_to,
        created_at=row.created_at,
        due_by=row.due_by,
    )


def _buttons_json(buttons: tuple[Button, ...]) -> str | None:
    return json.dumps([[b.label, b.value] for b in buttons]) if buttons else None


def storable(text: str) -> str:
    """Text as sent, except NUL, which PostgreSQL cannot hold in text: it becomes U+FFFD."""
    return text.replace("\x00", "\ufffd")


def insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the session's dialect."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing()


class SqlStore(ReferralStore, FollowUpStore):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def signposts(
        self, needs: tuple[str, ...], practice_id: int | None, limit: int
    ) -> list[Signpost]:
        practice = await self.session.get(Practice, practice_id) if practice_id else None
        found = await directory.signposts(
            self.session, needs, practice.area or "" if practice else "", limit
        )
        return [Signpost(s.name, s.phone or s.url or "") for s in found]

    async def claim_provider_id(self, key: str, at: datetime) -> bool:
        stmt = insert_ignoring_duplicates(self.session, ProcessedUpdate).values(key=key, at=at)
        result = await self.session.execute(stmt)
        return bool(rows_changed(result))

    async def client_by_address(self, address: Address) -> Client | None:
        stmt = (
            select(ClientRow)
            .join(ClientAddress, col(ClientAddress.client_id) == col(ClientRow.id))
            .where(ClientAddress.address == address.value)
            # One message at a time per person across instances (PostgreSQL; SQLite's write
            # transaction already does this).
            .with_for_update(of=ClientRow)
        )
        row = (await self.session.execute(stmt)).scalars().first()
        return to_client(row) if row else None

    async def add_client(self, address: Address, phone: str | None, at: datetime) -> Client:
        chat = address.handle if address.channel == "telegram" else None
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
        self.session.add(ClientAddress(address=address.value, client_id=row.id))
        await self.session.flush()
        return to_client(row)

    async def client(self, client_id: int) -> Client | None:
        row = await self.session.get(ClientRow, client_id, with_for_update=True)
        return to_client(row) if row else None

    async def _client_row(self, client_id: int) -> ClientRow:
        row = await self.session.get(ClientRow, client_id)
        if row is None:
            raise LookupError(client_id)
        return row

    async def set_opted_out(self, client_id: int, opted_out: bool, at: datetime) -> None:
        row = await self._client_row(client_id)
        row.opted_out = opted_out
        row.opted_out_at = at if opted_out else None
        await self.session.flush()

    async def set_flow(
        self, client_id: int, flow: str | None, state: dict[str, Any], at: datetime
    ) -> None:
        row = await self._client_row(client_id)
        row.flow = flow
        row.flow_state = json.dumps(state)
        await self.session.flush()

    async def open_case_for(self, client_id: int) -> Case | None:
        stmt = (
            select(CaseRow)
            .where(CaseRow.client_id == client_id, CaseRow.status == CaseStatus.OPEN.value)
            .order_by(col(CaseRow.id).desc())
        )
        row = (await self.session.execute(stmt)).scalars().first()
        return to_case(row) if row else None

    async def add_case(self, case: NewCase) -> Case:
        row = CaseRow(
            client_id=case.client_id,
            practice_id=case.practice_id,
            reason=case.reason,
            priority=case.priority.value,
            priority_rank=case.priority.rank,
            status=CaseStatus.OPEN.value,
            created_at=case.created_at,
            due_by=case.due_by,
        )
        self.session.add(row)
        await self.session.flush()
        return to_case(row)

    async def _case_row(self, case_id: int) -> CaseRow:
        row = await self.session.get(CaseRow, case_id)
        if row is None:
            raise LookupError(case_id)
        return row

    async def escalate_case(
        self, case_id: int, priority: CasePriority, reason: str, due_by: datetime
    ) -> None:
        row = await self._case_row(case_id)
        row.priority, row.priority_rank = priority.value, priority.rank
        row.reason, row.due_by = reason, due_by
        await self.session.flush()

    async def assign_case(self, case_id: int, user_id: int) -> None:
        row = await self._case_row(case_id)
        row.assigned_to = user_id
        await self.session.flush()

    async def route_case(self, case_id: int, practice_id: int | None, reason: str | None) -> None:
        row = await self._case_row(case_id)
        if row.practice_id is None and practice_id is not None:
            row.practice_id = practice_id
        if reason is not None:
            row.reason = reason
        await self.session.flush()

    async def set_address(self, client_id: int, address: Address) -> None:
        row = await self._client_row(client_id)
        row.address = address.value
        await self.session.flush()

    async def set_came_from(self, client_id: int, tag: str) -> None:
        row = await self._client_row(client_id)
        row.came_from = row.came_from or tag  # the first way they found us
        await self.session.flush()

    async def set_phone(self, client_id: int, phone: str) -> None:
        row = await self._client_row(client_id)
        row.phone = phone
        await self.session.flush()

    async def merge_clients(self, from_id: int, into_id: int, address: Address) -> None:
        """Move every row that names ``from_id`` to ``into_id``, then remove ``from_id``."""
        moves: tuple[tuple[Any, str], ...] = (
            (MessageRow, "client_id"),
            (CaseRow, "client_id"),
            (ReferralRow, "client_id"),
            (ReferralRow, "referred_by_client_id"),
            (TimerRow, "client_id"),
            (ClientAddress, "client_id"),
        )
        # The chat's own half-finished business gives way to the client's (one pending timer
        # of a kind per client).
        await self.session.execute(
            sa.update(TimerRow)
            .where(col(TimerRow.client_id) == from_id, col(TimerRow.status) == "pending")
            .values(status="cancelled")
        )
        for table, column in moves:
            await self.session.execute(
                sa.update(table).where(getattr(table, column) == from_id).values({column: into_id})
            )
        gone = await self._client_row(from_id)
        into = await self._client_row(into_id)
        into.address = address.value
        if address.channel == "telegram":
            into.telegram_chat_id = address.handle
        into.practice_id = into.practice_id or gone.practice_id
        into.came_from = into.came_from or gone.came_from
        await self.session.delete(gone)
        await self.session.flush()

    async def set_client_details(
        self,
        client_id: int,
        name: str | None,
        date_of_birth: str | None,
        practice_id: int | None,
    ) -> None:
        row = await self._client_row(client_id)
        row.name = name or row.name
        row.date_of_birth = date_of_birth or row.date_of_birth
        row.practice_id = practice_id or row.practice_id
        await self.session.flush()

    async def close_case(
        self, case_id: int, outcome: str, onward: list[str], by: int, at: datetime
    ) -> None:
        row = await self._case_row(case_id)
        row.status = CaseStatus.CLOSED.value
        row.outcome, row.onward_referrals = outcome, json.dumps(onward)
        row.closed_at, row.closed_by = at, by
        await self.session.flush()

    async def add_inbound(self, client_id: int, inbound: Inbound, case_id: int | None) -> int:
        row = MessageRow(
            client_id=client_id,
            case_id=case_id,
            direction="in",
            channel=inbound.address.channel.value,
            address=inbound.address.value,
            text=storable(inbound.text),
            status="received",
            provider_id=inbound.provider_id,
            created_at=inbound.received_at,
        )
        self.session.add(row)
        await self.session.execute(
            sa.update(ClientRow)
            .where(col(ClientRow.id) == client_id)
            .values(last_seen_at=inbound.received_at)
        )
        await self.session.flush()
        assert row.id is not None
        return row.id

    async def add_outgoing(self, draft: OutgoingDraft) -> int:
        row = MessageRow(
            client_id=draft.client_id,
            case_id=draft.case_id,
            direction="out",
            channel=draft.address.channel.value,
            address=draft.address.value,
            text=storable(draft.text),
            kind=draft.kind,
            priority=int(draft.priority),
            status="pending",
            allowed_when_opted_out=draft.allowed_when_opted_out,
            sent_by=draft.sent_by,
            referral_id=draft.referral_id,
            buttons=_buttons_json(draft.buttons),
            not_before=draft.not_before,
            expires_at=draft.expires_at,
            created_at=draft.written_at or draft.not_before,
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        return row.id
