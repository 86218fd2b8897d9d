"""Reminder wording tested: for each variant, the sessions in the period booked with it, how
many were confirmed, and the did-not-attend rate with its 95% confidence interval (Wilson,
from scipy); and a plain-words verdict on whether the variants differ (Fisher's exact test for
two, chi-squared for more)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from scipy import stats
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.tables import AppointmentRow

MIN_SESSIONS = 30  # attended or missed, for each variant, before a verdict is given
SIGNIFICANCE = 0.05


async def reminder_variants(
    session: AsyncSession, first: datetime, after: datetime
) -> dict[str, Any]:
    """Sessions that started in the period, by the reminder variant they were given."""
    variant = col(AppointmentRow.reminder_variant)
    rows = (
        await session.execute(
            sa.select(
                variant,
                sa.func.count(),
                sa.func.count(col(AppointmentRow.confirmed_at)),
                sa.func.count().filter(col(AppointmentRow.status) == "attended"),
                sa.func.count().filter(col(AppointmentRow.status) == "dna"),
            )
            .where(
                variant.is_not(None),
                col(AppointmentRow.starts_at) >= first,
                col(AppointmentRow.starts_at) < after,
            )
            .group_by(variant)
            .order_by(variant)
        )
    ).all()
    counts = [(str(name), int(n), int(c), int(a), int(d)) for name, n, c, a, d in rows]
    return compare(counts)


def compare(counts: list[tuple[str, int, int, int, int]]) -> dict[str, Any]:
    """(variant, sessions, confirmed, attended, dna) for each: the figures and the verdict."""
    by_variant: dict[str, Any] = {}
    for name, sessions, confirmed, attended, dna in counts:
        known = attended + dna
        figures: dict[str, Any] = {
            "sessions": sessions,
            "confirmed": confirmed,
            "attended": attended,
            "dna": dna,
            "dna_rate": dna / known if known else None,
            "dna_rate_ci": None,
        }
        if known:
            low, high = stats.binomtest(dna, known).proportion_ci(0.95, method="wilson")
            figures["dna_rate_ci"] = [float(low), float(high)]
        by_variant[name] = figures
    return {"variants": by_variant, **_verdict(counts)}


def _verdict(counts: list[tuple[str, int, int, int, int]]) -> dict[str, Any]:
    if len(counts) < 2:
        return {
            "p_value": None,
            "verdict": "Not enough sessions yet to tell: fewer than two wordings have been used.",
        }
    short = [name for name, _, _, attended, dna in counts if attended + dna < MIN_SESSIONS]
    if short:
        return {
            "p_value": None,
            "verdict": "Not enough sessions yet to tell: each wording needs at least "
            f"{MIN_SESSIONS} sessions attended or missed ({' and '.join(short)} "
            f"{'has' if len(short) == 1 else 'have'} fewer).",
        }
    table = np.array([[dna, attended] for _, _, _, attended, dna in counts])
    if len(counts) == 2:
        p = float(stats.fisher_exact(table).pvalue)
    else:
        p = float(stats.chi2_contingency(table).pvalue)
    rates = {name: dna / (attended + dna) for name, _, _, attended, dna in counts}
    best = min(rates, key=lambda name: rates[name])
    if p < SIGNIFICANCE:
        verdict = (
            f"{best} has the lowest did-not-attend rate ({rates[best]:.0%}), and a difference "
            f"this large is unlikely to be chance (p = {p:.3f})."
        )
    else:
        verdict = (
            f"No clear difference yet (p = {p:.2f}): the rates could differ by chance. Keep "
            "testing, or keep the wording you prefer."
        )
    return {"p_value": p, "verdict": verdict}
