"""Killing the server between writing a reply and sending it loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlmodel import select

from bot.bootstrap import build
from flows import texts
from storage.tables import MessageRow
from testkit.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    sign,
)
from tests.conftest import PUBLIC_BASE_URL, Bot, settings_for
from tests.support.delivery import claim_as

PHONE = "+447700900123"


async def test_reply_written_before_a_crash_is_sent_after_restart(
    bot: Bot, database_url: str
) -> None:
    """The reply is a row before it is a send: a new process finds it and sends it."""
    response = await bot.webhooks.sms(PHONE, "Hello")
    assert response.status == 200
    await bot.services.close()  # the process goes away without sending anything

    again = build(settings_for(database_url, bot.twilio), clock=bot.clock)
    try:
        await again.outbox.send_due()
    finally:
        await again.close()
    assert bot.twilio.to(PHONE) == [texts.welcome(bot.services.settings.service)]


async def test_a_send_claimed_by_a_process_that_died_is_taken_over_after_its_lease(
    bot: Bot, database_url: str
) -> None:
    """A claim left by a dead sender expires, and another sender sends the message."""
    await bot.webhooks.sms(PHONE, "Hello")
    taken = await claim_as(bot, "a sender that dies")
    assert len(taken) == 1
    await bot.services.outbox.send_due()  # still leased: not sent twice
    assert bot.twilio.sent == []
    bot.clock.advance(timedelta(seconds=61))
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE) == [texts.welcome(bot.services.settings.service)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start_server(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: ASYNC220  (returns at once; the wait below is async)
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{env['LINKBOT_PORT']}/healthz"
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                raise AssertionError(f"linkbot serve stopped: {output}")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("linkbot serve did not answer within 30 seconds")


async def test_kill_9_between_writing_and_sending_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    """A real `linkbot serve` is killed while Twilio is out of reach; after a restart the
    waiting reply goes out."""
    twilio_port, port = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "LINKBOT_"))},
        "DATABASE_URL": database_url,
        "LINKBOT_PORT": str(port),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM_NUMBER,
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{twilio_port}",  # nothing listens yet
    }
    process = await _start_server(env, tmp_path)
    try:
        params = {"MessageSid": "SM" + "c" * 32, "From": PHONE, "To": FROM_NUMBER, "Body": "Hello"}
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + "/sms/inbound", params)}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/sms/inbound", data=params, headers=headers
            ) as response,
        ):
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    from storage.db import Database

    db = Database(database_url)
    async with db.read() as session:
        [reply] = (
            await session.execute(select(MessageRow).where(MessageRow.direction == "out"))
        ).scalars()
    await db.dispose()
    assert reply.status in ("pending", "sending") and reply.sent_at is None

    fake = FakeTwilio()
    await fake.start(twilio_port)
    process = await _start_server(env, tmp_path)
    try:
        for _ in range(300):  # the first retry is due five seconds after the failed try
            if fake.sent:
                break
            await asyncio.sleep(0.1)
        assert [m.to for m in fake.sent] == [PHONE]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        await fake.stop()


async def test_kill_9_mid_send_loses_no_reminder(database_url: str, tmp_path: Path) -> None:
    """A real `linkbot serve` is killed while sending due reminders; after a restart every
    reminder has gone, and only the ones in flight at the kill can have gone twice."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from storage.db import Database
    from testkit.reminders import seed_due_reminders

    db = Database(database_url)
    numbers = await seed_due_reminders(db, 60, datetime.now(UTC))
    await db.dispose()
    twilio = FakeTwilio()
    await twilio.start()
    port = _free_port()
    local = datetime.now(ZoneInfo("Europe/London"))
    window = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=3)):%H:%M}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "LINKBOT_"))},
        "DATABASE_URL": database_url,
        "LINKBOT_PORT": str(port),
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "TWILIO_MAX_RATE": "10",
        "SEND_WINDOW": window,  # open now, whatever the hour the tests run
    }
    process = await _start_server(env, tmp_path)
    try:
        async with asyncio.timeout(60):
            while len(twilio.sent) < 15:  # noqa: ASYNC110  (the server sends; we watch)
                await asyncio.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    at_kill = len(twilio.sent)
    assert at_kill < len(numbers)  # killed part-way through
    process = await _start_server(env, tmp_path)
    try:
        async with asyncio.timeout(120):  # claims in flight are retaken after their lease
            while {m.to for m in twilio.sent} != set(numbers):  # noqa: ASYNC110  (as above)
                await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        await twilio.stop()
    twice = [n for n in numbers if sum(m.to == n for m in twilio.sent) > 1]
    assert len(twice) <= 10, twice  # at most one claimed batch (a second's worth at 10/s)
