"""Telling the service's duty contact about an urgent case nobody has taken within its hour.

The case is marked first, by a conditional update, and the alert queued only when the mark
took: a case is alerted at most once, however often and on however many instances the tick
runs, and a case someone took in the meantime gets none. The alert carries the case's number
and the service's name, nothing of the client (``texts.DUTY_ALERT``).
"""

from __future__ import annotations

from datetime import datetime

from flows import texts
from flows.engine import outgoing
from flows.messages import Address
from flows.ports import Unit
from flows.texts import ServiceInfo


async def alert_duty(
    uow: Unit, case_id: int, contact: Address, service: ServiceInfo, now: datetime
) -> int | None:
    """Mark the case alerted and queue the alert to ``contact``: the message's id, or None when
    the case no longer needs one (taken, closed or alerted already)."""
    if not await uow.cases.mark_duty_alerted(case_id, now):
        return None
    return await outgoing.to_duty(uow, contact, texts.duty_alert(service, case_id), case_id, now)
