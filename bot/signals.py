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
