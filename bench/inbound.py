"""Benchmark of Twilio's inbound SMS webhook, ``POST /sms/inbound``, against a bare aiohttp handler.

Run it by hand from the project root::

    .venv/bin/python bench/inbound.py [--requests N] [--concurrency C] [--database-url URL]

It prints figures and asserts nothing about speed. In one run it:

1. starts the fake Twilio REST server from ``testkit.fake_twilio`` on loopback, so the app
   is wired exactly as with real SMS (the benchmark never makes it send: see below);
2. migrates a fresh database (by default a SQLite file in a temporary folder; with
   ``--database-url postgresql://...`` an existing, empty PostgreSQL database), builds the real
   app with ``bot.bootstrap.build`` and ``bot.web.app.create_app`` and serves it on a free port
   of 127.0.0.1;
3. serves a bare aiohttp handler on another free port of 127.0.0.1: it reads the form and
   answers ``<Response></Response>`` as text/xml, the least any webhook must do;
4. posts the same N signed Twilio webhooks (a unique MessageSid and a distinct UK mobile number
   each, body "Hello, I would like some help") to each server at concurrency C, after a few
   warm-up requests that are not counted, and records each answer's status and latency;
5. prints both rates, their ratio, p50 and p99 latency, error counts, the database kind and the
   machine's core count.

What is measured: the time from sending each request to reading its whole answer, over
keep-alive connections on loopback. The load comes from a separate process (one aiohttp
``ClientSession``), so the client's own work does not share the servers' event loop; the
servers share one process and one event loop, as ``linkbot serve`` does. Signatures and bodies
are made before timing starts. The outbox's background task (``Services.start_background``) is
NOT started, so the figures are for the webhook path alone: checking the signature, running the
engine and committing the inbound message and its queued replies. Nothing is sent to Twilio.

The webhook is signed against ``PUBLIC_BASE_URL`` (a fixed https://linkbot.example.org) plus the
path, as Twilio signs against the public URL a proxy forwards to the app. Every request stays on
127.0.0.1; each load stops after ``--time-limit`` seconds at most, and each request after
``REQUEST_TIMEOUT_SECONDS``. Requests that fail, time out or are never sent count as errors.

With ``--database-url`` the benchmark writes its clients and messages into that database and
leaves them there; give it an empty database made for the purpose.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import platform
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from bot import logs
from bot.bootstrap import Services, build
from bot.web.app import AccessLogger, create_app
from storage.db import Database, upgrade
from testkit.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio, sign
from testkit.settings import PUBLIC_BASE_URL, settings_for

HOST = "127.0.0.1"
PATH = "/sms/inbound"
BODY = "Hello, I would like some help"
EMPTY_TWIML = "<Response></Response>"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"  # as Twilio sends it

# Senders are +4477009NNNNN with NNNNN from FIRST_NUMBER up, clear of FROM_NUMBER (+447700900001).
NUMBER_PREFIX = "+4477009"
FIRST_NUMBER = 10_000
MAX_REQUESTS = 99_999 - FIRST_NUMBER  # warm-up requests included

REQUEST_TIMEOUT_SECONDS = 30.0
CLIENT_START_GRACE_SECONDS = 60.0  # for the load process to start and import, beyond the limit


@dataclass(frozen=True)
class Webhook:
    """One signed inbound-SMS webhook, encoded ready to post."""

    body: bytes
    signature: str


@dataclass
class LoadResult:
    """What one load run saw. Latencies are in seconds, of answers with status 200 only."""

    name: str
    requests: int
    elapsed: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def rate(self) -> float:
        """Requests answered with 200 per second of wall-clock time."""
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, fraction: float) -> float:
        """Nearest-rank percentile of the 200 answers' latencies, in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(fraction * len(ordered)))
        return ordered[rank - 1] * 1000


def make_webhooks(count: int, first: int = 0) -> list[Webhook]:
    """``count`` webhooks from distinct senders, numbered from ``first``, each with a new sid."""
    hooks = []
    for index in range(first, first + count):
        form = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": ACCOUNT_SID,
            "From": f"{NUMBER_PREFIX}{FIRST_NUMBER + index:05d}",
            "To": FROM_NUMBER,
            "Body": BODY,
            "NumMedia": "0",
        }
        signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + PATH, form)
        hooks.append(Webhook(urlencode(form).encode(), signature))
    return hooks


# The load client, run in its own process.


