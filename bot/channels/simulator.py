"""The in-browser phone simulator: its messages are read back from the database by the page."""

from __future__ import annotations

from bot.channels import Sent
from flows.delivery import Delivery
from flows.messages import Address, Button


class SimulatorSender:
    """Delivery to the simulator is the outgoing row itself; the page polls for it."""

    name = "simulator"

    async def send(
        self,
        to: Address,
        text: str,
        *,
        validity_seconds: int | None,
        buttons: tuple[Button, ...] = (),
    ) -> Sent:
        return Sent(None, Delivery.DELIVERED)

    async def close(self) -> None:
        return None
