"""Passwords: checked and made with argon2, slow on purpose, off the event loop and never
inside a transaction, and changed by their owner."""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col

from storage.audit import audit
from storage.db import Database, rows_changed
from storage.staff import hash_token, password_hasher
from storage.tables import StaffSessionRow, StaffUserRow

MIN_PASSWORD = 12
T = TypeVar("T")


@functools.cache
def dummy_hash() -> str:
    """Checked against when the e-mail is unknown (or the account cannot sign in), so that a
    wrong address takes as long as a wrong password and gives away nobody's account. Made on
    first use, not at import: hashing is slow on purpose."""
    return password_hasher.hash(secrets.token_urlsafe(16))


# argon2 is slow on purpose and uses every core it is given: at most this many passwords are
# checked at once, each in a thread of its own, so a flood of sign-ins queues here and leaves
# the event loop (webhooks, pages) time to run.
PASSWORD_CHECKS_AT_ONCE = 2
_password_threads = ThreadPoolExecutor(PASSWORD_CHECKS_AT_ONCE, thread_name_prefix="argon2")


async def _argon2(work: Callable[..., T], *args: str) -> T:
    return await asyncio.get_running_loop().run_in_executor(_password_threads, work, *args)


async def matches(password_hash: str, password: str) -> bool:
    """Whether the password is right, checked off the event loop."""
    try:
        return await _argon2(password_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def change_password(
    db: Database,
    user_id: int,
    current: str,
    new: str,
    keep_token: str,
    now: datetime,
) -> str | None:
    """Set a new password; returns what is wrong, or None. Other sessions are signed out.
    As at sign-in, no transaction is open while argon2 works."""
    async with db.read() as session:
        row = await session.get(StaffUserRow, user_id)
    if row is None:
        return "Your account no longer exists."
    if not await matches(row.password_hash, current):
        return "Your current password is not right."
    if len(new) < MIN_PASSWORD:
        return f"Please choose a password of at least {MIN_PASSWORD} characters."
    if new == current:
        return "Please choose a password different from the one you were given."
    new_hash = await _argon2(password_hasher.hash, new)
    async with db.write() as session:
        changed = await session.execute(
            sa.update(StaffUserRow)
            .where(
                col(StaffUserRow.id) == user_id,
                col(StaffUserRow.password_hash) == row.password_hash,
            )
            .values(password_hash=new_hash, must_change_password=False)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(changed) == 0:
            return "Your password was changed meanwhile. Please sign in again."
        await session.execute(
            sa.delete(StaffSessionRow).where(
                col(StaffSessionRow.user_id) == user_id,
                col(StaffSessionRow.token_hash) != hash_token(keep_token),
            )
        )
        await audit(session, user_id, "password_changed", None, now)
    return None
