"""Follow-ups: each check-in or campaign message to a client and what came of it, with the
questionnaire answered by message."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import Campaign
from storage.tables import CampaignRow, FollowUpRow, ScoreRow


class SqlFollowUps:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def since(self, client_id: int, since: datetime) -> bool:
        stmt = (
            select(FollowUpRow.id)
            .where(
                FollowUpRow.client_id == client_id,
                FollowUpRow.kind == "check_in",
                col(FollowUpRow.created_at) >= since,
            )
            .limit(1)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def add(
        self, client_id: int, campaign_id: int | None, kind: str, message_id: int, at: datetime
    ) -> int:
        row = FollowUpRow(
            client_id=client_id,
            campaign_id=campaign_id,
            kind=kind,
            message_id=message_id,
            created_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        assert row.id is not None
        return row.id

    async def record(
        self,
        follow_up_id: int,
        answer: str | None,
        words: str | None,
        case_id: int | None,
        ended: bool,
        at: datetime,
    ) -> None:
        row = await self.session.get(FollowUpRow, follow_up_id)
        if row is None:
            return
        if answer is not None and row.answer is None:
            row.answer, row.answered_at = answer, at
        if words:
            row.words = words if not row.words else f"{row.words}\n{words}"
        if case_id is not None and row.case_id is None:
            row.case_id = case_id
        if ended and row.ended_at is None:
            row.ended_at = at
        await self.session.flush()

    async def nudged(self, follow_up_id: int, at: datetime) -> None:
        await self.session.execute(
            sa.update(FollowUpRow).where(col(FollowUpRow.id) == follow_up_id).values(nudged_at=at)
        )

    async def save_answers(
        self,
        client_id: int,
        follow_up_id: int,
        instrument: str,
        answers: tuple[int, ...],
        raw: int | None,
        metric: float | None,
        complete: bool,
        at: datetime,
    ) -> None:
        stmt = select(ScoreRow).where(
            ScoreRow.follow_up_id == follow_up_id, ScoreRow.instrument == instrument
        )
        row = (await self.session.execute(stmt)).scalars().first()
        if row is None:
            row = ScoreRow(
                client_id=client_id,
                instrument=instrument,
                via="message",
                follow_up_id=follow_up_id,
                taken_at=at,
                created_at=at,
            )
            self.session.add(row)
        row.answers = json.dumps(list(answers))
        row.status = "complete" if complete else "incomplete"
        row.raw, row.metric = (raw, metric) if complete else (None, None)
        row.taken_at = at
        await self.session.flush()

    async def campaign(self, campaign_id: int) -> Campaign | None:
        row = await self.session.get(CampaignRow, campaign_id)
        if row is None:
            return None
        assert row.id is not None
        return Campaign(row.id, row.message, row.status)
