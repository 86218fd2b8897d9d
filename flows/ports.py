"""What the engine needs from storage, as a protocol; storage implements it on SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flows.messages import Address, Inbound, Priority
from flows.model import Case, CasePriority, Client


@dataclass(frozen=True, slots=True)
class OutgoingDraft:
    client_id: int
    address: Address
    text: str
    kind: str
    priority: Priority
    not_before: datetime
    case_id: int | None = None
    sent_by: int | None = None  # the staff user who wrote it
    allowed_when_opted_out: bool = False
    written_at: datetime | None = None  # defaults to not_before
    expires_at: datetime | None = None  # past this it is no use: not sent


@dataclass(frozen=True, slots=True)
class NewCase:
    client_id: int
    practice_id: int | None
    reason: str
    priority: CasePriority
    created_at: datetime
    due_by: datetime


class Store(Protocol):
    """One unit of work: everything done through it commits together or not at all."""

    async def claim_provider_id(self, key: str, at: datetime) -> bool:
        """Record a provider's message id; False when it was seen before."""

    async def client_by_address(self, address: Address) -> Client | None: ...

    async def add_client(self, address: Address, phone: str | None, at: datetime) -> Client: ...

    async def client(self, client_id: int) -> Client | None: ...

    async def set_opted_out(self, client_id: int, opted_out: bool, at: datetime) -> None: ...

    async def set_flow(
        self, client_id: int, flow: str | None, state: dict[str, Any], at: datetime
    ) -> None: ...

    async def open_case_for(self, client_id: int) -> Case | None: ...

    async def add_case(self, case: NewCase) -> Case: ...

    async def escalate_case(
        self, case_id: int, priority: CasePriority, reason: str, due_by: datetime
    ) -> None: ...

    async def assign_case(self, case_id: int, user_id: int) -> None: ...

    async def close_case(
        self, case_id: int, outcome: str, onward: list[str], by: int, at: datetime
    ) -> None: ...

    async def add_inbound(self, client_id: int, inbound: Inbound, case_id: int | None) -> int: ...

    async def add_outgoing(self, draft: OutgoingDraft) -> int: ...
