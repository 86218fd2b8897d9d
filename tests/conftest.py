"""Shared fixtures: a real database of each kind, the fake Twilio server, the app under test."""

from __future__ import annotations

import itertools
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import Services, build
from bot.runtime import Runtime
from bot.web.app import create_app
from flows.model import Role
from storage import staff
from storage.db import Database, upgrade
from testkit import postgres
from testkit.clock import FakeClock
from testkit.fake_smtp import FakeSmtp
from testkit.fake_telegram import FakeTelegram
from testkit.fake_twilio import (
    FakeTwilio,
    TwilioWebhooks,
)
from testkit.fake_vonage import FakeVonage
from testkit.settings import PUBLIC_BASE_URL, settings_for
from tests.support.dialog import WEBHOOK_SECRET

TEMPLATE = "linkbot_template"
_numbers = itertools.count(1)
_template_ready = False


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.PostgresServer]:
    server = postgres.start()  # raises, failing the tests, when PostgreSQL cannot start
    yield server
    server.stop()


async def _fresh_postgres(server: postgres.PostgresServer) -> str:
    global _template_ready
    admin = await asyncpg.connect(server.url("postgres"))
    try:
        if not _template_ready:
            await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            await admin.execute(f"CREATE DATABASE {TEMPLATE}")
            db = Database(server.url(TEMPLATE))
            await upgrade(db)
            await db.dispose()
            _template_ready = True
        name = f"linkbot_test_{next(_numbers)}"
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    finally:
        await admin.close()
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL,
    unless it names its own (the dialog tests pair channels with databases: ``dialog.on``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/linkbot.db"
        db = Database(url)
        await upgrade(db)
        await db.dispose()
        return url
    return await _fresh_postgres(request.getfixturevalue("pg_server"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake_twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_smtp() -> AsyncIterator[FakeSmtp]:
    fake = FakeSmtp()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fake_vonage() -> AsyncIterator[FakeVonage]:
    fake = FakeVonage()
    await fake.start()
    yield fake
    await fake.stop()


@dataclass
class Bot:
    """The whole app in-process, with a phone's-eye view of it."""

    services: Services
    client: TestClient
    twilio: FakeTwilio
    webhooks: TwilioWebhooks
    clock: FakeClock
    telegram: FakeTelegram | None = None

    async def text(self, sender: str, body: str, **extra: str) -> int:
        """A person texts the service; the outbox then sends whatever is due."""
        response = await self.webhooks.sms(sender, body, **extra)
        assert response.status == 200, await response.text()
        await self.services.outbox.send_due()
        return response.status

    async def staff_token(
        self, role: Role = Role.ADMIN, practices: list[str] | None = None, email: str = ""
    ) -> str:
        email = email or f"worker{next(_numbers)}@practice.nhs.uk"
        async with self.services.db.write() as session:
            await staff.add_user(
                session, email, "Sam Worker", role.value, practices or [], self.clock.now()
            )
            return await staff.create_token(session, email, self.clock.now())

    async def add_practice(self, code: str, name: str) -> None:
        async with self.services.db.write() as session:
            await staff.add_practice(session, code, name, None)

    async def api(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        response = await self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return response.status, await response.json()


@pytest.fixture
async def make_bot(
    database_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> AsyncIterator[Any]:
    made: list[Bot] = []

    async def make(
        ssl_context: ssl.SSLContext | None = None, telegram: str | None = None, **overrides: str
    ) -> Bot:
        """``telegram="webhook"`` or ``"polling"`` adds Telegram against a fake Bot API."""
        fake = None
        if telegram is not None:
            fake = FakeTelegram()
            await fake.start()
            fakes.append(fake)
            overrides |= {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
            if telegram == "webhook":
                overrides["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        services = build(
            settings_for(database_url, fake_twilio, **overrides),
            clock=clock,
            ssl_context=ssl_context,
        )
        client = TestClient(TestServer(create_app(services)))
        await client.start_server()
        bot = Bot(
            services, client, fake_twilio, TwilioWebhooks(client, PUBLIC_BASE_URL), clock, fake
        )
        made.append(bot)
        if telegram is not None:
            runtimes.append(Runtime(services))
            runtimes[-1].start_channels()  # the test sends due messages itself
        return bot

    fakes: list[FakeTelegram] = []
    runtimes: list[Runtime] = []
    yield make
    for bot in made:
        await bot.client.close()
    for running in runtimes:
        await running.close()
    for bot in made:
        if not any(running.services is bot.services for running in runtimes):
            await bot.services.close()
    for fake in fakes:
        await fake.stop()


@pytest.fixture
async def bot(make_bot: Any) -> Bot:
    made: Bot = await make_bot()
    return made
