"""Tidying that keeps the database small: provider ids already de-duplicated long ago."""

from __future__ import annotations

from datetime import timedelta

from bot.actions.unit import change
from bot.bootstrap import Services

# Twilio and Telegram redeliver within minutes or hours; a fortnight is ample for dedupe.
KEEP_PROCESSED_IDS = timedelta(days=14)


async def prune_processed_ids(services: Services) -> int:
    async with change(services) as uow:
        return await uow.messages.forget_provider_ids(services.clock.now() - KEEP_PROCESSED_IDS)
