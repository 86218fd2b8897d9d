"""Which provider each try of a message goes to.

Each channel has its providers, first choice first (SMS: Twilio, then Vonage when it is set
up). A message goes by the first choice until it has failed there ``failover_after`` times (a
crisis reply: once), then by the others in turn. A provider marked down
(``storage.provider_health``) is passed over; when every provider of a channel is down, the
channel is closed but for one probe at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels import Sender
from flows.messages import Address, Channel, Priority
from storage import provider_health
from storage.provider_health import Health


class Routes:
    def __init__(self, routes: Mapping[Channel, Sequence[Sender]], failover_after: int) -> None:
        self._routes = {channel: tuple(senders) for channel, senders in routes.items() if senders}
        self._failover_after = failover_after
        self._health: dict[str, Health] = {}
        self._probing: set[str] = set()  # down providers this pass may try once

    def senders(self) -> list[Sender]:
        """Every provider of every channel, once each."""
        unique = {id(s): s for senders in self._routes.values() for s in senders}
        return list(unique.values())

    def has(self, channel: Channel) -> bool:
        return channel in self._routes

    def _state(self, name: str) -> Health:
        return self._health.get(name, Health(name))

    async def look(self, session: AsyncSession, now: datetime) -> tuple[list[str], list[str]]:
        """Read every provider's health for this pass. Returns the channels with no provider
        answering, and those of them that may send one probe now (reserved here)."""
        names = sorted({s.name for senders in self._routes.values() for s in senders})
        self._health = dict(await provider_health.read(session, names))
        self._probing.clear()
        closed, probes = [], []
        for channel, senders in self._routes.items():
            if any(not self._state(s.name).down for s in senders):
                continue
            closed.append(channel.value)
            for sender in senders:
                if self._state(sender.name).may_probe(now) and await provider_health.take_probe(
                    session, sender.name, now
                ):
                    probes.append(channel.value)
                    self._probing.add(sender.name)
                    break
        return closed, probes

    def choose(self, to: Address, priority: Priority, attempts: int) -> Sender | None:
        """The provider for try number ``attempts``, or None when none may take it now."""
        senders = self._routes.get(to.channel, ())
        if not senders:
            return None
        needed = 1 if priority is Priority.CRISIS else self._failover_after
        failed = attempts - 1
        turn = 0 if failed < needed else (failed - needed + 1) % len(senders)
        order = senders[turn:] + senders[:turn]
        for sender in order:
            if not self._state(sender.name).down:
                return sender
        for sender in order:
            if sender.name in self._probing:
                self._probing.discard(sender.name)
                return sender
        return None

    async def answered(self, session: AsyncSession, name: str, now: datetime) -> None:
        """The provider answered: up again, if it was counted as failing."""
        if self._state(name).failures:
            await provider_health.record(session, name, answered=True, now=now)
            self._health[name] = Health(name)

    async def failed(self, session: AsyncSession, name: str, now: datetime) -> None:
        """A passing fault at the provider (timeout, network, 429, 5xx)."""
        await provider_health.record(session, name, answered=False, now=now)
        failures = self._state(name).failures + 1
        down_until = now + provider_health.probe_wait(failures)
        self._health[name] = Health(name, failures, down_until)
