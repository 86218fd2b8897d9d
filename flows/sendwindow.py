"""The local daily window in which non-urgent messages may be sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class SendWindow:
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, zone: ZoneInfo) -> SendWindow:
        """Parse ``HH:MM-HH:MM``; an end before the start wraps past midnight."""
        match = _WINDOW.match(text)
        if not match:
            raise ValueError("expected HH:MM-HH:MM, for example 08:00-20:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        for hour, minute in ((h1, m1), (h2, m2)):
            if hour > 23 or minute > 59:
                raise ValueError(f"{hour:02d}:{minute:02d} is not a time of day")
        if (h1, m1) == (h2, m2):
            raise ValueError("the window opens and closes at the same time")
        return cls(time(h1, m1), time(h2, m2), zone)

    def contains(self, at: datetime) -> bool:
        local = at.astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_opening(self, at: datetime) -> datetime:
        """The first moment at or after ``at`` inside the window, in UTC."""
        if self.contains(at):
            return at
        local = at.astimezone(self.zone)
        for days in range(3):
            day = local.date() + timedelta(days=days)
            # Built from the wall clock so that clock changes land on the local opening time.
            opening = datetime.combine(day, self.start, tzinfo=self.zone)
            if opening >= local:
                return opening.astimezone(UTC)
        raise AssertionError("a daily window always opens within two days")

    def last_open_before(self, at: datetime, margin: timedelta = timedelta(minutes=15)) -> datetime:
        """``at`` if the window is open then; else ``margin`` before the window last closed
        before ``at`` (time for the outbox to send it while the window is still open)."""
        if self.contains(at):
            return at
        local = at.astimezone(self.zone)
        for days in range(0, 3):
            day = local.date() - timedelta(days=days)
            closing = datetime.combine(day, self.end, tzinfo=self.zone) - margin
            if closing <= local and self.contains(closing):
                return closing.astimezone(UTC)
        raise AssertionError("a daily window always closes within two days")
