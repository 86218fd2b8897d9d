"""Benchmark of Twilio's inbound SMS webhook, ``POST /sms/inbound``, against a bare aiohttp handler.

Run it by hand from the project root::

    .venv/bin/python bench/inbound.py [--requests N] [--concurrency C | --open-loop RATE]
        [--outbox [--crisis-every N]] [--database-url URL | --postgres [--instances N]]
        [--json FILE]

It prints figures and asserts nothing about speed. In one run it:

1. starts the fake Twilio REST server from ``testkit.fake_twilio`` on loopback, so the app
   is wired exactly as with real SMS;
2. migrates a fresh database (by default a SQLite file in a temporary folder; with
   ``--database-url postgresql://...`` an existing, empty PostgreSQL database; with
   ``--postgres`` a new database on a throwaway PostgreSQL server from ``testkit.postgres``,
   stopped at the end), builds the real app with ``bot.bootstrap.build`` and
   ``bot.web.app.create_app`` and serves it on a free port of 127.0.0.1;
3. serves a bare aiohttp handler on another free port of 127.0.0.1: it reads the form and
   answers ``<Response></Response>`` as text/xml, the least any webhook must do;
4. posts the same N signed Twilio webhooks (a unique MessageSid and a distinct UK mobile number
   each, body "Hello, I would like some help") to each server, after a few warm-up requests
   (at concurrency C) that are not counted, and records each answer's status and latency;
5. prints both rates, their ratio, p50 and p99 latency, error counts, the database kind and the
   machine's core count; with ``--json FILE`` it also writes them to FILE as
   ``{"bench": "inbound", "mode": {...}, "linkbot": {"rate", "p50_ms", "p99_ms", "errors"},
   "bare": {...}, "ratio"}``, with ``"drain_s"`` (``--outbox``: seconds from the last answer
   until every reply was sent) and ``"crisis"`` (``--crisis-every``: count, missing, p50_ms,
   p99_ms).

What is measured, by default: the time from sending each request to reading its whole answer,
over keep-alive connections on loopback, in a closed loop of C requests in flight (a new one is
sent as soon as one is answered). The load comes from a separate process (one aiohttp
``ClientSession``), so the client's own work does not share the servers' event loop; the
servers share one process and one event loop, as ``linkbot serve`` does. Signatures and bodies
are made before timing starts. The outbox's background task is NOT started, so the figures are
for the webhook path alone: checking the signature, running the engine and committing the
inbound message and its queued replies. Nothing is sent to Twilio.

The modes change that as follows (they combine):

``--outbox``
    The outbox runs too, started as ``linkbot serve`` starts it
    (``bot.runtime.Runtime(services).start_outbox()``, closed with ``runtime.close()``), so the
    whole pipeline runs: the replies are claimed and sent to the fake Twilio while the webhooks
    arrive, and that work shares the app's event loop and database. ``TWILIO_MAX_RATE`` is
    lifted to 1000/s (the most the settings allow) and ``SEND_WINDOW`` to 00:00-23:59, so
    pacing and the time of day do not hold replies back. The rate is still of webhooks
    answered; after linkbot's load the benchmark waits, untimed, until every reply is sent
    (and prints how long that took), so the bare handler's load runs on a quiet machine.
``--open-loop RATE``
    The load is open: timed request i is sent at start + i / RATE seconds whatever the answers
    (up to 1000 connections at once), and its latency runs from that scheduled time, so a
    server that falls behind shows it as queueing in p50 and p99 rather than as a lower rate.
    The rate printed is the achieved one (200 answers over the time from the first scheduled
    send to the last answer); the bare handler gets the same schedule, and the worst lateness
    of the load process in starting a request is printed, to show the client kept up.
``--crisis-every N`` (with ``--outbox``)
    Every Nth timed webhook says ``CRISIS_BODY`` instead, a message that raises the crisis
    concern, and the benchmark prints how long after each was sent (its scheduled time, in an
    open loop) the fake Twilio received its crisis contacts: p50, p99 and worst, and any that
    never arrived. The load process and the fake Twilio stamp with ``time.perf_counter()``,
    one monotonic clock for every process on Linux.
``--postgres``
    A throwaway PostgreSQL (fsync off, as in the tests) on 127.0.0.1 instead of SQLite.
``--instances N`` (PostgreSQL only; default 1)
    For N > 1, N linkbot instances serve the one database, each a separate process (this
    script run again with ``--serve-instance``, building the app with ``bot.bootstrap.build``,
    with the outbox when ``--outbox``), so they use more than one core; the bare handler is
    likewise N processes. The load process sends the requests round-robin over the instances'
    URLs. The fake Twilio stays in the benchmark's own process.

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
import json
import math
import multiprocessing
import os
import platform
import secrets
import signal
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
import asyncpg
import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from bot import logs
from bot.bootstrap import build
from bot.config import Settings
from bot.runtime import Runtime
from bot.web.app import AccessLogger, create_app
from storage.db import Database, upgrade
from testkit import postgres
from testkit.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio, sign
from testkit.settings import PUBLIC_BASE_URL, settings_for

HOST = "127.0.0.1"
PATH = "/sms/inbound"
BODY = "Hello, I would like some help"
CRISIS_BODY = "I cant go on, I want to end my life"  # --crisis-every: raises the crisis concern
EMPTY_TWIML = "<Response></Response>"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"  # as Twilio sends it

# Senders are +4477009NNNNN with NNNNN from FIRST_NUMBER up, clear of FROM_NUMBER (+447700900001).
NUMBER_PREFIX = "+4477009"
FIRST_NUMBER = 10_000
MAX_REQUESTS = 99_999 - FIRST_NUMBER  # warm-up requests included

REQUEST_TIMEOUT_SECONDS = 30.0
CLIENT_START_GRACE_SECONDS = 60.0  # for the load process to start and import, beyond the limit
OPEN_LOOP_MAX_CONNECTIONS = 1000  # open loop: connections the client may open, at most

OUTBOX_TWILIO_MAX_RATE = 1000  # --outbox: Twilio's pacing lifted to the most settings allow
OUTBOX_SEND_WINDOW = "00:00-23:59"  # --outbox: replies are not held for the send window
DRAIN_SECONDS = 120.0  # --outbox: how long to wait for the outbox to send the replies, at most

POSTGRES_DATABASE = "linkbot_bench"  # --postgres: the database made on the throwaway server
INSTANCE_START_SECONDS = 60.0  # for an instance process to start and say it is ready
SCRIPT = Path(__file__).resolve()  # run again as an instance process: --serve-instance
READY = "READY"  # an instance process's first line on stdout, then its URL


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
    send_lag: float = 0.0  # open loop: how late the client started a request, at worst
    sent_at: list[float] = field(default_factory=list)  # each timed hook's (scheduled) send

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
        return percentile_ms(self.latencies, fraction)


def percentile_ms(seconds: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of these durations, in milliseconds; NaN when there are none."""
    if not seconds:
        return math.nan
    ordered = sorted(seconds)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1] * 1000


