"""Due reminders handled by several senders at once on one PostgreSQL: each goes exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

from bot.actions.timers import fire_due
from bot.bootstrap import build
from storage.db import Database
from testkit import postgres
from testkit.clock import FakeClock
from testkit.fake_twilio import FakeTwilio
from testkit.reminders import seed_due_reminders
from tests.conftest import _fresh_postgres, settings_for


async def test_three_senders_on_one_postgresql_send_2000_reminders_exactly_once(
    pg_server: postgres.PostgresServer, fake_twilio: FakeTwilio
) -> None:
    url = await _fresh_postgres(pg_server)
    clock = FakeClock()
    db = Database(url)
    numbers = await seed_due_reminders(db, 2000, clock.now())
    await db.dispose()
    # Three instances, each with its own connections, as three `linkbot serve` would be.
    instances = [
        build(settings_for(url, fake_twilio, TWILIO_MAX_RATE="1000"), clock=clock) for _ in range(3)
    ]
    try:
        fired = await asyncio.gather(*(fire_due(s) for s in instances))
        assert sum(fired) == 2000 and sum(1 for f in fired if f) >= 2  # they shared it
        await asyncio.gather(*(s.outbox.send_due() for s in instances))
    finally:
        for services in instances:
            await services.close()
    sent = Counter(m.to for m in fake_twilio.sent)
    assert set(sent) == set(numbers)
    assert set(sent.values()) == {1}
    assert all("a reminder of your session" in m.body for m in fake_twilio.sent)
