"""The service's figures (INTERFACES section 6), defined in ``storage.reports.figures``."""

from storage.reports.figures import (
    CHANGE_BANDS,
    CONTACT_BANDS,
    DEFINITIONS,
    HALF_HUNDREDTH,
    PATHWAYS,
    SOURCES,
    BadNarrowing,
    DaysBetween,
    Narrowing,
    Period,
    monthly_rates,
    months,
    narrowing,
    summary,
    weekly_referrals,
)

__all__ = [
    "CHANGE_BANDS",
    "CONTACT_BANDS",
    "DEFINITIONS",
    "HALF_HUNDREDTH",
    "PATHWAYS",
    "SOURCES",
    "BadNarrowing",
    "DaysBetween",
    "Narrowing",
    "Period",
    "monthly_rates",
    "months",
    "narrowing",
    "summary",
    "weekly_referrals",
]
