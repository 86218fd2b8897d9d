"""The service's figures (INTERFACES section 6), each defined once, in ``definitions``.

The period selects the referrals submitted in it (a cohort) and counts their clients' activity
up to the period's end. Rates are fractions from 0 to 1, or None when nothing was there to
count. The database does the counting (bench/report.py measures a year of a large service).

The modules: ``definitions`` (what each figure means, the sources, pathways and bands, the
period and its months), ``cohort`` (which referrals a period and a narrowing pick), ``days``
(days between two moments, and the median and bands of such values, on either database),
``activity`` (sessions, follow-ups and wellbeing scores), ``needs`` (unmet needs and onward
referrals against the directory), ``figures`` (the summary) and ``trends`` (week by week and
month by month).
"""

from storage.reports.cohort import BadNarrowing, Narrowing, narrowing
from storage.reports.days import DaysBetween
from storage.reports.definitions import (
    CHANGE_BANDS,
    CONTACT_BANDS,
    DEFINITIONS,
    HALF_HUNDREDTH,
    PATHWAYS,
    SOURCES,
    Period,
    months,
)
from storage.reports.figures import summary
from storage.reports.trends import monthly_rates, weekly_referrals

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
