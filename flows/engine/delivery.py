"""A message that will not be tried again: a person must reach the client another way, so a
case opens (through ``open_case``, the one place), urgent when it held the crisis contacts."""

from __future__ import annotations

from datetime import datetime

from flows.delivery import Undelivered
from flows.engine.cases import open_case
from flows.messages import Priority
from flows.model import Case, CasePriority
from flows.ports import Unit

CRISIS_REPLY_UNDELIVERED = "crisis_reply_undelivered"
UNDELIVERED = "undelivered"
REFERRER_UPDATE_UNDELIVERED = "referrer_update_undelivered"


async def undelivered(uow: Unit, message: Undelivered, now: datetime) -> Case | None:
    """The case a person follows the undelivered message up in; None when there is no one to
    follow up (a person who opted out was refused an ordinary message, as they asked)."""
    crisis = message.priority is Priority.CRISIS
    if message.client_id is None or (message.opted_out and not crisis):
        return None
    client = await uow.clients.get(message.client_id)
    if client is None:
        return None
    if crisis:
        # The urgent case says so, even when it is already urgent (``open_case`` relabels a
        # case of the same priority): a person must phone them.
        return await open_case(uow, client, CRISIS_REPLY_UNDELIVERED, now, CasePriority.URGENT)
    reason = REFERRER_UPDATE_UNDELIVERED if message.to_referrer else UNDELIVERED
    return await open_case(uow, client, reason, now)
