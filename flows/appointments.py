"""Appointments: the confirmation request, answers to it, cancelling and attendance.

Messages about a session say when, where and with whom, never why.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flows import answers
from flows.sendwindow import SendWindow


class AppointmentStatus(enum.StrEnum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    REARRANGE = "rearrange"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    DNA = "dna"


@dataclass(frozen=True, slots=True)
class Appointment:
    id: int
    client_id: int
    starts_at: datetime
    duration_minutes: int
    location: str
    worker: str
    status: AppointmentStatus
    asked_again: bool = False
    worker_id: int | None = None  # the link worker as a staff user, when known
    reminder_variant: str | None = None  # the reminder wording it was given, when tested


@dataclass(frozen=True, slots=True)
class NewAppointment:
    client_id: int
    starts_at: datetime
    duration_minutes: int
    location: str
    worker: str
    created_by: int | None
    created_at: datetime
    worker_id: int | None = None
    reminder_variant: str | None = None


_CANT = re.compile(
    r"\b(can\s*not|cant|can't|won'?t\s+be\s+able|not\s+able|unable|need\s+to\s+(change|move)|"
    r"rearrange|re-?arrange|reschedule|change\s+(it|the\s+(time|day|date))|another\s+(time|day)|"
    r"not\s+going\s+to\s+make|wont\s+make|won't\s+make|busy|no\s+i\s+cant)\b",
    re.IGNORECASE,
)


def reply_to_request(text: str) -> bool | None:
    """True for yes, False for no or "can't make it", None when unclear."""
    if _CANT.search(text.replace("\u2019", "'")):
        return False
    said = answers.yes_no(text)
    if said is not None:
        return said
    words = re.findall(r"[a-z]+", text.lower())
    if words and words[0] in _YES_FIRST:
        return True  # "yes see you then"
    if words[:2] in (["no", "problem"], ["no", "worries"], ["no", "bother"]):
        return True  # "no problem, see you then"
    if words and words[0] in ("no", "nope", "nah"):
        return False  # "no sorry"
    return None


_YES_FIRST = frozenset(
    {
        "yes",
        "yeah",
        "yep",
        "yup",
        "ok",
        "okay",
        "sure",
        "confirmed",
        "confirm",
        "definitely",
        "great",
        "lovely",
        "perfect",
    }
)


def when(starts_at: datetime, zone: ZoneInfo) -> str:
    """'Tue 24 Nov at 2:30pm' in the service's time zone."""
    local = starts_at.astimezone(zone)
    hour = local.strftime("%I").lstrip("0")
    minutes = "" if local.minute == 0 else local.strftime(":%M")
    return f"{local:%a} {local.day} {local:%b} at {hour}{minutes}{local:%p}".replace(
        "AM", "am"
    ).replace("PM", "pm")


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    label: str  # "48h", as configured
    due_at: datetime  # when it goes; for a dropped one, when it would have gone
    dropped: str | None = None  # why it will not go


def label(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    if seconds % 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def plan_reminders(
    starts_at: datetime, offsets: list[timedelta], window: SendWindow, now: datetime
) -> list[PlannedReminder]:
    """When each reminder goes: ``offset`` before the start by the local wall clock (so "48h"
    before 10:00 on the Monday after the clocks change is 10:00 on Saturday), moved back to the
    last opening of the send window when it falls outside, and dropped when that is not before
    the start, or already past when booking (the confirmation request goes instead)."""
    zone = window.zone
    local_start = starts_at.astimezone(zone).replace(tzinfo=None)
    plans = []
    for offset in offsets:
        ideal = (local_start - offset).replace(tzinfo=zone).astimezone(UTC)
        due = window.last_open_before(ideal)
        if due >= starts_at:
            plans.append(PlannedReminder(label(offset), due, "no time in the send window"))
        elif due < now:
            plans.append(PlannedReminder(label(offset), due, "booked after its time"))
        else:
            plans.append(PlannedReminder(label(offset), due))
    return plans


def first_name(worker: str) -> str:
    return worker.split()[0] if worker.split() else worker
