"""Signals between the parts of one running process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class SessionsEnded:
    """Tells the event streams open in this process that a session or a user may have ended
    (sign-out, password change or reset, disabling), so they look again at once instead of at
    their next tick. Another process's changes are seen at that tick."""

    def __init__(self) -> None:
        self._watching: set[asyncio.Event] = set()

    def announce(self) -> None:
        for event in self._watching:
            event.set()

    @contextmanager
    def watch(self) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._watching.add(event)
        try:
            yield event
        finally:
            self._watching.discard(event)


class InboundBacklog:
    """Whether this process is keeping ordinary messages in the inbound spool before handling
    them, because more were waiting for the database than it could handle at once
    (``bot.actions.inbound.receive``); its drain (``bot.actions.inbound.drain_backlog``)
    handles them in the order they came and says when it has caught up.

    While it is behind, every ordinary message is kept first, so none of a person's messages
    overtakes one kept before it; a message that suggests a risk of harm is never kept."""

    def __init__(self) -> None:
        self.behind = False
        self.kept = 0  # how many were kept since the process started: tells a drain it missed one
        self.woken = asyncio.Event()
        self.draining = asyncio.Lock()  # one drain at a time in a process: they keep the order

    def keep(self) -> None:
        self.behind = True
        self.kept += 1
        self.woken.set()
