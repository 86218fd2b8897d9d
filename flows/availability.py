"""When link workers can see clients: slots from their weekly patterns and one-off times,
less bank holidays, leave, sessions already booked and slots held for someone; and which free
slots to offer a client.

Pure: storage supplies the patterns and what is busy; nothing here reads a clock or database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flows.calendar import WorkingDays

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OFFER_AT_MOST = 3  # choices in one message: "Reply 1, 2 or 3"
LOOK_AHEAD = timedelta(days=28)  # how far ahead offers are looked for
SOONEST = timedelta(hours=2)  # the soonest an offered session may start


@dataclass(frozen=True, slots=True)
class Pattern:
    """Sessions in slots of ``slot_minutes`` from ``starts`` to ``ends`` (local times), every
    ``weekday`` (0 is Monday) between ``valid_from`` and ``valid_until``, or once on
    ``on_date``. A weekly pattern has no slots on a bank holiday; a one-off time does."""

    id: int
    worker_id: int
    worker: str
    weekday: int | None
    on_date: date | None
    starts: time
    ends: time
    slot_minutes: int
    location: str
    valid_from: date | None = None
    valid_until: date | None = None

    def runs_on(self, day: date, calendar: WorkingDays) -> bool:
        if self.on_date is not None:
            return day == self.on_date
        if day.weekday() != self.weekday:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        return calendar.bank_holiday(day) is None

    def describe(self) -> str:
        """'Mondays 09:00-12:00, 45 min slots, at The Surgery' for the staff app."""
        when = (
            f"{WEEKDAYS[self.weekday]}s" if self.weekday is not None else f"{self.on_date:%a %d %b}"
        )
        span = f"{self.starts:%H:%M}-{self.ends:%H:%M}"
        return f"{when} {span}, {self.slot_minutes} min slots, at {self.location}"


def check_pattern(
    weekday: int | None, on_date: date | None, starts: time, ends: time, slot_minutes: int
) -> str | None:
    """What is wrong with a pattern, naming the field, or None."""
    if (weekday is None) == (on_date is None):
        return "weekday: give a weekday for every week, or a date for one day only."
    if weekday is not None and not 0 <= weekday <= 6:
        return "weekday: 0 (Monday) to 6 (Sunday)."
    if not 5 <= slot_minutes <= 480:
        return "slot_minutes: from 5 to 480 minutes."
    if ends <= starts:
        return "ends: the end must be after the start."
    if _minutes(ends) - _minutes(starts) < slot_minutes:
        return "ends: there must be room for at least one slot."
    return None


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


@dataclass(frozen=True, slots=True)
class Slot:
    worker_id: int | None
    worker: str
    starts_at: datetime  # UTC
    minutes: int
    location: str

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True, slots=True)
class Busy:
    """A time a worker cannot take a new session: ``why`` is booked, leave or held."""

    worker_id: int
    starts_at: datetime
    ends_at: datetime
    why: str

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.starts_at < ends_at and starts_at < self.ends_at


def slots(
    patterns: Iterable[Pattern], calendar: WorkingDays, start: datetime, end: datetime
) -> list[Slot]:
    """Every slot of the patterns starting in [start, end), in time order."""
    zone = calendar.zone
    found: list[Slot] = []
    patterns = list(patterns)
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        for pattern in patterns:
            if not pattern.runs_on(day, calendar):
                continue
            at = datetime.combine(day, pattern.starts, zone)
            finish = datetime.combine(day, pattern.ends, zone)
            step = timedelta(minutes=pattern.slot_minutes)
            while at + step <= finish:
                utc = at.astimezone(UTC)
                if start <= utc < end:
                    found.append(
                        Slot(
                            pattern.worker_id,
                            pattern.worker,
                            utc,
                            pattern.slot_minutes,
                            pattern.location,
                        )
                    )
                at += step
        day += timedelta(days=1)
    return sorted(found, key=lambda s: (s.starts_at, s.worker))


def clash(
    worker_id: int | None, starts_at: datetime, minutes: int, busy: Iterable[Busy]
) -> Busy | None:
    """What stops ``worker_id`` taking a session then, or None."""
    if worker_id is None:
        return None
    ends_at = starts_at + timedelta(minutes=minutes)
    return next(
        (b for b in busy if b.worker_id == worker_id and b.overlaps(starts_at, ends_at)), None
    )


def free(candidates: Iterable[Slot], busy: Sequence[Busy]) -> list[Slot]:
    return [s for s in candidates if clash(s.worker_id, s.starts_at, s.minutes, busy) is None]


def choose(free_slots: Sequence[Slot], at_most: int = OFFER_AT_MOST) -> list[Slot]:
    """Up to ``at_most`` slots to offer, soonest first and on different days where it can,
    so the choice means something ("Tue 10am, Wed 2pm, Fri 11am", not three on Tuesday)."""
    chosen: list[Slot] = []
    days: set[date] = set()
    for slot in free_slots:
        if len(chosen) == at_most:
            break
        if slot.starts_at.date() not in days:
            chosen.append(slot)
            days.add(slot.starts_at.date())
    for slot in free_slots:
        if len(chosen) == at_most:
            break
        if slot not in chosen:
            chosen.append(slot)
    return sorted(chosen, key=lambda s: s.starts_at)
