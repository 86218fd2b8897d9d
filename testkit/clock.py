"""A clock the tests move by hand. Sleeping moves it too, so waits cost no real time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        # A Tuesday at 10:00 in London (GMT): inside the default send window.
        self._now = start or datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, at: datetime) -> None:
        self._now = at

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self._now += timedelta(seconds=max(0.0, seconds))
        await asyncio.sleep(0)
