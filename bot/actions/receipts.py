"""A provider's delivery report (Twilio's status callback, Vonage's receipt), by any provider:
recorded on its message, and a case opened for a person when it says the message did not
arrive."""

from __future__ import annotations

from bot.actions.unit import change
from bot.bootstrap import Services
from bot.channels import DeliveryReport
from flows.engine.delivery import undelivered
from storage import outbox


async def record(services: Services, report: DeliveryReport) -> None:
    now = services.clock.now()
    async with change(services) as uow:
        lost = await outbox.record_status(
            uow.session, report.provider_id, report.state, report.error_code, report.opted_out, now
        )
        if lost is not None:  # it did not arrive: a person follows it up
            await undelivered(uow, lost, now)
