"""Practices, staff logins and API tokens."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import Role, StaffUser
from storage.db import rows_changed
from storage.tables import ApiTokenRow, PracticeRow, StaffSessionRow, StaffUserRow, UserPracticeRow

password_hasher = PasswordHasher()  # one set of argon2 parameters for every password


class StaffError(ValueError):
    """A staff or practice command cannot be done; the message says why."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_practice(
    session: AsyncSession, code: str, name: str, area: str | None
) -> tuple[PracticeRow, bool]:
    """Add a practice, or update the name and area of the one with that code.

    Returns the practice and whether it was new."""
    code, name = code.strip().upper(), name.strip()
    if not code or len(code) > 20:
        raise StaffError("a practice code is 1 to 20 characters")
    if not name:
        raise StaffError(f"practice {code} needs a name")
    existing = (
        (await session.execute(select(PracticeRow).where(PracticeRow.code == code)))
        .scalars()
        .first()
    )
    area = area.strip() if area and area.strip() else None
    if existing is not None:
        existing.name, existing.area = name, area
        await session.flush()
        return existing, False
    practice = PracticeRow(code=code, name=name, area=area)
    session.add(practice)
    await session.flush()
    return practice, True


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    updated: int
    problems: list[str]


async def import_practices(session: AsyncSession, text: str) -> ImportResult:
    """Import practices from CSV with the columns code, name and (optionally) area."""
    reader = csv.DictReader(io.StringIO(text))
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    if not {"code", "name"} <= columns:
        raise StaffError("the CSV needs a header row with the columns code, name and area")
    added = updated = 0
    problems: list[str] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "") for k, v in raw.items()}
        try:
            _, new = await add_practice(session, row["code"], row["name"], row.get("area"))
        except StaffError as exc:
            problems.append(f"row {line}: {exc}")
            continue
        added, updated = added + new, updated + (not new)
    return ImportResult(added, updated, problems)


async def practices_by_code(session: AsyncSession, codes: list[str]) -> list[PracticeRow]:
    wanted = {c.strip().upper() for c in codes}
    found = list(
        (
            await session.execute(select(PracticeRow).where(col(PracticeRow.code).in_(wanted)))
        ).scalars()
    )
    missing = wanted - {p.code for p in found}
    if missing:
        raise StaffError(f"no practice with the code {', '.join(sorted(missing))}")
    return found


async def add_user(
    session: AsyncSession,
    email: str,
    name: str,
    role: str,
    practice_codes: list[str],
    now: datetime,
    password: str | None = None,
) -> tuple[StaffUserRow, str]:
    """Create a staff login. Returns the row and its one-time password."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise StaffError(f"{email!r} is not an e-mail address")
    try:
        role = Role(role).value
    except ValueError:
        raise StaffError("the role is link_worker or admin") from None
    if not name.strip():
        raise StaffError("a user needs a name")
    if (await session.execute(select(StaffUserRow).where(StaffUserRow.email == email))).first():
        raise StaffError(f"there is already a user {email}")
    practices = await practices_by_code(session, practice_codes) if practice_codes else []
    if role == Role.LINK_WORKER and not practices:
        raise StaffError("a link worker needs at least one --practice")
    password = password or secrets.token_urlsafe(12)
    user = StaffUserRow(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=password_hasher.hash(password),
        must_change_password=True,
        created_at=now,
    )
    session.add(user)
    await session.flush()
    assert user.id is not None
    for practice in practices:
        assert practice.id is not None
        session.add(UserPracticeRow(user_id=user.id, practice_id=practice.id))
    await session.flush()
    return user, password


async def reset_password(session: AsyncSession, email: str) -> str:
    """A new one-time password: the account is unlocked and signed out everywhere."""
    user = await _user_by_email(session, email)
    password = secrets.token_urlsafe(12)
    user.password_hash, user.must_change_password = password_hasher.hash(password), True
    user.failed_logins, user.locked_until = 0, None
    assert user.id is not None
    await end_sessions(session, user.id)
    await session.flush()
    return password


async def _user_by_email(session: AsyncSession, email: str) -> StaffUserRow:
    user = (
        (
            await session.execute(
                select(StaffUserRow).where(StaffUserRow.email == email.strip().lower())
            )
        )
        .scalars()
        .first()
    )
    if user is None:
        raise StaffError(f"there is no user {email}")
    return user


async def find_user(session: AsyncSession, who: int | str) -> StaffUserRow:
    """A user by id (the admin pages) or by e-mail address (the command line)."""
    if isinstance(who, str):
        return await _user_by_email(session, who)
    user = await session.get(StaffUserRow, who)
    if user is None:
        raise StaffError("there is no such user")
    return user


async def end_sessions(session: AsyncSession, user_id: int) -> int:
    """Sign a user out of every browser; how many sessions ended."""
    done = await session.execute(
        sa.delete(StaffSessionRow).where(col(StaffSessionRow.user_id) == user_id)
    )
    return rows_changed(done)


async def revoke_tokens(session: AsyncSession, user_id: int) -> int:
    """Revoke every API token of a user; how many were still in use."""
    done = await session.execute(
        sa.update(ApiTokenRow)
        .where(col(ApiTokenRow.user_id) == user_id, col(ApiTokenRow.revoked).is_(False))
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(done)


async def disable_user(session: AsyncSession, user: StaffUserRow, now: datetime) -> int:
    """A leaver: no more sign-ins, every session ended and every token revoked (how many)."""
    assert user.id is not None
    if user.disabled_at is None:
        user.disabled_at = now
    await end_sessions(session, user.id)
    revoked = await revoke_tokens(session, user.id)
    await session.flush()
    return revoked


async def create_token(session: AsyncSession, email: str, now: datetime) -> str:
    """Make an API token for a user. Only its hash is stored; the token is shown once."""
    user = await _user_by_email(session, email)
    assert user.id is not None
    token = "lb_" + secrets.token_urlsafe(32)
    session.add(ApiTokenRow(user_id=user.id, token_hash=hash_token(token), created_at=now))
    await session.flush()
    return token


async def user_by_token(session: AsyncSession, token: str) -> StaffUser | None:
    row = (
        (
            await session.execute(
                select(StaffUserRow)
                .join(ApiTokenRow, col(ApiTokenRow.user_id) == col(StaffUserRow.id))
                .where(
                    ApiTokenRow.token_hash == hash_token(token),
                    col(ApiTokenRow.revoked).is_(False),
                    col(StaffUserRow.disabled_at).is_(None),
                )
            )
        )
        .scalars()
        .first()
    )
    if row is None:
        return None
    return await staff_user(session, row)


async def staff_user(session: AsyncSession, row: StaffUserRow) -> StaffUser:
    """The user as the rest of the code sees them: role and the practices they work for."""
    assert row.id is not None
    practice_ids = (
        await session.execute(
            select(UserPracticeRow.practice_id).where(UserPracticeRow.user_id == row.id)
        )
    ).scalars()
    return StaffUser(row.id, row.email, row.name, Role(row.role), frozenset(practice_ids))
