"""The audit log: who did what, when. Sign-ins, every view of a client record, searches (how,
never what), exports and every change each write a row here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import AuditRow


async def audit(
    session: AsyncSession, user_id: int | None, action: str, subject: str | None, at: datetime
) -> None:
    session.add(AuditRow(user_id=user_id, action=action, subject=subject, at=at))