async def post_all(
    url: str,
    warmup: Sequence[Webhook],
    hooks: Sequence[Webhook],
    concurrency: int,
    time_limit: float,
) -> tuple[float, list[float], dict[str, int]]:
    """Post ``warmup`` (not timed), then ``hooks``, each at ``concurrency`` over one session.

    Returns the seconds the timed hooks took, the latencies of their 200 answers and a count of
    errors by kind. Stops after ``time_limit`` seconds; hooks not answered by then are errors.
    """
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    finished = 0

    async def one(session: aiohttp.ClientSession, hook: Webhook, timed: bool) -> None:
        nonlocal finished
        headers = {"Content-Type": FORM_CONTENT_TYPE, "X-Twilio-Signature": hook.signature}
        status, kind = 0, ""
        began = time.perf_counter()
        try:
            async with session.post(url, data=hook.body, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            kind = type(exc).__name__
        took = time.perf_counter() - began
        if timed:
            finished += 1
            if status == 200:
                latencies.append(took)
            else:
                errors[kind if status == 0 else f"HTTP {status}"] += 1

    async def run(session: aiohttp.ClientSession, batch: Sequence[Webhook], timed: bool) -> None:
        queue: Iterator[Webhook] = iter(batch)

        async def worker() -> None:
            for hook in queue:  # the workers share one iterator: each hook is posted once
                await one(session, hook, timed)

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        try:
            async with asyncio.timeout(time_limit):
                await run(session, warmup, timed=False)
                began = time.perf_counter()
                await run(session, hooks, timed=True)
        except TimeoutError:
            errors["unanswered at the time limit"] += len(hooks) - finished
        elapsed = time.perf_counter() - began
    return elapsed, latencies, dict(errors)


def _load_process(
    conn: Connection,
    url: str,
    warmup: list[tuple[bytes, str]],
    hooks: list[tuple[bytes, str]],
    concurrency: int,
    time_limit: float,
) -> None:
    """The load process's entry point: post everything, send the figures back, exit."""
    try:
        result = asyncio.run(
            post_all(
                url,
                [Webhook(*w) for w in warmup],
                [Webhook(*h) for h in hooks],
                concurrency,
                time_limit,
            )
        )
        conn.send(result)
    finally:
        conn.close()


async def load(
    name: str,
    url: str,
    warmup: Sequence[Webhook],
    hooks: Sequence[Webhook],
    concurrency: int,
    time_limit: float,
) -> LoadResult:
    """Run ``post_all`` in a fresh process against ``url`` and collect what it saw.

    The process is spawned (not forked: this process runs an event loop and threads) and is
    killed if it has not answered within the time limit plus a grace period for starting.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_load_process,
        args=(
            sender,
            url,
            [(w.body, w.signature) for w in warmup],
            [(h.body, h.signature) for h in hooks],
            concurrency,
            time_limit,
        ),
        name=f"load {name}",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        ready = await asyncio.to_thread(receiver.poll, time_limit + CLIENT_START_GRACE_SECONDS)
        if not ready:
            raise RuntimeError(f"the load process for {name} did not finish in time")
        try:
            elapsed, latencies, errors = receiver.recv()
        except EOFError:
            raise RuntimeError(f"the load process for {name} failed; see above") from None
    finally:
        receiver.close()
        await asyncio.to_thread(process.join, 5)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join, 5)
    return LoadResult(name, len(hooks), elapsed, latencies, Counter(errors))


# The servers.


async def serve(app: web.Application, **runner_options: object) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on a free port of 127.0.0.1; return its runner and the URL of ``PATH``."""
    runner = web.AppRunner(app, **runner_options)  # type: ignore[arg-type]
    await runner.setup()
    await web.TCPSite(runner, HOST, 0).start()
    port = runner.addresses[0][1]
    return runner, f"http://{HOST}:{port}{PATH}"


async def bare_inbound(request: web.Request) -> web.Response:
    """The least a Twilio webhook can do: read the form and answer empty TwiML."""
    await request.post()
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


def bare_app() -> web.Application:
    app = web.Application()
    app.router.add_post(PATH, bare_inbound)
    return app


async def migrate(url: str) -> int:
    """Bring the database at ``url`` up to date; return how many clients it already holds."""
    db = Database(url)
    try:
        await upgrade(db)
        async with db.read() as session:
            return int((await session.execute(sa.text("SELECT count(*) FROM client"))).scalar_one())
    finally:
        await db.dispose()


async def rows_written(services: Services) -> str:
    """Clients and messages in the database, to show the webhooks did their work."""
    async with services.db.read() as session:
        clients = (await session.execute(sa.text("SELECT count(*) FROM client"))).scalar_one()
        result = await session.execute(
            sa.text("SELECT direction, count(*) FROM message GROUP BY direction")
        )
        counts: dict[str, int] = {str(row[0]): int(row[1]) for row in result}
    return (
        f"{clients} clients, {counts.get('in', 0)} inbound messages, "
        f"{counts.get('out', 0)} replies queued (unsent: no outbox task)"
    )


def describe_database(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite (file {parsed.database})"
    where = f"{parsed.host or 'local socket'}:{parsed.port or 5432}/{parsed.database}"
    return f"{parsed.get_backend_name()} ({where})"


def describe_cores() -> str:
    total = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return f"{total}"
    return f"{total}" if usable == total else f"{total} ({usable} usable by this process)"


# The run.


async def run(args: argparse.Namespace, database_url: str) -> None:
    existing = await migrate(database_url)
    warmup = make_webhooks(args.warmup)
    hooks = make_webhooks(args.requests, first=args.warmup)

    fake = FakeTwilio()
    await fake.start()
    settings = settings_for(
        database_url,
        fake,
        TWILIO_MAX_RATE="100",
        LINKBOT_SIMULATOR="off",
        LOG_LEVEL="WARNING",
    )
    services = build(settings)  # services.start_background() deliberately not called
    runners: list[web.AppRunner] = []
    try:
        linkbot_runner, linkbot_url = await serve(
            create_app(services), access_log_class=AccessLogger
        )
        runners.append(linkbot_runner)
        bare_runner, bare_url = await serve(bare_app(), access_log=None)
        runners.append(bare_runner)

        print("linkbot inbound SMS webhook benchmark")
        print(
            f"  {args.requests} requests at concurrency {args.concurrency}, after "
            f"{args.warmup} warm-up requests per server that are not counted"
        )
        print(f"  database: {describe_database(database_url)}")
        if existing:
            print(f"  warning: the database already held {existing} clients (not empty)")
        print(
            f"  cores: {describe_cores()}; Python {platform.python_version()}; "
            f"aiohttp {aiohttp.__version__}; {platform.system()} {platform.machine()}"
        )
        print("  the outbox task is NOT running: this measures the webhook path alone")
        print(
            "  load: a separate process, one aiohttp session, keep-alive, loopback only", flush=True
        )

        linkbot = await load(
            "linkbot", linkbot_url, warmup, hooks, args.concurrency, args.time_limit
        )
        bare = await load("bare", bare_url, warmup, hooks, args.concurrency, args.time_limit)
        written = await rows_written(services)
    finally:
        for runner in reversed(runners):
            await runner.cleanup()
        await services.close()
        await fake.stop()

    print()
    print(f"  {'':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for result, label in ((linkbot, f"linkbot {PATH}"), (bare, "bare aiohttp handler")):
        print(
            f"  {label:<22}{result.rate:>10.1f}{result.percentile_ms(0.50):>10.2f}"
            f"{result.percentile_ms(0.99):>10.2f}{result.error_count:>8}"
        )
        for kind, count in result.errors.most_common():
            print(f"      {count} x {kind}")
    ratio = linkbot.rate / bare.rate if bare.rate else math.nan
    print(f"  ratio linkbot / bare: {ratio:.3f}", end="")
    print(f"  (the bare handler is {1 / ratio:.1f}x faster)" if ratio > 0 else "")
    print(f"  wall time: linkbot {linkbot.elapsed:.2f} s, bare {bare.elapsed:.2f} s")
    print(f"  database after the run: {written}")
    print(f"  fake Twilio received {fake.requests} requests")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load POST /sms/inbound and a bare aiohttp handler over loopback; print "
        "rates and latencies. Asserts nothing about speed.",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=2000,
        metavar="N",
        help="timed requests per server (default 2000)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=20,
        metavar="C",
        help="requests in flight at once (default 20)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="an existing, empty database to migrate and use, e.g. "
        "postgresql://user@127.0.0.1/linkbot_bench (default: a new SQLite file "
        "in a temporary folder)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=50,
        metavar="W",
        help="untimed requests before each load (default 50)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="stop each load after this long (default 300)",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0 or args.time_limit <= 0:
        parser.error(
            "--requests and --concurrency must be at least 1, --warmup at least 0 "
            "and --time-limit more than 0"
        )
    if args.requests + args.warmup > MAX_REQUESTS:
        parser.error(
            f"--requests plus --warmup may be at most {MAX_REQUESTS} (one distinct sender each)"
        )
    if args.database_url:
        try:
            backend = make_url(args.database_url).get_backend_name()
        except ArgumentError:
            backend = ""
        if backend not in ("sqlite", "postgresql", "postgres"):
            parser.error("--database-url must be a sqlite:/// or postgresql:// URL")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logs.setup("WARNING")  # the app's warnings and errors show, with numbers redacted
    if args.database_url:
        asyncio.run(run(args, args.database_url))
        return
    with tempfile.TemporaryDirectory(prefix="linkbot-bench-") as folder:
        asyncio.run(run(args, f"sqlite:///{folder}/linkbot.db"))


if __name__ == "__main__":
    main()
