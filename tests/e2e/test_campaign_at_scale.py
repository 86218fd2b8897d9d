"""A campaign for a cohort of 5,000: each eligible client gets exactly one check-in, at the set
rate, though the processes stop half way through firing the timers and again half way through
sending; the campaign then reports its counts.

PostgreSQL only: the 10,000 transactions (a send written, then sent) cost about three minutes
of Python on either database, and PostgreSQL is where several instances share the work, which
this test also does. Every campaign behaviour is tested on SQLite too, in test_campaigns.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.actions.timers import fire_due
from bot.bootstrap import Services, build
from flows import texts
from testkit import postgres
from testkit.clock import FakeClock
from tests.conftest import Bot, _fresh_postgres, settings_for
from tests.support.campaigns import (
    Seed,
    message_statuses,
    number,
    seed,
    seed_cohort,
    sent_times,
    timer_statuses,
)

COHORT = 5000
RATE = 5  # TWILIO_MAX_RATE: sends a second
SEND_ON = "2026-11-26"  # the Thursday after the fake clock's Tuesday
SEND_AT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # the send window opens (GMT)
IN_RANGE = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)
OUT_OF_RANGE = datetime(2026, 9, 14, 10, 0, tzinfo=UTC)
COHORT_FIELDS = {"last_session_from": "2026-10-01", "last_session_to": "2026-10-31"}


class StoppingClock(FakeClock):
    """A fake clock whose sleep can stop the task that sleeps.

    The outbox sleeps only while it waits for a rate slot: after claiming a message and before
    sending it. Stopping there is a process dying between the two, so the message stays
    claimed until its lease runs out, and nothing was sent that is not recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.stop_when: Callable[[], bool] | None = None

    async def sleep(self, seconds: float) -> None:
        if self.stop_when is not None and self.stop_when():
            self.stop_when = None
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
        await super().sleep(seconds)


@pytest.fixture
def clock() -> StoppingClock:
    return StoppingClock()


@pytest.fixture
async def database_url(pg_server: postgres.PostgresServer) -> str:
    return await _fresh_postgres(pg_server)


@contextlib.asynccontextmanager
async def _more_instances(bot: Bot, count: int) -> AsyncIterator[list[Services]]:
    """Other instances on the same database, as more `linkbot serve` processes would be."""
    settings = settings_for(
        bot.services.settings.database_url, bot.twilio, TWILIO_MAX_RATE=str(RATE)
    )
    instances = [build(settings, clock=bot.clock) for _ in range(count)]
    try:
        yield instances
    finally:
        for services in instances:
            await services.close()


async def _campaign(bot: Bot, token: str) -> dict[str, Any]:
    status, found = await bot.api("GET", "/api/v1/campaigns", token)
    assert status == 200, found
    [campaign] = found["items"]
    return dict(campaign)


