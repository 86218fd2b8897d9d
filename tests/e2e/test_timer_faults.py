"""Timers through database faults: a passing one (a lock, a deadlock) is tried again later and
fires once; a fault in the work marks the timer failed while the others fire; a retried
reminder is never sent after its session has started; and a timer falling due while a
message from the same person is being handled waits its turn instead of deadlocking.

Faults come from the edge only: triggers in the database and locks held by another
connection. Transactions are lined up by locks, never by sleeping; the clock is the fake one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from bot.actions.timers import fire_due
from flows import texts
from storage import db as storage_db
from testkit.reminders import seed_due_reminders
from tests.conftest import Bot

POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PHONE = "+447700900123"
REMINDER = "a reminder of your session"


async def _sql(bot: Bot, *statements: str) -> None:
    async with bot.services.db.write() as session:
        for statement in statements:
            await session.execute(sa.text(statement))


async def _timers(bot: Bot) -> list[dict[str, Any]]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            sa.text("SELECT id, kind, status, attempts, error, due_at FROM timer ORDER BY id")
        )
        return [dict(row._mapping) for row in rows]


def _at(value: Any) -> datetime:
    """A timestamp as read back by plain SQL (SQLite gives text, without a zone)."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _reminders(bot: Bot, to: str) -> list[str]:
    return [text for text in bot.twilio.to(to) if REMINDER in text]


async def _refuse_messages_for(bot: Bot, client_number: str) -> None:
    """Every new message row for this one client fails with an error in the work (not one
    that passes), until the fault table is emptied."""
    await _sql(bot, "CREATE TABLE test_fault (client_id INTEGER NOT NULL)")
    async with bot.services.db.write() as session:
        await session.execute(
            sa.text("INSERT INTO test_fault SELECT id FROM client WHERE phone = :phone"),
            {"phone": client_number},
        )
    if bot.services.db.is_sqlite:
        await _sql(
            bot,
            "CREATE TRIGGER test_refuse BEFORE INSERT ON message "
            "WHEN EXISTS (SELECT 1 FROM test_fault WHERE client_id = NEW.client_id) "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        )
        return
    await _sql(
        bot,
        "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM test_fault WHERE client_id = NEW.client_id) THEN "
        "RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER test_refuse BEFORE INSERT ON message "
        "FOR EACH ROW EXECUTE FUNCTION test_refuse()",
    )


async def _deadlock_on_messages(bot: Bot, *, times: int | None) -> None:
    """New message rows fail with PostgreSQL's deadlock error (40P01): the first ``times``
    (a sequence counts them, as it keeps counting when the transaction rolls back), or every
    one while ``test_fault`` holds a row (``times=None``)."""
    armed = "EXISTS (SELECT 1 FROM test_fault)"
    if times is not None:
        armed = f"nextval('test_fault_seq') <= {times}"
    await _sql(
        bot,
        "CREATE SEQUENCE test_fault_seq",
        "CREATE TABLE test_fault (armed boolean)",
        "INSERT INTO test_fault VALUES (true)",
        "CREATE FUNCTION test_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF {armed} THEN RAISE EXCEPTION 'deadlock detected (test)' USING ERRCODE = '40P01'; "
        "END IF; RETURN NEW; END $$",
        "CREATE TRIGGER test_deadlock BEFORE INSERT ON message "
        "FOR EACH ROW EXECUTE FUNCTION test_deadlock()",
    )


