"""Alerting the duty contact: an urgent case nobody has taken past its response target.

A tick (``bot.scheduler``, every minute) runs ``alert_overdue``. It finds the open urgent
cases with no one assigned whose ``due_by`` has passed and whose duty contact has not been
told, and handles each in a transaction of its own: the case is marked (``cases.
duty_alerted_at``) and one message per case queued to ``DUTY_CONTACT`` through the outbox, by
SMS or e-mail, at crisis priority (at once, at any hour). A fault on one case leaves it
unmarked, to be tried at the next tick, and the others are still alerted.

Taking the case later needs nothing more: the queue shows the mark, and the alert is never
sent again. The alert and the logs carry the case's number only, never the client's name or
words.
"""

from __future__ import annotations

import logging

from bot.actions.unit import change, look
from bot.bootstrap import Services
from flows.engine.duty import alert_duty
from storage.audit import audit
from storage.db import fault_reason

log = logging.getLogger(__name__)

EVERY_SECONDS = 60  # how often the tick looks for urgent cases nobody has taken


async def alert_overdue(services: Services) -> int:
    """Alert the duty contact about each urgent case nobody has taken in time, once. Returns
    how many were alerted; 0 when ``DUTY_CONTACT`` is off."""
    contact = services.settings.duty_address
    if contact is None:
        return 0
    now = services.clock.now()
    try:
        async with look(services) as uow:
            overdue = await uow.cases.overdue_unclaimed(now)
    except Exception as exc:
        log.warning("could not look for overdue urgent cases (%s); trying again", fault_reason(exc))
        return 0
    alerted = 0
    for case_id in overdue:
        try:
            async with change(services) as uow:
                message_id = await alert_duty(uow, case_id, contact, services.settings.service, now)
                if message_id is not None:
                    await audit(uow.session, None, "duty_alert", f"case:{case_id}", now)
        except Exception as exc:
            log.warning(
                "case %s: could not alert the duty contact (%s); trying at the next tick",
                case_id,
                fault_reason(exc),
            )
            continue
        if message_id is not None:
            alerted += 1
            log.warning("case %s: urgent and not taken in time; duty contact alerted", case_id)
    return alerted
