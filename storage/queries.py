"""Read-side queries for the API and the staff web app: the queue, searches, names and codes
for ids, the staff and the audit log. One client's whole record is ``storage.records``."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import StaffUser
from storage.access import of_visible_client, visible_clients
from storage.tables import (
    AuditRow,
    CaseRow,
    ClientRow,
    MessageRow,
    PracticeRow,
    ReferralRow,
    StaffUserRow,
    UserPracticeRow,
    UTCDateTime,
)


class BadCursor(ValueError):
    pass


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError):
        raise BadCursor(cursor) from None
    if not isinstance(values, list):
        raise BadCursor(cursor)
    return values


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    next: str | None


async def list_cases(
    session: AsyncSession, user: StaffUser, status: str, limit: int, cursor: str | None
) -> Page:
    """Cases by priority, then oldest first, a page at a time (keyset pagination)."""
    stmt = select(CaseRow).where(
        CaseRow.status == status, of_visible_client(user, col(CaseRow.client_id))
    )
    if cursor:
        values = decode_cursor(cursor)
        try:
            rank, last_id = int(values[0]), int(values[2])
            created = datetime.fromisoformat(values[1])
        except (IndexError, TypeError, ValueError):
            raise BadCursor(cursor) from None
        key = sa.tuple_(col(CaseRow.priority_rank), col(CaseRow.created_at), col(CaseRow.id))
        after = sa.tuple_(sa.literal(rank), sa.literal(created, UTCDateTime()), sa.literal(last_id))
        stmt = stmt.where(key > after)
    stmt = stmt.order_by(
        col(CaseRow.priority_rank), col(CaseRow.created_at), col(CaseRow.id)
    ).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor([last.priority_rank, last.created_at.isoformat(), last.id])
    return Page(rows, next_cursor)


async def find_clients(
    session: AsyncSession, user: StaffUser, *, phone: str | None, telegram_chat_id: str | None
) -> list[ClientRow]:
    stmt = select(ClientRow).where(visible_clients(user))
    if phone is not None:
        stmt = stmt.where(ClientRow.phone == phone)
    if telegram_chat_id is not None:
        stmt = stmt.where(ClientRow.telegram_chat_id == telegram_chat_id)
    return list((await session.execute(stmt.order_by(col(ClientRow.id)).limit(1))).scalars())


async def referrals_for_cases(session: AsyncSession, case_ids: set[int]) -> dict[int, ReferralRow]:
    """The referral behind each case, where a case came from one."""
    if not case_ids:
        return {}
    stmt = select(ReferralRow).where(col(ReferralRow.case_id).in_(case_ids))
    return {row.case_id: row for row in (await session.execute(stmt)).scalars() if row.case_id}


async def practice_codes(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(PracticeRow.id, PracticeRow.code).where(col(PracticeRow.id).in_(ids))
    )
    return {pid: code for pid, code in rows.all() if pid is not None}


async def user_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffUserRow.id, StaffUserRow.name).where(col(StaffUserRow.id).in_(ids))
    )
    return {uid: name for uid, name in rows.all() if uid is not None}


async def queue_state(session: AsyncSession, user: StaffUser) -> tuple[int, int, int, int]:
    """What the queue page shows, in brief: open cases, a fingerprint of their assignments, the
    latest message from a client in them and how many have had the duty contact alerted. A
    change in any means the page is out of date."""
    seen = of_visible_client(user, col(CaseRow.client_id))
    alerted = sa.case((col(CaseRow.duty_alerted_at).is_not(None), col(CaseRow.id)))
    count, assigned, latest, duty = (
        await session.execute(
            sa.select(
                sa.func.count(sa.distinct(col(CaseRow.id))),
                sa.func.coalesce(sa.func.sum(col(CaseRow.assigned_to)), 0),
                sa.func.coalesce(sa.func.max(col(MessageRow.id)), 0),
                sa.func.count(sa.distinct(alerted)),
            )
            .select_from(CaseRow)
            .outerjoin(
                MessageRow,
                sa.and_(
                    col(MessageRow.case_id) == col(CaseRow.id), col(MessageRow.direction) == "in"
                ),
            )
            .where(col(CaseRow.status) == "open", seen)
        )
    ).one()
    return int(count or 0), int(assigned or 0), int(latest or 0), int(duty or 0)


SEARCH_LIMIT = 50


async def search_clients(
    session: AsyncSession,
    user: StaffUser,
    *,
    name: str | None = None,
    phone: str | None = None,
    date_of_birth: str | None = None,
    reference: str | None = None,
) -> list[ClientRow]:
    """Clients the user may see matching any of the terms given: part of a name (any case), a
    phone number in E.164, a date of birth (YYYY-MM-DD) or a referral reference."""
    terms: list[sa.ColumnElement[bool]] = []
    if name:
        pattern = (
            "%" + name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        terms.append(sa.func.lower(col(ClientRow.name)).like(pattern, escape="\\"))
    if phone:
        terms.append(col(ClientRow.phone) == phone)
    if date_of_birth:
        terms.append(col(ClientRow.date_of_birth) == date_of_birth)
    if reference:
        terms.append(
            col(ClientRow.id).in_(
                select(ReferralRow.client_id).where(ReferralRow.reference == reference.upper())
            )
        )
    if not terms:
        return []
    stmt = (
        select(ClientRow)
        .where(sa.or_(*terms), visible_clients(user))
        .order_by(col(ClientRow.name), col(ClientRow.id))
        .limit(SEARCH_LIMIT)
    )
    return list((await session.execute(stmt)).scalars())


async def open_cases_of(session: AsyncSession, client_ids: set[int]) -> dict[int, CaseRow]:
    """Each client's most urgent open case, if they have one."""
    if not client_ids:
        return {}
    stmt = (
        select(CaseRow)
        .where(col(CaseRow.client_id).in_(client_ids), col(CaseRow.status) == "open")
        .order_by(col(CaseRow.priority_rank).desc(), col(CaseRow.id).desc())
    )
    return {row.client_id: row for row in (await session.execute(stmt)).scalars()}


