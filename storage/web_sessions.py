"""Staff sign-in for the web app: lock-out, sessions and the audit log.

A session is a random token in an HttpOnly cookie; only its SHA-256 is stored, beside the
CSRF token every form must post back. Sessions end after ``IDLE`` without use or ``LONGEST``
in all, when the user is disabled, and on a password reset.

A password is checked (``storage.passwords``) never inside a transaction: the hash is read in a
short read, checked, and the outcome written in a short write. Failures are counted in SQL,
atomically, so concurrent guesses cannot get past a limit: ``MAX_FAILURES`` wrong passwords in a
row lock the account for ``LOCKED_FOR``, and ``ADDRESS_MAX_FAILURES`` failed sign-ins from one
address within ``ADDRESS_WINDOW`` (to any account, known or not) lock that address for
``LOCKED_FOR``.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.model import StaffUser
from storage import passwords
from storage.audit import audit
from storage.db import Database, upsert
from storage.staff import hash_token, staff_user
from storage.tables import LoginThrottleRow, StaffSessionRow, StaffUserRow, UTCDateTime

IDLE = timedelta(hours=8)
LONGEST = timedelta(hours=12)
MAX_FAILURES = 5  # wrong passwords in a row for one account
ADDRESS_MAX_FAILURES = 20  # failed sign-ins from one address ...
ADDRESS_WINDOW = timedelta(minutes=15)  # ... within this long
LOCKED_FOR = timedelta(minutes=15)  # an account or an address, once past its limit


class LoginProblem(enum.StrEnum):
    WRONG = "wrong"  # unknown e-mail or wrong password: the same to the person signing in
    LOCKED = "locked"  # too many failures, for the account or the address


@dataclass(frozen=True, slots=True)
class WebSession:
    user: StaffUser
    csrf: str
    must_change_password: bool


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # for the cookie; shown nowhere else
    session: WebSession


def _time(value: datetime) -> Any:
    return sa.literal(value, UTCDateTime)


def _unlocked(now: datetime) -> Any:
    locked_until = col(StaffUserRow.locked_until)
    return sa.or_(locked_until.is_(None), locked_until <= now)


async def log_in(
    db: Database, email: str, password: str, address: str, now: datetime
) -> SignedIn | LoginProblem:
    """Sign in from ``address`` (the client's IP). No transaction is open while the password
    is checked."""
    email, address = email.strip().lower(), address[:100]
    async with db.read() as session:
        row = (
            (await session.execute(select(StaffUserRow).where(StaffUserRow.email == email)))
            .scalars()
            .first()
        )
        held = await session.get(LoginThrottleRow, address)
    if held is not None and held.locked_until is not None and held.locked_until > now:
        return LoginProblem.LOCKED  # refused before any password is checked: nothing to learn
    usable = (
        row is not None
        and row.disabled_at is None
        and (row.locked_until is None or row.locked_until <= now)
    )
    checked_hash = row.password_hash if usable and row is not None else passwords.dummy_hash()
    if await passwords.matches(checked_hash, password) and usable and row is not None:
        signed = await _start_session(db, row, checked_hash, address, now)
        # None: locked or disabled while the password was being checked.
        return signed if signed is not None else LoginProblem.LOCKED
    async with db.write() as session:
        return await _failed(session, row, address, now)


async def _start_session(
    db: Database, row: StaffUserRow, checked_hash: str, address: str, now: datetime
) -> SignedIn | None:
    """The session for a right password, unless a lock or a change got there first."""
    async with db.write() as session:
        held = (
            await session.execute(
                select(LoginThrottleRow.locked_until)
                .where(LoginThrottleRow.address == address)
                .with_for_update()
            )
        ).scalar_one_or_none()
        if held is not None and held > now:
            return None
        cleared = (
            await session.execute(
                sa.update(StaffUserRow)
                .where(
                    col(StaffUserRow.id) == row.id,
                    col(StaffUserRow.password_hash) == checked_hash,
                    col(StaffUserRow.disabled_at).is_(None),
                    _unlocked(now),
                )
                .values(failed_logins=0, locked_until=None)
                .returning(col(StaffUserRow.must_change_password))
                .execution_options(synchronize_session=False)
            )
        ).first()
        if cleared is None:
            return None
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
    return SignedIn(token, WebSession(user, csrf, bool(cleared[0])))


async def _failed(
    session: AsyncSession, row: StaffUserRow | None, address: str, now: datetime
) -> LoginProblem:
    """Count a failed sign-in against the address and, for an account that can sign in and
    is not locked, against the account: both as one statement each, so none is lost."""
    address_locked = await _count_address(session, address, now)
    account_locked, can_sign_in = False, row is not None and row.disabled_at is None
    if can_sign_in and row is not None:
        failures = col(StaffUserRow.failed_logins) + 1
        reached = failures >= MAX_FAILURES
        counted = (
            await session.execute(
                sa.update(StaffUserRow)
                .where(col(StaffUserRow.id) == row.id, _unlocked(now))
                .values(
                    failed_logins=sa.case((reached, 0), else_=failures),
                    locked_until=sa.case((reached, _time(now + LOCKED_FOR)), else_=None),
                )
                .returning(col(StaffUserRow.locked_until))
                .execution_options(synchronize_session=False)
            )
        ).first()
        # Nothing counted: the account was locked already (perhaps by a concurrent guess).
        account_locked = counted is None or counted[0] is not None
        action = "login_locked" if counted is None else "login_failed"
    else:
        action = "login_failed"
    await audit(session, row.id if row else None, action, None, now)
    return LoginProblem.LOCKED if address_locked or account_locked else LoginProblem.WRONG


async def _count_address(session: AsyncSession, address: str, now: datetime) -> bool:
    """One more failure from ``address``, in a window of ``ADDRESS_WINDOW`` begun by the first;
    whether the address is now locked."""
    table: Any = sa.inspect(LoginThrottleRow).local_table
    new_window = table.c.window_started_at <= now - ADDRESS_WINDOW
    failures = sa.case((new_window, 1), else_=table.c.failures + 1)
    statement = (
        upsert(session, table)
        .values(address=address, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[table.c.address],
            set_={
                "failures": failures,
                "window_started_at": sa.case(
                    (new_window, _time(now)), else_=table.c.window_started_at
                ),
                "locked_until": sa.case(
                    (failures >= ADDRESS_MAX_FAILURES, _time(now + LOCKED_FOR)),
                    else_=table.c.locked_until,
                ),
            },
        )
        .returning(table.c.failures, table.c.locked_until)
    )
    locked_until = (await session.execute(statement)).one()[1]
    return locked_until is not None and locked_until > now


def _alive(row: StaffSessionRow, user: StaffUserRow, now: datetime) -> bool:
    """Whether a session still stands: used recently enough, not too old, its user enabled."""
    return (
        user.disabled_at is None
        and now - row.last_seen_at <= IDLE
        and now - row.created_at <= LONGEST
    )


async def _session_and_user(
    session: AsyncSession, token: str
) -> tuple[StaffSessionRow, StaffUserRow] | None:
    found = (
        await session.execute(
            select(StaffSessionRow, StaffUserRow)
            .join(StaffUserRow, col(StaffUserRow.id) == col(StaffSessionRow.user_id))
            .where(StaffSessionRow.token_hash == hash_token(token))
        )
    ).first()
    return None if found is None else (found[0], found[1])


async def session_for(db: Database, token: str, now: datetime) -> WebSession | None:
    """The signed-in user behind a cookie, or None when it is unknown, has expired or its user
    is disabled. Only reads, but for noting the use at most once a minute or removing an
    ended session."""
    async with db.read() as session:
        found = await _session_and_user(session, token)
        if found is None:
            return None
        row, user = found
        alive = _alive(row, user, now)
        web = WebSession(await staff_user(session, user), row.csrf_token, user.must_change_password)
    if alive and now - row.last_seen_at <= timedelta(minutes=1):
        return web
    async with db.write() as session:
        if not alive:
            await session.execute(
                sa.delete(StaffSessionRow).where(col(StaffSessionRow.id) == row.id)
            )
            return None
        await session.execute(
            sa.update(StaffSessionRow)
            .where(col(StaffSessionRow.id) == row.id)
            .values(last_seen_at=now)
        )
    return web


async def still_signed_in(session: AsyncSession, token: str, now: datetime) -> bool:
    """Whether the session behind a cookie still stands, reading only (for an open stream)."""
    found = await _session_and_user(session, token)
    return found is not None and _alive(found[0], found[1], now)


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