def sender(index: int) -> str:
    return f"{NUMBER_PREFIX}{FIRST_NUMBER + index:05d}"


def is_crisis(position: int, crisis_every: int) -> bool:
    """Whether timed hook number ``position`` (from 0) is a crisis message."""
    return crisis_every > 0 and position % crisis_every == crisis_every - 1


def make_webhooks(count: int, first: int = 0, crisis_every: int = 0) -> list[Webhook]:
    """``count`` webhooks from distinct senders, numbered from ``first``, each with a new sid;
    with ``crisis_every`` N, every Nth says ``CRISIS_BODY``."""
    hooks = []
    for index in range(first, first + count):
        form = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": ACCOUNT_SID,
            "From": sender(index),
            "To": FROM_NUMBER,
            "Body": CRISIS_BODY if is_crisis(index - first, crisis_every) else BODY,
            "NumMedia": "0",
        }
        signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + PATH, form)
        hooks.append(Webhook(urlencode(form).encode(), signature))
    return hooks


# The load client, run in its own process.


async def post_all(
    urls: Sequence[str],
    warmup: Sequence[Webhook],
    hooks: Sequence[Webhook],
    concurrency: int,
    time_limit: float,
    open_rate: float | None = None,
) -> tuple[float, list[float], dict[str, int], float, list[float]]:
    """Post ``warmup`` (not timed, closed loop at ``concurrency``), then ``hooks``.

    Hook i goes to ``urls[i % len(urls)]``. Without ``open_rate`` the timed hooks are posted in a
    closed loop at ``concurrency``, each latency from its own send; with it, hook i is sent at
    start + i / ``open_rate`` seconds whatever the answers, each latency from that scheduled time.

    Returns the seconds the timed hooks took, the latencies of their 200 answers, a count of
    errors by kind, how late (seconds) the client was at worst in starting a scheduled
    request (0 in a closed loop), and when each timed hook was (to be) sent, by
    ``time.perf_counter()``, which on Linux is one clock for every process. Stops after
    ``time_limit`` seconds; hooks not answered by then are errors.
    """
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    finished = 0
    worst_lag = 0.0
    sent_at = [math.nan] * len(hooks)

    async def one(
        session: aiohttp.ClientSession,
        index: int,
        hook: Webhook,
        timed: bool,
        scheduled: float | None = None,
    ) -> None:
        nonlocal finished, worst_lag
        headers = {"Content-Type": FORM_CONTENT_TYPE, "X-Twilio-Signature": hook.signature}
        status, kind = 0, ""
        began = time.perf_counter()
        if scheduled is not None:
            worst_lag = max(worst_lag, began - scheduled)
            began = scheduled
        if timed:
            sent_at[index] = began
        try:
            url = urls[index % len(urls)]
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

    async def closed(session: aiohttp.ClientSession, batch: Sequence[Webhook], timed: bool) -> None:
        queue: Iterator[tuple[int, Webhook]] = iter(enumerate(batch))

        async def worker() -> None:
            for index, hook in queue:  # the workers share one iterator: each hook is posted once
                await one(session, index, hook, timed)

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def scheduled(session: aiohttp.ClientSession, rate: float) -> None:
        tasks: list[asyncio.Task[None]] = []
        start = time.perf_counter()
        try:
            for index, hook in enumerate(hooks):
                at = start + index / rate
                delay = at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(session, index, hook, True, at)))
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    limit = OPEN_LOOP_MAX_CONNECTIONS if open_rate else concurrency
    connector = aiohttp.TCPConnector(limit=limit)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        try:
            async with asyncio.timeout(time_limit):
                await closed(session, warmup, timed=False)
                began = time.perf_counter()
                if open_rate:
                    await scheduled(session, open_rate)
                else:
                    await closed(session, hooks, timed=True)
        except TimeoutError:
            errors["unanswered at the time limit"] += len(hooks) - finished
        elapsed = time.perf_counter() - began
    return elapsed, latencies, dict(errors), worst_lag, sent_at


