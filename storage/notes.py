"""Link workers' internal notes on clients, and the saved replies they start from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables import CaseNoteRow, ReplyTemplateRow

MAX_NOTE = 4000
MAX_TITLE = 80
MAX_TEMPLATE = 1600


async def add_note(
    session: AsyncSession,
    client_id: int,
    case_id: int | None,
    author_id: int,
    text: str,
    now: datetime,
) -> CaseNoteRow:
    row = CaseNoteRow(
        client_id=client_id, case_id=case_id, author_id=author_id, text=text, created_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def templates(session: AsyncSession) -> list[ReplyTemplateRow]:
    stmt = select(ReplyTemplateRow).order_by(col(ReplyTemplateRow.title))
    return list((await session.execute(stmt)).scalars())


async def save_template(
    session: AsyncSession, template_id: int | None, title: str, text: str, now: datetime
) -> str | None:
    """Add a saved reply, or change one; returns a problem to show, or None."""
    clash = (
        (await session.execute(select(ReplyTemplateRow).where(ReplyTemplateRow.title == title)))
        .scalars()
        .first()
    )
    if clash is not None and clash.id != template_id:
        return f"There is already a saved reply called {title!r}."
    if template_id is None:
        session.add(ReplyTemplateRow(title=title, text=text, created_at=now))
    else:
        row = await session.get(ReplyTemplateRow, template_id)
        if row is None:
            return "That saved reply no longer exists."
        row.title, row.text = title, text
    await session.flush()
    return None


async def delete_template(session: AsyncSession, template_id: int) -> None:
    row = await session.get(ReplyTemplateRow, template_id)
    if row is not None:
        await session.delete(row)
        await session.flush()