@POSTGRES
async def test_a_deadlock_while_firing_leaves_the_timer_pending_and_it_fires_once_later(
    bot: Bot,
) -> None:
    [to] = await seed_due_reminders(bot.services.db, 1, bot.clock.now())
    await _deadlock_on_messages(bot, times=1)
    assert await fire_due(bot.services) == 0
    await bot.services.outbox.send_due()
    assert bot.twilio.sent == []
    [timer] = await _timers(bot)
    assert (timer["status"], timer["attempts"]) == ("pending", 1)
    assert "40P01" in timer["error"] and "test" not in timer["error"]
    assert _at(timer["due_at"]) == bot.clock.now() + timedelta(seconds=5)

    assert await fire_due(bot.services) == 0  # not due again yet
    bot.clock.advance(timedelta(seconds=5))
    assert await fire_due(bot.services) == 1
    await bot.services.outbox.send_due()
    assert len(_reminders(bot, to)) == 1 and len(bot.twilio.sent) == 1
    [timer] = await _timers(bot)
    assert (timer["status"], timer["attempts"]) == ("done", 1)  # the try it needed is kept


@POSTGRES
async def test_a_reminder_retried_until_its_session_has_started_is_never_sent(bot: Bot) -> None:
    """The session is in an hour; the database keeps failing the reminder with a deadlock.
    Tries come 5 s apart, doubling, then every 5 minutes; once the session has started the
    reminder is dropped, fault or no fault."""
    start = bot.clock.now() + timedelta(hours=1)
    [to] = await seed_due_reminders(bot.services.db, 1, bot.clock.now())
    await _deadlock_on_messages(bot, times=None)
    gaps = []
    while bot.clock.now() < start:
        assert await fire_due(bot.services) == 0
        [timer] = await _timers(bot)
        assert timer["status"] == "pending" and timer["attempts"] == len(gaps) + 1
        gaps.append((_at(timer["due_at"]) - bot.clock.now()).total_seconds())
        bot.clock.set(_at(timer["due_at"]))
    assert gaps[:8] == [5, 10, 20, 40, 80, 160, 300, 300] and set(gaps[6:]) == {300}
    assert await fire_due(bot.services) == 1  # handled: too late, so dropped
    await _sql(bot, "DELETE FROM test_fault")  # the database is well again
    bot.clock.advance(timedelta(minutes=10))
    assert await fire_due(bot.services) == 0
    await bot.services.outbox.send_due()
    assert _reminders(bot, to) == [] and bot.twilio.sent == []
    [timer] = await _timers(bot)
    assert (timer["status"], timer["attempts"]) == ("dropped", len(gaps))


async def test_a_fault_in_the_work_fails_that_timer_and_the_others_fire(bot: Bot) -> None:
    numbers = await seed_due_reminders(bot.services.db, 3, bot.clock.now())
    await _refuse_messages_for(bot, numbers[1])
    assert await fire_due(bot.services) == 2
    await bot.services.outbox.send_due()
    assert [len(_reminders(bot, n)) for n in numbers] == [1, 0, 1]
    timers = await _timers(bot)
    assert [t["status"] for t in timers] == ["done", "failed", "done"]
    failed = timers[1]
    assert failed["attempts"] == 0 and failed["error"]
    assert "refused" not in failed["error"] and numbers[1][1:] not in failed["error"]
    error = "IntegrityError" if bot.services.db.is_sqlite else "P0001"
    assert error in failed["error"]
    bot.clock.advance(timedelta(minutes=10))
    assert await fire_due(bot.services) == 0  # failed for good: never tried again
    assert len(bot.twilio.sent) == 2


