"""The engine: what to do with each inbound message, timer and staff action, through a unit of
work. The conversations it runs are pure (``flows.conversations``); this is where they meet
storage."""

from flows.engine.inbound import InboundResult, handle_inbound
from flows.engine.staff import CaseClosed, OptedOut, claim_case, close_case, reply_from_staff
from flows.engine.timers import fire_timer

__all__ = [
    "CaseClosed",
    "InboundResult",
    "OptedOut",
    "claim_case",
    "close_case",
    "fire_timer",
    "handle_inbound",
    "reply_from_staff",
]
