"""Benchmark: how much wrong staff sign-ins slow down the inbound SMS webhook.

Run it by hand from the project root::

    .venv/bin/python bench/signin.py [--requests N] [--concurrency C] [--guessers 8,32]

It prints figures and asserts nothing about speed. In one run it:

1. migrates a fresh SQLite database in a temporary folder, builds the real app with
   ``bot.bootstrap.build`` and ``bot.web.app.create_app`` (the fake Twilio REST server from
   ``testkit.fake_twilio`` stands in for Twilio) and serves it on a free port of 127.0.0.1, in
   one process and one event loop as ``linkbot serve`` does;
2. posts N signed Twilio webhooks to ``POST /sms/inbound`` at concurrency C from a separate
   process (``bench.inbound.load``) with nothing else running, and records each latency;
3. then, for each number G of ``--guessers``, starts another process in which G workers post
   wrong sign-ins to ``POST /login`` in a loop (unknown e-mail addresses, so no account is
   needed), waits until they are under way, and posts another N webhooks the same way;
4. prints p50 and p99 of the webhooks' latencies for each load, and how many sign-ins were
   answered meanwhile, with what status.

Each guessing worker signs in from its own loopback address (127.x.y.z: all of 127/8 is the
loopback on Linux) and moves to a new one every ``ATTEMPTS_PER_ADDRESS`` attempts, staying
under the per-address limit on failed sign-ins, so every guess makes the server check a
password: this is the worst case, many addresses at once, not one address that is soon
refused. The sign-in form's token is the same string in the cookie and the form, as a browser
that fetched ``/login`` once would send. The outbox's background task is not started: the
figures are for the webhook path alone. Every request stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import platform
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from bench.inbound import (
    LoadResult,
    describe_cores,
    load,
    make_webhooks,
    migrate,
    serve,
)
from bot import logs
from bot.bootstrap import build
from bot.web.app import create_app
from testkit.fake_twilio import FakeTwilio
from testkit.settings import settings_for

HOST = "127.0.0.1"
ATTEMPTS_PER_ADDRESS = 10  # under the per-address limit, so every guess checks a password
WARM_UP_SECONDS = 2.0  # the guessers run this long before the webhooks are timed
GUESS_CSRF = "benchmark-sign-in-form-token"  # 20 to 64 characters, as the sign-in page makes


# The guessers, run in their own process.


async def guess(base: str, workers: int, stop: Event) -> dict[str, int]:
    """``workers`` loops posting wrong sign-ins until ``stop`` is set; counts answers by kind."""
    counts: Counter[str] = Counter()
    addresses = itertools.count(1)

    def next_address() -> str:
        n = next(addresses)
        return f"127.{(n >> 16) % 250 + 1}.{(n >> 8) & 255}.{n & 255 or 1}"

    async def worker() -> None:
        while not stop.is_set():
            connector = aiohttp.TCPConnector(limit=1, local_addr=(next_address(), 0))
            timeout = aiohttp.ClientTimeout(total=60)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                for _ in range(ATTEMPTS_PER_ADDRESS):
                    if stop.is_set():
                        return
                    form = {
                        "csrf": GUESS_CSRF,
                        "email": f"nobody-{secrets.token_hex(6)}@practice.nhs.uk",
                        "password": secrets.token_urlsafe(12),
                        "next": "/queue",
                    }
                    try:
                        async with session.post(
                            f"{base}/login",
                            data=form,
                            headers={"Cookie": f"linkbot_login_csrf={GUESS_CSRF}"},
                            allow_redirects=False,
                        ) as response:
                            await response.read()
                            counts[f"HTTP {response.status}"] += 1
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        counts[type(exc).__name__] += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return dict(counts)


def _guess_process(conn: Connection, base: str, workers: int, stop: Event) -> None:
    try:
        conn.send(asyncio.run(guess(base, workers, stop)))
    finally:
        conn.close()


class Guessers:
    """A process of ``workers`` concurrent wrong sign-ins, from start until ``finish``."""

    def __init__(self, base: str, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_guess_process,
            args=(sender, base, workers, self._stop),
            name=f"{workers} guessers",
            daemon=True,
        )
        self._process.start()
        sender.close()
        self.began = time.perf_counter()

    async def finish(self) -> tuple[dict[str, int], float]:
        self._stop.set()
        try:
            ready = await asyncio.to_thread(self._receiver.poll, 120)
            counts: dict[str, int] = self._receiver.recv() if ready else {"unfinished": 1}
        except EOFError:
            counts = {"the guessing process failed": 1}
        finally:
            elapsed = time.perf_counter() - self.began
            self._receiver.close()
            await asyncio.to_thread(self._process.join, 5)
            if self._process.is_alive():
                self._process.kill()
        return counts, elapsed


# The run.


async def run(args: argparse.Namespace, database_url: str) -> None:
    await migrate(database_url)
    fake = FakeTwilio()
    await fake.start()
    settings = settings_for(
        database_url,
        fake,
        TWILIO_MAX_RATE="100",
        LINKBOT_SIMULATOR="off",
        LOG_LEVEL="WARNING",
    )
    services = build(settings)  # the outbox task is deliberately not started
    runner, webhook_url = await serve(create_app(services), access_log=None)
    base = webhook_url.rsplit("/sms/inbound", 1)[0]
    print("linkbot: inbound SMS webhook latency while wrong sign-ins run")
    print(f"  {args.requests} webhooks per load at concurrency {args.concurrency}, SQLite")
    print(
        f"  cores: {describe_cores()}; Python {platform.python_version()}; "
        f"{platform.system()} {platform.machine()}",
        flush=True,
    )
    rows: list[tuple[str, LoadResult, str]] = []
    first = 0
    try:
        for guessers in [0, *args.guessers]:
            warmup = make_webhooks(10, first)
            hooks = make_webhooks(args.requests, first + 10)
            first += 10 + args.requests
            running = Guessers(base, guessers) if guessers else None
            if running:
                await asyncio.sleep(WARM_UP_SECONDS)
            name = f"{guessers} sign-ins" if guessers else "alone"
            result = await load(name, webhook_url, warmup, hooks, args.concurrency, args.time_limit)
            said = ""
            if running:
                counts, elapsed = await running.finish()
                answered = sum(v for k, v in counts.items() if k.startswith("HTTP"))
                kinds = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                said = f"{answered / elapsed:.1f} sign-ins/s ({kinds})"
            rows.append((name, result, said))
    finally:
        await runner.cleanup()
        await services.close()
        await fake.stop()
    print()
    print(f"  {'webhooks':<14}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}  sign-ins meanwhile")
    for name, result, said in rows:
        print(
            f"  {name:<14}{result.percentile_ms(0.50):>10.1f}{result.percentile_ms(0.99):>10.1f}"
            f"{result.error_count:>8}  {said}"
        )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time POST /sms/inbound alone and while wrong sign-ins run from another "
        "process; print p50 and p99. Asserts nothing about speed.",
    )
    parser.add_argument("--requests", type=int, default=300, metavar="N")
    parser.add_argument("--concurrency", type=int, default=4, metavar="C")
    parser.add_argument(
        "--guessers",
        default="8,32",
        metavar="G,G",
        help="concurrent wrong sign-ins for each loaded run (default 8,32)",
    )
    parser.add_argument("--time-limit", type=float, default=600.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    try:
        args.guessers = [int(g) for g in args.guessers.split(",") if g.strip()]
    except ValueError:
        parser.error("--guessers is a list of numbers, e.g. 8,32")
    if args.requests < 1 or args.concurrency < 1 or any(g < 1 for g in args.guessers):
        parser.error("--requests, --concurrency and each of --guessers must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logs.setup("WARNING")
    with tempfile.TemporaryDirectory(prefix="linkbot-bench-") as folder:
        asyncio.run(run(args, f"sqlite:///{folder}/linkbot.db"))


if __name__ == "__main__":
    main()
