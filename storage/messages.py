"""Messages in and out. An outgoing row is the outbox: written first, sent later
(``storage.outbox`` holds the sending side). Provider ids seen are kept to drop repeats."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from flows.messages import Button, Inbound, OutgoingDraft
from storage.db import insert_ignoring_duplicates, row_of, rows_changed
from storage.tables import ClientRow, MessageRow, ProcessedUpdateRow, table_of

MESSAGE = table_of(MessageRow)
# Built once, its values passed at each call: building a statement with its values each time
# costs more than running it (about 90 of 150 us).
INSERT_MESSAGE = sa.insert(MESSAGE)
_CLAIM_ID: dict[str, Any] = {}  # by dialect: INSERT ... ON CONFLICT DO NOTHING


def storable(text: str) -> str:
    """Text as sent, except NUL, which PostgreSQL cannot hold in text: it becomes U+FFFD."""
    return text.replace("\x00", "\ufffd")


def buttons_json(buttons: tuple[Button, ...]) -> str | None:
    return json.dumps([[b.label, b.value] for b in buttons]) if buttons else None


def buttons_from(text: str | None) -> tuple[Button, ...]:
    return tuple(Button(label, value) for label, value in json.loads(text or "[]"))


class SqlMessages:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_provider_id(self, key: str, at: datetime) -> bool:
        dialect = self.session.get_bind().dialect.name
        stmt = _CLAIM_ID.get(dialect)
        if stmt is None:  # built once per dialect, the values passed at each call
            table = table_of(ProcessedUpdateRow)
            stmt = _CLAIM_ID[dialect] = insert_ignoring_duplicates(self.session, table)
        return bool(rows_changed(await self.session.execute(stmt, {"key": key, "at": at})))

    async def forget_provider_ids(self, before: datetime) -> int:
        """Drop the provider ids seen before then; providers redeliver within hours."""
        stmt = sa.delete(ProcessedUpdateRow).where(col(ProcessedUpdateRow.at) < before)
        return rows_changed(await self.session.execute(stmt))

    async def add_inbound(self, client_id: int, inbound: Inbound, case_id: int | None) -> int:
        # The client usually is already loaded for this message: its last-seen time then goes
        # in one UPDATE with their other changes, flushed as the INSERT runs.
        client = await row_of(self.session, ClientRow, client_id)
        client.last_seen_at = inbound.received_at
        message_id = await self._insert(
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
        return message_id

    async def add_outgoing(self, draft: OutgoingDraft) -> int:
        return await self._insert(
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
            buttons=buttons_json(draft.buttons),
            not_before=draft.not_before,
            expires_at=draft.expires_at,
            created_at=draft.written_at or draft.not_before,
        )

    async def _insert(self, **fields: object) -> int:
        """One message row, by a plain INSERT (the columns' defaults fill the rest): the ORM's
        unit of work costs more than the statement, and nothing here changes the row later in
        the same transaction."""
        result = await self.session.execute(INSERT_MESSAGE, fields)
        key = cast(CursorResult[Any], result).inserted_primary_key
        assert key is not None
        return int(key[0])
