"""What a flow step returns: replies, the next state, and effects for the engine to apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flows.messages import Inbound, Reply
from flows.model import CasePriority, Client
from flows.texts import ServiceInfo


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Open a case for the client (or use the open one) and put this message in it."""

    reason: str
    priority: CasePriority = CasePriority.NORMAL


Effect = OpenCase


@dataclass(frozen=True, slots=True)
class Step:
    replies: tuple[Reply, ...] = ()
    flow: str | None = None  # the flow to be in after this step; None leaves all flows
    state: Mapping[str, Any] = field(default_factory=dict)
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    service: ServiceInfo
    client: Client
    now: datetime


class Flow(Protocol):
    name: str

    def start(self, ctx: Context, inbound: Inbound) -> Step: ...

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step: ...
