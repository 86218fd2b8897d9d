"""Start-up time and resident memory of ``linkbot serve``, printed, asserting nothing.

Run it by hand from the project root::

    .venv/bin/python bench/serving.py [--requests N] [--json FILE]

1. Migrates a fresh SQLite file (outside the timing: a real deployment migrates once), starts
   the fake Twilio REST server from ``testkit.fake_twilio`` on loopback, then starts
   ``linkbot serve`` as its own process on a free port of 127.0.0.1, configured by environment
   variables as an operator would (``TWILIO_API_BASE_URL`` pointing at the fake). Start-up is
   the time from starting the process to ``GET /healthz`` first answering 200 (polled every
   10 ms): the interpreter, imports, settings, wiring, the upgrade check, the scheduler and the
   outbox.
2. Posts N signed inbound webhooks from distinct numbers (concurrency 10), so the outbox sends
   N welcomes, then reads the process's resident memory from ``/proc/<pid>/status``: ``VmRSS``
   (now) and ``VmHWM`` (its peak). Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from testkit.databases import fresh_sqlite
from testkit.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio, sign
from testkit.settings import PUBLIC_BASE_URL

ROOT = Path(__file__).resolve().parents[1]
PATH = "/sms/inbound"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid``, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


async def _post_all(url: str, count: int) -> int:
    """Post ``count`` signed webhooks at concurrency 10; how many were answered 200."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    ok = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal ok
        while not queue.empty():
            i = queue.get_nowait()
            form = {
                "MessageSid": f"SMserving{i:024d}",
                "AccountSid": ACCOUNT_SID,
                "From": f"+4477009{50_000 + i:05d}",
                "To": FROM_NUMBER,
                "Body": "Hello, I would like some help",
                "NumMedia": "0",
            }
            headers = {
                "X-Twilio-Signature": sign(AUTH_TOKEN, PUBLIC_BASE_URL + PATH, form),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            async with session.post(url, data=urlencode(form), headers=headers) as answer:
                ok += answer.status == 200

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(10)))
    return ok


async def measure(requests: int) -> dict[str, float | int]:
    database_url = await fresh_sqlite("serving")
    fake = FakeTwilio()
    await fake.start()
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "LINKBOT_HOST": "127.0.0.1",
        "LINKBOT_PORT": str(port),
        "LINKBOT_SIMULATOR": "off",
        "LOG_LEVEL": "WARNING",
        "SEND_WINDOW": "00:00-23:59",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM_NUMBER,
        "TWILIO_API_BASE_URL": fake.base_url,
        "TWILIO_MAX_RATE": "1000",
    }
    linkbot = str(Path(sys.executable).with_name("linkbot"))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        linkbot, "serve", cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            while True:
                if process.returncode is not None:
                    said = b"" if process.stderr is None else await process.stderr.read()
                    raise RuntimeError(f"linkbot serve ended: {said.decode()}")
                try:
                    async with session.get(f"{base}/healthz") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.01)
        start_up = time.perf_counter() - started
        idle = _memory_mb(process.pid)
        ok = await _post_all(base + PATH, requests)
        deadline = time.perf_counter() + 60
        while fake.requests < ok and time.perf_counter() < deadline:  # noqa: ASYNC110  (another process sends)
            await asyncio.sleep(0.05)
        busy = _memory_mb(process.pid)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
        await fake.stop()
    return {
        "start_up_s": start_up,
        "rss_idle_mb": idle["VmRSS"],
        "rss_mb": busy["VmRSS"],
        "peak_mb": busy["VmHWM"],
        "requests": requests,
        "answered": ok,
        "sent": fake.requests,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="webhooks to post")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.requests))
    print("linkbot serve: start-up and resident memory (SQLite, loopback)")
    print(f"  start-up to /healthz 200: {figures['start_up_s']:.2f} s")
    print(f"  resident memory at start: {figures['rss_idle_mb']:.0f} MB")
    print(
        f"  after {figures['answered']} webhooks and {figures['sent']} sends: "
        f"{figures['rss_mb']:.0f} MB (peak {figures['peak_mb']:.0f} MB)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "serving", **figures}, indent=2))


if __name__ == "__main__":
    main()