@SQLITE
async def test_sqlite_locked_past_the_busy_timeout_fires_nothing_then_everything_once(
    make_bot: Callable[..., Awaitable[Bot]],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process holds SQLite's write lock for longer than the bot will wait: the tick
    gives up, losing nothing; once the lock is let go the next tick fires every timer once."""
    monkeypatch.setattr(storage_db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    bot = await make_bot()
    numbers = await seed_due_reminders(bot.services.db, 2, bot.clock.now())
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        assert await fire_due(bot.services) == 0
        other.execute("ROLLBACK")
    finally:
        other.close()
    timers = await _timers(bot)
    assert [(t["status"], t["attempts"]) for t in timers] == [("pending", 0), ("pending", 0)]
    assert await fire_due(bot.services) == 2
    await bot.services.outbox.send_due()
    assert [len(_reminders(bot, n)) for n in numbers] == [1, 1]
    assert await fire_due(bot.services) == 0


async def _blocked(conn: asyncpg.Connection, waiting: int, *, or_done: asyncio.Task[Any]) -> None:
    """Until ``waiting`` transactions of this database wait for a lock (or the task ends)."""
    for _ in range(2000):  # about twenty seconds
        count = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if count >= waiting or or_done.done():
            return
        await asyncio.sleep(0.01)  # polling for the lock, not timing anything
    raise AssertionError(f"{waiting} transactions never came to wait for a lock")


@POSTGRES
async def test_a_timer_and_a_message_for_the_same_person_do_not_deadlock(
    make_bot: Callable[..., Awaitable[Bot]], database_url: str
) -> None:
    """The interleaving that deadlocked: a person answers a question of their self-referral
    (their client row locked, the referral saved, then their nudge timer moved) just as that
    nudge and a session reminder fall due (the timer locked, then the client). Another
    connection holds the referral row, so the message stops with the client locked; then the
    timers fire; then the referral row is let go.

    Now firing locks the client first, so it passes the busy person over instead of waiting
    for them; the message finishes and replies; the next tick sends the reminder. The nudge,
    moved by the answer, is not sent; nothing fails."""
    bot = await make_bot()
    await bot.add_practice("P92001", "Pemberton Surgery")
    for said in ("Hello", "1", "yes", "Ann", "14/3/52"):
        await bot.text(PHONE, said)
    assert "Which GP" in bot.twilio.to(PHONE)[-1]
    token = await bot.staff_token()
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{PHONE[1:]}", token)
    client_id = int(found["items"][0]["id"])
    starts_at = bot.clock.now() + timedelta(days=6, hours=4)  # Monday 30 November, 14:00
    status, made = await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": str(client_id),
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 45,
            "location": "Pemberton Library",
            "worker": "Sam Jones",
        },
    )
    assert status == 201, made
    await bot.services.outbox.send_due()
    first_reminder = min(_at(r["at"]) for r in made["reminders"])
    nudge_due = bot.clock.now() + timedelta(days=3)
    bot.clock.set(max(first_reminder, nudge_due) + timedelta(minutes=1))
    assert bot.clock.now() < starts_at
    before = len(bot.twilio.to(PHONE))

    holder = await asyncpg.connect(database_url)
    watcher = await asyncpg.connect(database_url)
    try:
        held = holder.transaction()
        await held.start()
        await holder.execute("SELECT id FROM referral WHERE client_id = $1 FOR UPDATE", client_id)
        message = asyncio.create_task(bot.text(PHONE, "Pemberton"))
        await _blocked(watcher, 1, or_done=message)
        assert not message.done()  # it holds the client and waits for the referral row
        firing = asyncio.create_task(fire_due(bot.services))
        await _blocked(watcher, 2, or_done=firing)
        await held.rollback()
        fired = await asyncio.wait_for(firing, 30)
        await asyncio.wait_for(message, 30)
    finally:
        await holder.close()
        await watcher.close()
    assert fired == 0  # the person's message had the client: their timers waited their turn
    assert "help with" in bot.twilio.to(PHONE)[before]  # the message's own reply

    assert await fire_due(bot.services) == 1
    await bot.services.outbox.send_due()
    assert len(_reminders(bot, PHONE)) == 1
    assert texts.SR_NUDGE.format(service=bot.services.settings.service_name) not in (
        bot.twilio.to(PHONE)
    )
    timers = await _timers(bot)
    assert not [t for t in timers if t["status"] == "failed" or t["attempts"]]
    [nudge] = [t for t in timers if t["kind"] == "referral_nudge"]
    assert nudge["status"] == "pending"  # moved on by the answer, three days from it
    assert _at(nudge["due_at"]) > bot.clock.now() + timedelta(days=2)