async def _stop_when_half_fired(bot: Bot, others: list[Services], campaign_id: str) -> None:
    """Three instances fire the due timers together, and stop (as if the machines were
    switched off) once about half the campaign's sends have been written."""
    firing = [asyncio.create_task(fire_due(s)) for s in (bot.services, *others)]
    while not any(task.done() for task in firing):
        if (await timer_statuses(bot.services.db, campaign_id)).get("done", 0) >= COHORT // 2:
            break
        await asyncio.sleep(0.05)
    for task in firing:
        task.cancel()
    for task in firing:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_campaign_for_5000_clients_sends_each_once_at_the_rate_across_restarts(
    make_bot: Any, clock: StoppingClock
) -> None:
    first: Bot = await make_bot(TWILIO_MAX_RATE=str(RATE))
    twilio = first.twilio
    eligible = await seed_cohort(first.services.db, COHORT, IN_RANGE, clock.now())
    ineligible = [
        Seed(number(90001), sessions=(IN_RANGE,), opted_out=True),
        Seed(number(90002), sessions=(IN_RANGE,), open_case=True),
        Seed(number(90003), sessions=(IN_RANGE,), booked=datetime(2026, 12, 3, tzinfo=UTC)),
        Seed(number(90004), sessions=(IN_RANGE,), flow="self_referral"),
        Seed(number(90005), sessions=(OUT_OF_RANGE,)),
        Seed(number(90006), sessions=(OUT_OF_RANGE, IN_RANGE - timedelta(days=30))),
    ]
    await seed(first.services.db, ineligible, clock.now())
    token = await first.staff_token()
    body = {
        "name": "October's sessions",
        "flow": "check_in",
        "send_on": SEND_ON,
        "cohort": COHORT_FIELDS,
    }
    status, preview = await first.api("POST", "/api/v1/campaigns", token, {**body, "dry_run": True})
    assert status == 200, preview
    assert preview["eligible"] == COHORT
    assert preview["excluded"] == {
        "opted_out": 1,
        "open_case": 1,
        "session_booked": 1,
        "in_conversation": 1,
    }
    status, made = await first.api("POST", "/api/v1/campaigns", token, body)
    assert status == 201 and made["eligible"] == COHORT, made

    clock.set(SEND_AT - timedelta(hours=1))
    assert await fire_due(first.services) == 0
    # On the day, late enough for every send to be due: the first process stops half way
    # through firing the timers.
    clock.set(SEND_AT + timedelta(seconds=COHORT / RATE))
    async with _more_instances(first, 2) as others:
        await _stop_when_half_fired(first, others, made["id"])
    await first.client.close()
    await first.services.close()

    second: Bot = await make_bot(TWILIO_MAX_RATE=str(RATE))
    part_way = await _campaign(second, token)
    written = part_way["written"]
    assert 0 < written < COHORT and part_way["waiting"] == COHORT - written
    assert twilio.sent == []  # written to the outbox; nothing sent yet
    async with _more_instances(second, 2) as others:
        fired = await asyncio.gather(fire_due(second.services), *(fire_due(s) for s in others))
    assert sum(fired) == COHORT - written and sum(1 for n in fired if n) >= 2  # they shared it
    # The second process stops half way through sending.
    clock.stop_when = lambda: len(twilio.sent) >= COHORT // 2
    sending = asyncio.create_task(second.services.outbox.send_due())
    with pytest.raises(asyncio.CancelledError):
        await sending
    assert len(twilio.sent) == COHORT // 2
    part_way = await _campaign(second, token)
    assert (part_way["written"], part_way["sent"]) == (COHORT, COHORT // 2)
    left = await message_statuses(second.services.db, "check_in")
    assert left["sending"] >= 1  # claimed by the process that stopped, and not sent
    assert left == {
        "queued": COHORT // 2,
        "sending": left["sending"],
        "pending": COHORT // 2 - left["sending"],
    }
    await second.client.close()
    await second.services.close()

    # A third process takes over the messages the second had claimed once their lease is out.
    clock.advance(timedelta(minutes=1))
    third: Bot = await make_bot(TWILIO_MAX_RATE=str(RATE))
    await third.services.outbox.send_due()
    assert await fire_due(third.services) == 0

    sent = Counter(m.to for m in twilio.sent)
    assert sent == Counter(eligible)  # each eligible client exactly once, and no one else
    check_in = texts.FU_CHECK_IN.format(service=third.services.settings.service_name)
    assert {m.body for m in twilio.sent} == {check_in}
    times = await sent_times(third.services.db, "check_in")
    assert len(times) == COHORT and times[0] >= SEND_AT
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1 / RATE
    window = third.services.settings.window
    assert all(window.contains(at) for at in times)
    finished = await _campaign(third, token)
    assert {
        k: finished[k]
        for k in (
            "status",
            "eligible",
            "written",
            "sent",
            "waiting",
            "skipped",
            "answered",
            "escalated",
        )
    } == {
        "status": "finished",
        "eligible": COHORT,
        "written": COHORT,
        "sent": COHORT,
        "waiting": 0,
        "skipped": 0,
        "answered": 0,
        "escalated": 0,
    }
