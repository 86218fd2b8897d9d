"""Staff sign-in for the web app: passwords, lock-out, sessions and the audit log.

A session is a random token in an HttpOnly cookie; only its SHA-256 is stored, beside the
CSRF token every form must post back. Sessions end after ``IDLE`` without use or ``LONGEST``
in all. ``MAX_FAILURES`` wrong passwords in a row lock the account for ``LOCKED_FOR``.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import StaffUser
from storage.audit import audit
from storage.staff import hash_token, password_hasher, staff_user
from storage.tables import StaffSessionRow, StaffUserRow

IDLE = timedelta(hours=8)
LONGEST = timedelta(hours=12)
MAX_FAILURES = 5
LOCKED_FOR = timedelta(minutes=15)
MIN_PASSWORD = 12


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the e-mail is unknown, so that a wrong address takes as long as a
    wrong password and gives away nobody's account. Made on first use, not at import: hashing
    is slow on purpose."""
    return password_hasher.hash(secrets.token_urlsafe(16))


class LoginProblem(enum.StrEnum):
    WRONG = "wrong"  # unknown e-mail or wrong password: the same to the person signing in
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class WebSession:
    user: StaffUser
    csrf: str
    must_change_password: bool


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # for the cookie; shown nowhere else
    session: WebSession


async def _matches(password_hash: str, password: str) -> bool:
    """argon2 is slow on purpose: it runs in a thread so the server keeps answering."""
    try:
        return await asyncio.to_thread(password_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def log_in(
    session: AsyncSession, email: str, password: str, now: datetime
) -> SignedIn | LoginProblem:
    row = (
        (
            await session.execute(
                select(StaffUserRow).where(StaffUserRow.email == email.strip().lower())
            )
        )
        .scalars()
        .first()
    )
    if row is None:
        await _matches(_dummy_hash(), password)
        await audit(session, None, "login_failed", None, now)
        return LoginProblem.WRONG
    if row.locked_until is not None and row.locked_until > now:
        await audit(session, row.id, "login_locked", None, now)
        return LoginProblem.LOCKED
    if not await _matches(row.password_hash, password):
        row.failed_logins += 1
        if row.failed_logins >= MAX_FAILURES:
            row.locked_until, row.failed_logins = now + LOCKED_FOR, 0
        await audit(session, row.id, "login_failed", None, now)
        await session.flush()
        return (
            LoginProblem.LOCKED
            if row.locked_until and row.locked_until > now
            else (LoginProblem.WRONG)
        )
    row.failed_logins, row.locked_until = 0, None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    assert row.id is not None
    session.add(
        StaffSessionRow(
            token_hash=hash_token(token),
            user_id=row.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
        )
    )
    await audit(session, row.id, "login", None, now)
    await session.flush()
    user = await staff_user(session, row)
    return SignedIn(token, WebSession(user, csrf, row.must_change_password))


async def session_for(session: AsyncSession, token: str, now: datetime) -> WebSession | None:
    """The signed-in user behind a cookie, or None when it is unknown or has expired."""
    found = (
        await session.execute(
            select(StaffSessionRow, StaffUserRow)
            .join(StaffUserRow, col(StaffUserRow.id) == col(StaffSessionRow.user_id))
            .where(StaffSessionRow.token_hash == hash_token(token))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if now - row.last_seen_at > IDLE or now - row.created_at > LONGEST:
        await session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # a write at most once a minute
        row.last_seen_at = now
    await session.flush()
    return WebSession(await staff_user(session, user), row.csrf_token, user.must_change_password)


async def log_out(session: AsyncSession, token: str, now: datetime) -> None:
    row = (
        (
            await session.execute(
                select(StaffSessionRow).where(StaffSessionRow.token_hash == hash_token(token))
            )
        )
        .scalars()
        .first()
    )
    if row is not None:
        await audit(session, row.user_id, "logout", None, now)
        await session.delete(row)
        await session.flush()


async def change_password(
    session: AsyncSession,
    user_id: int,
    current: str,
    new: str,
    keep_token: str,
    now: datetime,
) -> str | None:
    """Set a new password; returns what is wrong, or None. Other sessions are signed out."""
    row = await session.get(StaffUserRow, user_id)
    if row is None:
        return "Your account no longer exists."
    if not await _matches(row.password_hash, current):
        return "Your current password is not right."
    if len(new) < MIN_PASSWORD:
        return f"Please choose a password of at least {MIN_PASSWORD} characters."
    if new == current:
        return "Please choose a password different from the one you were given."
    new_hash = await asyncio.to_thread(password_hasher.hash, new)
    row.password_hash, row.must_change_password = new_hash, False
    await session.execute(
        sa.delete(StaffSessionRow).where(
            col(StaffSessionRow.user_id) == user_id,
            col(StaffSessionRow.token_hash) != hash_token(keep_token),
        )
    )
    await audit(session, user_id, "password_changed", None, now)
    await session.flush()
    return None
