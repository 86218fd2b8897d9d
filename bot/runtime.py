"""The running process: the web server, the outbox, Telegram's webhook or polling, and the
scheduler's ticks, started together on the services' clock and stopped together.

``linkbot serve`` is ``serve``; the command line's other commands use ``opened`` to get the
services (the database upgraded) for as long as one command runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import demo, scheduler
from bot.actions.inbound import drain_backlog, receive
from bot.bootstrap import Services, build
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.web.app import AccessLogger, create_app
from flows.messages import Channel
from storage.db import upgrade

log = logging.getLogger(__name__)


class Runtime:
    """The background work of one process: the outbox, the channels that need a task of their
    own, and (for a server) the scheduler and the web runner."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._ticks: AsyncIOScheduler | None = None
        self._runner: web.AppRunner | None = None

    def start_outbox(self) -> None:
        """The outbox, and the drain of what a burst of messages left in the inbound spool."""
        self._tasks.append(asyncio.create_task(self.services.outbox.run(self._stop), name="outbox"))
        drain = drain_backlog(self.services, self._stop)
        self._tasks.append(asyncio.create_task(drain, name="inbound-backlog"))

    def start_channels(self) -> None:
        """Telegram: register its webhook, or start long polling."""
        services = self.services
        channel = services.senders.get(Channel.TELEGRAM)
        if not isinstance(channel, TelegramChannel):
            return
        secret = services.settings.telegram_webhook_secret
        if secret:
            url = f"{services.settings.public_base_url}/telegram/webhook"
            work = _register_webhook(channel, url, secret)
            self._tasks.append(asyncio.create_task(work, name="telegram-webhook"))
        else:
            poll = channel.poll(partial(receive, services), services.clock.now, self._stop)
            self._tasks.append(asyncio.create_task(poll, name="telegram-poll"))

    async def start_server(self) -> str:
        """Listen for HTTP, start everything else; the address it listens on."""
        settings = self.services.settings
        self._runner = web.AppRunner(create_app(self.services), access_log_class=AccessLogger)
        await self._runner.setup()
        await web.TCPSite(self._runner, settings.linkbot_host, settings.linkbot_port).start()
        self.start_outbox()
        self.start_channels()
        self._ticks = scheduler.start(self.services)
        return f"http://{settings.linkbot_host}:{settings.linkbot_port}"

    async def close(self) -> None:
        """Stop everything this process started, then close the services."""
        self._stop.set()
        if self._ticks is not None:
            self._ticks.shutdown(wait=False)
        if self._runner is not None:
            await self._runner.cleanup()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.services.close()


async def _register_webhook(channel: TelegramChannel, url: str, secret: str) -> None:
    try:
        await channel.register_webhook(url, secret)
        log.info("Telegram webhook registered")
    except Exception:
        log.exception("could not register the Telegram webhook; Telegram will not deliver")


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Services]:
    """The services for one command: the database created or upgraded first."""
    services = build(settings)
    try:
        await upgrade(services.db)
        yield services
    finally:
        await services.close()


async def serve(settings: Settings, *, with_demo: bool) -> None:
    """``linkbot serve``: upgrade the database (and seed the demo's), serve until a signal."""
    services = build(settings)
    runtime = Runtime(services)
    try:
        await upgrade(services.db)
        login = await demo.seed(services.db, services.clock.now()) if with_demo else None
        base = await runtime.start_server()
        print(f"linkbot is listening on {base}", flush=True)
        if settings.simulator_enabled:
            print(f"Try it as a client: {base}/simulator", flush=True)
        if login is not None:
            print(f"Staff sign-in: {base}/login", flush=True)
            print(f"Demo admin login: {login.email}  password: {login.password}", flush=True)
            print(f"Demo API token: {login.token}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runtime.close()