def _load_process(
    conn: Connection,
    urls: list[str],
    warmup: list[tuple[bytes, str]],
    hooks: list[tuple[bytes, str]],
    concurrency: int,
    time_limit: float,
    open_rate: float | None,
) -> None:
    """The load process's entry point: post everything, send the figures back, exit."""
    try:
        result = asyncio.run(
            post_all(
                urls,
                [Webhook(*w) for w in warmup],
                [Webhook(*h) for h in hooks],
                concurrency,
                time_limit,
                open_rate,
            )
        )
        conn.send(result)
    finally:
        conn.close()


async def load(
    name: str,
    urls: Sequence[str],
    warmup: Sequence[Webhook],
    hooks: Sequence[Webhook],
    concurrency: int,
    time_limit: float,
    open_rate: float | None = None,
) -> LoadResult:
    """Run ``post_all`` in a fresh process against ``urls`` and collect what it saw.

    The process is spawned (not forked: this process runs an event loop and threads) and is
    killed if it has not answered within the time limit plus a grace period for starting.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_load_process,
        args=(
            sender,
            list(urls),
            [(w.body, w.signature) for w in warmup],
            [(h.body, h.signature) for h in hooks],
            concurrency,
            time_limit,
            open_rate,
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
            elapsed, latencies, errors, worst_lag, sent_at = receiver.recv()
        except EOFError:
            raise RuntimeError(f"the load process for {name} failed; see above") from None
    finally:
        receiver.close()
        await asyncio.to_thread(process.join, 5)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join, 5)
    return LoadResult(name, len(hooks), elapsed, latencies, Counter(errors), worst_lag, sent_at)


# The servers.


async def serve(
    app: web.Application, port: int = 0, **runner_options: object
) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on ``port`` (0: a free one) of 127.0.0.1; return its runner and the URL of
    ``PATH``."""
    runner = web.AppRunner(app, **runner_options)  # type: ignore[arg-type]
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
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


