"""Figures for the crisis detector and the crisis path, printed, asserting nothing.

Run it by hand from the project root::

    .venv/bin/python bench/safety.py [--show] [--messages N]

1. The detector on each public set (``tests/fixtures/safety/*.tsv``: see
   ``tests/support/crisis_messages.py`` for how each was written): recall per concern
   (messages that raise their own concern), false alarms (everyday messages that raise any),
   and, with ``--show``, every miss and false alarm. Then the detector's time per message
   (median of five passes over every set). A new set written by someone who has not seen the
   detector, run here before anything is changed for it, is the honest measure of recall.
2. The time from a crisis message to its contacts being handed to the provider: the real app
   on a SQLite file, its outbox running as in ``linkbot serve`` (``TWILIO_MAX_RATE`` at its
   default of one SMS a second), the fake Twilio REST server from ``testkit.fake_twilio`` on
   loopback. The clock runs from sending the signed inbound webhook to the fake Twilio having
   received the reply (Twilio's ``Messages.json`` call), polled every millisecond. First N
   people write alone, a little over a second apart; then one writes while ``--queued``
   welcomes wait for the rate limit, to show whether the contacts go ahead of them.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from bot import logs
from bot.bootstrap import build
from bot.runtime import Runtime
from bot.web.app import create_app
from flows.safety import Concern, concerns
from testkit.databases import fresh_sqlite
from testkit.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio, sign
from testkit.settings import PUBLIC_BASE_URL, settings_for
from tests.support.crisis_messages import EVERYDAY, NAMES, load
from tests.support.crisis_messages import SETS as SETS_DIR

CRISIS = "I can't go on, I want to end my life"
PATH = "/sms/inbound"


def detector_figures(name: str, show: bool) -> None:
    if not (SETS_DIR / name).exists():
        print(f"{name}: not there")
        return
    pairs = load(name)
    seen, caught = Counter[str](), Counter[str]()
    missed: list[tuple[str, str, tuple[Concern, ...]]] = []
    alarms: list[tuple[str, tuple[Concern, ...]]] = []
    everyday = 0
    for category, message in pairs:
        found = concerns(message)
        if category == EVERYDAY:
            everyday += 1
            if found:
                alarms.append((message, found))
            continue
        seen[category] += 1
        if category in found:
            caught[category] += 1
        else:
            missed.append((category, message, found))
    print(f"{name}: {sum(seen.values())} risk messages, {everyday} everyday")
    for concern in Concern:
        n, hit = seen[concern], caught[concern]
        print(f"  {concern.value:<18} recall {hit:>4}/{n:<4} {hit / n:7.1%}")
    share = len(alarms) / everyday if everyday else 0.0
    print(f"  {'everyday':<18} false alarms {len(alarms)}/{everyday} {share:.1%}")
    if show:
        for category, message, found in missed:
            print(f"    missed {category}: {message!r} (raised: {[c.value for c in found]})")
        for message, found in alarms:
            print(f"    false alarm {[c.value for c in found]}: {message!r}")


def detector_speed() -> None:
    messages = [m for name in NAMES for _, m in load(name)]
    passes = []
    for _ in range(5):
        start = time.perf_counter()
        for message in messages:
            concerns(message)
        passes.append((time.perf_counter() - start) / len(messages))
    print(f"detector: median {statistics.median(passes) * 1e6:.0f} us per message")


def _webhook(sender: str, body: str, n: int) -> tuple[str, dict[str, str]]:
    form = {
        "MessageSid": f"SMbench{n:026d}",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    headers = {
        "X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + PATH, form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return urlencode(form), headers


async def _post(session: aiohttp.ClientSession, url: str, sender: str, body: str, n: int) -> None:
    data, headers = _webhook(sender, body, n)
    async with session.post(url, data=data, headers=headers) as answer:
        assert answer.status == 200, await answer.text()


async def _until_sent(fake: FakeTwilio, number: str) -> None:
    while not fake.to(number):  # noqa: ASYNC110  (the fake records it in its own task)
        await asyncio.sleep(0.001)


def _summary(took: list[float]) -> str:
    ordered = sorted(took)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    median = statistics.median(took) * 1000
    return f"median {median:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"


async def hand_over(count: int, queued: int) -> None:
    url = await fresh_sqlite("bench")
    fake = FakeTwilio()
    await fake.start()
    settings = settings_for(url, fake, LINKBOT_SIMULATOR="off", LOG_LEVEL="WARNING")
    services = build(settings)
    runtime = Runtime(services)
    runner = web.AppRunner(create_app(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    hook = f"http://127.0.0.1:{runner.addresses[0][1]}{PATH}"
    runtime.start_outbox()
    alone: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            # One at a time, a little over TWILIO_MAX_RATE's second apart, as a lone person.
            for i in range(count):
                sender = f"+4477009{20_000 + i:05d}"
                start = time.perf_counter()
                await _post(session, hook, sender, CRISIS, i)
                await _until_sent(fake, sender)
                alone.append(time.perf_counter() - start)
                await asyncio.sleep(max(0.0, 1.1 - alone[-1]))
            # Behind a queue: that many welcomes waiting for the rate limit, then a crisis.
            for j in range(queued):
                await _post(session, hook, f"+4477009{30_000 + j:05d}", "Hello", count + j)
            sender = f"+4477009{40_000:05d}"
            start = time.perf_counter()
            await _post(session, hook, sender, CRISIS, count + queued)
            await _until_sent(fake, sender)
            behind = time.perf_counter() - start
            welcomes = sum(bool(fake.to(f"+4477009{30_000 + j:05d}")) for j in range(queued))
    finally:
        await runner.cleanup()
        await runtime.close()
        await fake.stop()
    rate = settings.twilio_max_rate
    print(f"crisis message to contacts handed to Twilio (SQLite, loopback, {rate:g} SMS/s):")
    print(f"  alone, {count} people one after another: {_summary(alone)}")
    print(
        f"  behind {queued} queued welcomes: {behind * 1000:.0f} ms; "
        f"{welcomes} of the welcomes had gone first"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="list every miss and false alarm")
    parser.add_argument("--messages", type=int, default=20, help="crisis messages to time")
    parser.add_argument("--queued", type=int, default=30, help="welcomes queued ahead of one")
    args = parser.parse_args(argv)
    logs.setup("WARNING")
    for name in NAMES:
        detector_figures(name, args.show)
    detector_speed()
    asyncio.run(hand_over(args.messages, args.queued))


if __name__ == "__main__":
    main()