async def all_practices(session: AsyncSession) -> list[PracticeRow]:
    return list(
        (await session.execute(select(PracticeRow).order_by(col(PracticeRow.code)))).scalars()
    )


AUDIT_PAGE = 100


async def audit_page(
    session: AsyncSession, *, before: int | None, user_id: int | None, action: str, subject: str
) -> Page:
    """The audit log, newest first, a page at a time; ``next`` is the id to go on before."""
    stmt = select(AuditRow).order_by(col(AuditRow.id).desc()).limit(AUDIT_PAGE + 1)
    if before is not None:
        stmt = stmt.where(col(AuditRow.id) < before)
    if user_id is not None:
        stmt = stmt.where(AuditRow.user_id == user_id)
    if action:
        stmt = stmt.where(col(AuditRow.action).startswith(action, autoescape=True))
    if subject:
        stmt = stmt.where(AuditRow.subject == subject)
    rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    return Page(rows, str(rows[-1].id) if more else None)


async def all_staff(session: AsyncSession) -> list[tuple[StaffUserRow, list[str]]]:
    """Every staff user with the codes of their practices."""
    users = list(
        (
            await session.execute(
                select(StaffUserRow).order_by(col(StaffUserRow.name), col(StaffUserRow.id))
            )
        ).scalars()
    )
    links = (
        await session.execute(
            select(UserPracticeRow.user_id, PracticeRow.code).join(
                PracticeRow, col(PracticeRow.id) == col(UserPracticeRow.practice_id)
            )
        )
    ).all()
    codes: dict[int, list[str]] = {}
    for user_id, code in links:
        codes.setdefault(user_id, []).append(code)
    return [(u, sorted(codes.get(u.id or 0, []))) for u in users]


async def client_names(
    session: AsyncSession, ids: set[int]
) -> dict[int, tuple[str | None, int | None]]:
    """Each client's name and practice."""
    if not ids:
        return {}
    rows = await session.execute(
        select(ClientRow.id, ClientRow.name, ClientRow.practice_id).where(
            col(ClientRow.id).in_(ids)
        )
    )
    return {cid: (name, practice) for cid, name, practice in rows.all() if cid is not None}