def linkbot_settings(database_url: str, twilio_base_url: str, outbox: bool) -> Settings:
    """The app's settings, Twilio pointed at the fake at ``twilio_base_url``, as
    ``testkit.settings.settings_for`` makes them. With the outbox, Twilio's pacing is lifted
    and the send window is the whole day, so neither holds the replies back."""
    overrides = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio_base_url,
        "TWILIO_MAX_RATE": str(OUTBOX_TWILIO_MAX_RATE) if outbox else "100",
        "LINKBOT_SIMULATOR": "off",
        "LOG_LEVEL": "WARNING",
    }
    if outbox:
        overrides["SEND_WINDOW"] = OUTBOX_SEND_WINDOW
    return settings_for(database_url, None, **overrides)


class InProcess:
    """One linkbot and one bare handler served by this process's event loop, as before."""

    def __init__(self, database_url: str, twilio_base_url: str, outbox: bool) -> None:
        self.services = build(linkbot_settings(database_url, twilio_base_url, outbox))
        self.runtime = Runtime(self.services) if outbox else None
        self.runners: list[web.AppRunner] = []
        self.linkbot_urls: list[str] = []
        self.bare_urls: list[str] = []

    async def start(self) -> None:
        linkbot_runner, linkbot_url = await serve(
            create_app(self.services), access_log_class=AccessLogger
        )
        self.runners.append(linkbot_runner)
        self.linkbot_urls.append(linkbot_url)
        if self.runtime is not None:
            self.runtime.start_outbox()  # as ``linkbot serve`` does
        # otherwise services.start_background() is deliberately not called: no outbox
        bare_runner, bare_url = await serve(bare_app(), access_log=None)
        self.runners.append(bare_runner)
        self.bare_urls.append(bare_url)

    async def close(self) -> None:
        for runner in reversed(self.runners):
            await runner.cleanup()
        if self.runtime is not None:
            await self.runtime.close()
        else:
            await self.services.close()


