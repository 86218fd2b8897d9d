"""Plain dataclasses for the things flows reason about; storage maps rows to and from them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flows.calendar import WorkingDays
from flows.messages import Address


class CasePriority(enum.StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Sort key: urgent first."""
        return list(CasePriority).index(self)


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Role(enum.StrEnum):
    LINK_WORKER = "link_worker"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Client:
    id: int
    address: Address  # where replies go: the channel the client uses now
    phone: str | None
    telegram_chat_id: str | None
    name: str | None
    practice_id: int | None
    opted_out: bool
    flow: str | None
    flow_state: dict[str, Any] = field(default_factory=dict)
    date_of_birth: str | None = None  # ISO date
    last_seen_at: datetime | None = None  # their latest message to us


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    client_id: int
    reason: str
    priority: CasePriority
    status: CaseStatus
    assigned_to: int | None
    created_at: datetime
    due_by: datetime


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    email: str
    name: str
    role: Role
    practice_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def due_by(priority: CasePriority, opened_at: datetime, days: WorkingDays) -> datetime:
    """When a case should be answered: urgent within the hour, whatever the day; others in
    the service's working days (no weekends, no bank holidays of its nation)."""
    if priority is CasePriority.URGENT:
        return opened_at + timedelta(hours=1)
    count = {CasePriority.HIGH: 1, CasePriority.NORMAL: 2, CasePriority.LOW: 5}[priority]
    return days.add(opened_at, count)


@dataclass(frozen=True, slots=True)
class NewCase:
    client_id: int
    practice_id: int | None
    reason: str
    priority: CasePriority
    created_at: datetime
    due_by: datetime


@dataclass(frozen=True, slots=True)
class DueTimer:
    id: int
    client_id: int
    kind: str
    due_at: datetime
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    message: str | None  # the staff's own message, or None for the check-in conversation
    status: str  # scheduled, paused or cancelled