class Instances:
    """N linkbot instances and N bare handlers, each its own process (``--serve-instance``)."""

    def __init__(self, count: int, database_url: str, twilio_base_url: str, outbox: bool) -> None:
        self.count = count
        self.database_url = database_url
        self.twilio_base_url = twilio_base_url
        self.outbox = outbox
        self.processes: list[asyncio.subprocess.Process] = []
        self.linkbot_urls: list[str] = []
        self.bare_urls: list[str] = []

    async def _spawn(self, *extra: str) -> str:
        command = [sys.executable, str(SCRIPT), "--serve-instance", "--port", "0"]
        process = await asyncio.create_subprocess_exec(
            *command, *extra, stdout=asyncio.subprocess.PIPE
        )
        self.processes.append(process)
        assert process.stdout is not None
        try:
            async with asyncio.timeout(INSTANCE_START_SECONDS):
                line = (await process.stdout.readline()).decode().strip()
        except TimeoutError:
            said = " ".join(command + list(extra))
            raise RuntimeError(f"an instance did not start in time: {said}") from None
        if not line.startswith(READY):
            raise RuntimeError(f"an instance failed to start (said {line!r}); see above")
        return line.removeprefix(READY).strip()

    async def start(self) -> None:
        for _ in range(self.count):
            extra = ["--database-url", self.database_url, "--twilio-url", self.twilio_base_url]
            if self.outbox:
                extra.append("--outbox")
            self.linkbot_urls.append(await self._spawn(*extra))
        for _ in range(self.count):
            self.bare_urls.append(await self._spawn("--bare"))

    async def close(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.terminate()
        for process in self.processes:
            try:
                async with asyncio.timeout(20):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def serve_instance(args: argparse.Namespace) -> None:
    """``--serve-instance``: serve one linkbot (or with ``--bare`` the bare handler) on 127.0.0.1
    until SIGTERM or SIGINT. The first line on stdout is READY and the URL of ``PATH``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.bare:
        bare_runner, url = await serve(bare_app(), args.port, access_log=None)
        print(READY, url, flush=True)
        try:
            await stop.wait()
        finally:
            await bare_runner.cleanup()
        return
    services = build(linkbot_settings(args.database_url, args.twilio_url, args.outbox))
    runtime = Runtime(services)
    runner: web.AppRunner | None = None
    try:
        runner, url = await serve(create_app(services), args.port, access_log_class=AccessLogger)
        if args.outbox:
            runtime.start_outbox()
        print(READY, url, flush=True)
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        await runtime.close()


# The database.


async def migrate(url: str) -> int:
    """Bring the database at ``url`` up to date; return how many clients it already holds."""
    db = Database(url)
    try:
        await upgrade(db)
        async with db.read() as session:
            return int((await session.execute(sa.text("SELECT count(*) FROM client"))).scalar_one())
    finally:
        await db.dispose()


async def create_database(server: postgres.PostgresServer) -> str:
    """A new, empty database on the throwaway server; its URL."""
    admin = await asyncpg.connect(server.url("postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    finally:
        await admin.close()
    return server.url(POSTGRES_DATABASE)


async def unsent(url: str) -> int:
    """Replies still waiting for the outbox (pending, or claimed and being sent)."""
    db = Database(url)
    try:
        async with db.read() as session:
            query = sa.text(
                "SELECT count(*) FROM message WHERE direction = 'out' "
                "AND status IN ('pending', 'sending')"
            )
            return int((await session.execute(query)).scalar_one())
    finally:
        await db.dispose()


async def drain(url: str, limit: float) -> tuple[float, int]:
    """Wait (untimed) until the outbox has sent every reply, ``limit`` seconds at most; return
    the seconds waited and the replies still unsent."""
    began = time.perf_counter()
    left = await unsent(url)
    while left and time.perf_counter() - began < limit:
        await asyncio.sleep(0.2)
        left = await unsent(url)
    return time.perf_counter() - began, left


async def rows_written(url: str, outbox: bool) -> str:
    """Clients and messages in the database, to show the webhooks did their work."""
    db = Database(url)
    try:
        async with db.read() as session:
            clients = (await session.execute(sa.text("SELECT count(*) FROM client"))).scalar_one()
            result = await session.execute(
                sa.text(
                    "SELECT direction, status, count(*) FROM message GROUP BY direction, status"
                )
            )
            counts: Counter[str] = Counter()
            replies: Counter[str] = Counter()
            for direction, status, count in result:
                counts[str(direction)] += int(count)
                if direction == "out":
                    replies[str(status)] += int(count)
    finally:
        await db.dispose()
    if not outbox:
        return (
            f"{clients} clients, {counts['in']} inbound messages, "
            f"{counts['out']} replies queued (unsent: no outbox task)"
        )
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(replies.items()))
    return (
        f"{clients} clients, {counts['in']} inbound messages, {counts['out']} replies ({statuses})"
    )


def crisis_handover(
    result: LoadResult, fake: FakeTwilio, first: int, crisis_every: int
) -> tuple[list[float], int] | None:
    """``--crisis-every``: for each crisis webhook, the seconds from its (scheduled) send to the
    fake Twilio receiving its crisis contacts; and how many never received them."""
    if not crisis_every:
        return None
    contacts: dict[str, float] = {}
    for sms in fake.sent:
        if "999" in sms.body:  # every crisis reply gives 999
            contacts.setdefault(sms.to, sms.at)
    waits: list[float] = []
    missing = 0
    for position, sent in enumerate(result.sent_at):
        if not is_crisis(position, crisis_every):
            continue
        arrived = contacts.get(sender(first + position))
        if arrived is None or math.isnan(sent):
            missing += 1
        else:
            waits.append(arrived - sent)
    return waits, missing


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


def figures(result: LoadResult) -> dict[str, float | int | None]:
    def number(value: float) -> float | None:
        return None if math.isnan(value) else round(value, 3)

    return {
        "rate": number(result.rate),
        "p50_ms": number(result.percentile_ms(0.50)),
        "p99_ms": number(result.percentile_ms(0.99)),
        "errors": result.error_count,
    }


# The run.


async def run(args: argparse.Namespace, database_url: str) -> dict[str, object] | None:
    """One benchmark run; with ``--json``, the figures to write."""
    existing = await migrate(database_url)
    warmup = make_webhooks(args.warmup)
    hooks = make_webhooks(args.requests, first=args.warmup, crisis_every=args.crisis_every)

    fake = FakeTwilio()
    await fake.start()
    servers: InProcess | Instances
    try:
        if args.instances > 1:
            servers = Instances(args.instances, database_url, fake.base_url, args.outbox)
        else:
            servers = InProcess(database_url, fake.base_url, args.outbox)
    except BaseException:
        await fake.stop()
        raise
    drained: tuple[float, int] | None = None
    try:
        await servers.start()

        print("linkbot inbound SMS webhook benchmark")
        if args.open_loop:
            print(
                f"  {args.requests} requests in an open loop at {args.open_loop:g}/s (each "
                f"latency from its scheduled send), after {args.warmup} warm-up requests per "
                "server that are not counted"
            )
        else:
            print(
                f"  {args.requests} requests at concurrency {args.concurrency}, after "
                f"{args.warmup} warm-up requests per server that are not counted"
            )
        print(f"  database: {describe_database(database_url)}", end="")
        print(" (a throwaway server started for this run)" if args.postgres else "")
        if existing:
            print(f"  warning: the database already held {existing} clients (not empty)")
        print(
            f"  cores: {describe_cores()}; Python {platform.python_version()}; "
            f"aiohttp {aiohttp.__version__}; {platform.system()} {platform.machine()}"
        )
        if args.instances > 1:
            print(
                f"  {args.instances} linkbot instances on the one database, each its own "
                f"process, and {args.instances} bare handler processes; requests go round-robin"
            )
        if args.outbox:
            print(
                "  the outbox task IS running (Runtime.start_outbox, as linkbot serve): this "
                "measures the whole pipeline, replies sent to the fake Twilio"
            )
            print(
                f"  TWILIO_MAX_RATE lifted to {OUTBOX_TWILIO_MAX_RATE}/s and SEND_WINDOW set to "
                f"{OUTBOX_SEND_WINDOW}, so pacing and the clock do not hold replies back"
            )
        else:
            print("  the outbox task is NOT running: this measures the webhook path alone")
        print(
            "  load: a separate process, one aiohttp session, keep-alive, loopback only", flush=True
        )

        linkbot = await load(
            "linkbot",
            servers.linkbot_urls,
            warmup,
            hooks,
            args.concurrency,
            args.time_limit,
            args.open_loop,
        )
        if args.outbox:  # untimed: so the outbox does not run during the bare handler's load
            drained = await drain(database_url, DRAIN_SECONDS)
        bare = await load(
            "bare",
            servers.bare_urls,
            warmup,
            hooks,
            args.concurrency,
            args.time_limit,
            args.open_loop,
        )
        written = await rows_written(database_url, args.outbox)
        crisis = crisis_handover(linkbot, fake, args.warmup, args.crisis_every)
    finally:
        await servers.close()
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
    if args.open_loop:
        print(
            f"  asked for {args.open_loop:g}/s; the load process started a request at worst "
            f"{linkbot.send_lag * 1000:.1f} ms (linkbot), {bare.send_lag * 1000:.1f} ms (bare) "
            "late"
        )
    print(f"  database after the run: {written}")
    if drained is not None:
        waited, left = drained
        print(
            f"  outbox: {waited:.2f} s after the last answer until every reply was sent"
            if not left
            else f"  outbox: {left} replies still unsent {waited:.0f} s after the last answer"
        )
    print(f"  fake Twilio received {fake.requests} requests")
    if crisis is not None:
        waits, missing = crisis
        count = len(waits) + missing
        print(
            f"  crisis: {count} crisis messages among them (every {args.crisis_every}th); their "
            "contacts reached the fake Twilio, from the (scheduled) send of the webhook: "
            + (
                f"p50 {percentile_ms(waits, 0.5):.0f} ms, p99 {percentile_ms(waits, 0.99):.0f} ms, "
                f"worst {max(waits) * 1000:.0f} ms"
                if waits
                else "never"
            )
            + (f"; {missing} never arrived" if missing else "")
        )

    if args.json:
        document: dict[str, object] = {
            "bench": "inbound",
            "mode": {
                "database": make_url(database_url).get_backend_name(),
                "postgres": args.postgres,
                "instances": args.instances,
                "outbox": args.outbox,
                "open_loop": args.open_loop,
                "concurrency": None if args.open_loop else args.concurrency,
                "requests": args.requests,
                "warmup": args.warmup,
                "cores": os.cpu_count(),
            },
            "linkbot": figures(linkbot),
            "bare": figures(bare),
            "ratio": None if math.isnan(ratio) else round(ratio, 4),
        }
        if drained is not None and not drained[1]:
            document["drain_s"] = round(drained[0], 2)  # until every reply was sent
        if crisis is not None:
            waits, missing = crisis
            document["crisis"] = {
                "every": args.crisis_every,
                "count": len(waits) + missing,
                "missing": missing,
                "p50_ms": round(percentile_ms(waits, 0.5), 1) if waits else None,
                "p99_ms": round(percentile_ms(waits, 0.99), 1) if waits else None,
            }
        return document
    return None


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
        help="requests in flight at once, closed loop (default 20; also the warm-up's)",
    )
    parser.add_argument(
        "--open-loop",
        type=float,
        metavar="RATE",
        help="send the timed requests on a fixed schedule of RATE per second whatever the "
        "answers, each latency from its scheduled time (default: closed loop)",
    )
    parser.add_argument(
        "--outbox",
        action="store_true",
        help="run the outbox too (as linkbot serve), replies sent to the fake Twilio",
    )
    database = parser.add_mutually_exclusive_group()
    database.add_argument(
        "--database-url",
        metavar="URL",
        help="an existing, empty database to migrate and use, e.g. "
        "postgresql://user@127.0.0.1/linkbot_bench (default: a new SQLite file "
        "in a temporary folder)",
    )
    database.add_argument(
        "--postgres",
        action="store_true",
        help="start a throwaway PostgreSQL (testkit.postgres) and use a new database on it",
    )
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        metavar="N",
        help="linkbot instances on the one database, each its own process when N > 1 "
        "(default 1; more needs PostgreSQL)",
    )
    parser.add_argument(
        "--crisis-every",
        type=int,
        default=0,
        metavar="N",
        help="with --outbox: every Nth timed webhook is a crisis message, and the time until its "
        "contacts reach the fake Twilio is printed (p50, p99, worst)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
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
    # The entry of one instance process, started by the benchmark itself.
    parser.add_argument("--serve-instance", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--twilio-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_instance:
        if not args.bare and not (args.database_url and args.twilio_url):
            parser.error("--serve-instance needs --bare, or --database-url and --twilio-url")
        return args
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0 or args.time_limit <= 0:
        parser.error(
            "--requests and --concurrency must be at least 1, --warmup at least 0 "
            "and --time-limit more than 0"
        )
    if args.open_loop is not None and args.open_loop <= 0:
        parser.error("--open-loop must be more than 0 requests per second")
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    if args.crisis_every < 0 or (args.crisis_every and not args.outbox):
        parser.error("--crisis-every needs --outbox and a number of at least 1")
    if args.requests + args.warmup > MAX_REQUESTS:
        parser.error(
            f"--requests plus --warmup may be at most {MAX_REQUESTS} (one distinct sender each)"
        )
    backend = ""
    if args.database_url:
        try:
            backend = make_url(args.database_url).get_backend_name()
        except ArgumentError:
            backend = ""
        if backend not in ("sqlite", "postgresql", "postgres"):
            parser.error("--database-url must be a sqlite:/// or postgresql:// URL")
    if args.instances > 1 and not (args.postgres or backend.startswith("postgres")):
        parser.error("--instances above 1 needs PostgreSQL: --postgres or --database-url")
    return args


def run_on_database(args: argparse.Namespace) -> dict[str, object] | None:
    """Run on the database asked for: given, a throwaway PostgreSQL, or a temporary SQLite."""
    if args.database_url:
        return asyncio.run(run(args, args.database_url))
    if args.postgres:
        server = postgres.start()
        try:
            return asyncio.run(run(args, asyncio.run(create_database(server))))
        finally:
            server.stop()  # after run() has stopped the instances
    with tempfile.TemporaryDirectory(prefix="linkbot-bench-") as folder:
        return asyncio.run(run(args, f"sqlite:///{folder}/linkbot.db"))


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logs.setup("WARNING")  # the app's warnings and errors show, with numbers redacted
    if args.serve_instance:
        asyncio.run(serve_instance(args))
        return
    document = run_on_database(args)
    if args.json and document is not None:
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
        print(f"  figures written to {args.json}")


if __name__ == "__main__":
    main()
