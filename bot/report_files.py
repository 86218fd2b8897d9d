"""The service's figures as files people take away: CSV, Excel (one sheet per table) and JSON.

Exports apply small-number suppression: a count from 1 to 4 is written "<5", so no one can be
picked out of a small group. Zero stays 0. Rates and medians are written as they are (they are
not counts). Each table carries its definition from ``storage.reports.definitions``, so a
reader knows what a figure means without this code.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from storage.reports import DEFINITIONS

SUPPRESS_BELOW = 5
FORMATS = ("csv", "xlsx", "json")


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # also the sheet name
    definition: str
    rows: list[tuple[str, Any]]  # (what, value)
    counts: bool = True  # values are counts, to be suppressed when small


def _variant_tables(tested: dict[str, Any], definition: str) -> list[Table]:
    """One table of counts for each reminder wording, then its rate and the verdict."""
    tables = []
    for name, f in tested["variants"].items():
        counts = [(k, f[k]) for k in ("sessions", "confirmed", "attended", "dna")]
        tables.append(Table(f"reminder_{name}"[:31], definition, counts))
        low_high = f["dna_rate_ci"]
        ci = "" if low_high is None else f"{low_high[0]:.3f}-{low_high[1]:.3f}"
        rates = [("dna_rate", _rate(f["dna_rate"])), ("dna_rate_95ci", ci)]
        tables.append(Table(f"reminder_{name}_rate"[:31], definition, rates, counts=False))
    if tested["variants"]:
        verdict = [("verdict", tested["verdict"]), ("p_value", _rate(tested["p_value"]))]
        tables.append(Table("reminder_verdict", definition, verdict, counts=False))
    return tables


def suppressed(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SUPPRESS_BELOW:
        return f"<{SUPPRESS_BELOW}"
    return value


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def tables(summary: dict[str, Any]) -> list[Table]:
    """The summary as tables, in the order people read them."""
    r, d = summary["referrals"], DEFINITIONS
    onward = summary.get("onward_referrals", {"total": 0, "by_service": {}, "by_need": {}})
    return [
        Table(
            "referrals",
            d["referrals"],
            [
                ("total", r["total"]),
                *[(f"source: {k}", v) for k, v in r["by_source"].items()],
                *[(f"pathway: {k}", v) for k, v in r["by_pathway"].items()],
            ],
        ),
        Table("referrals_by_practice", d["referrals"], sorted(r["by_practice"].items())),
        Table("referrals_by_need", d["referrals"], sorted(r["by_need"].items())),
        Table(
            "referrer_unreachable",
            d["referrer_unreachable"],
            [("referrals", r["referrer_unreachable"])],
        ),
        Table(
            "rates",
            "; ".join(
                d[k]
                for k in (
                    "engagement_rate",
                    "dna_rate",
                    "confirmation_rate",
                    "median_days_to_first_contact",
                    "median_days_to_first_session",
                )
            ),
            [
                ("engagement_rate", _rate(summary["engagement_rate"])),
                ("dna_rate", _rate(summary["dna_rate"])),
                ("confirmation_rate", _rate(summary["confirmation_rate"])),
                ("median_days_to_first_contact", _rate(summary["median_days_to_first_contact"])),
                ("median_days_to_first_session", _rate(summary["median_days_to_first_session"])),
            ],
            counts=False,
        ),
        Table(
            "sessions_per_client",
            d["sessions_per_client"],
            list(summary["sessions_per_client"].items()),
        ),
        Table(
            "days_to_first_contact",
            d["days_to_first_contact"],
            list(summary["days_to_first_contact"].items()),
        ),
        Table("follow_ups", d["follow_ups"], list(summary["follow_ups"].items())),
        Table("slots", d["slots"], list(summary["slots"].items())),
        *_variant_tables(summary["reminder_variants"], d["reminder_variants"]),
        Table(
            "wellbeing",
            d["wellbeing"],
            [
                (
                    "clients_with_first_and_last",
                    summary["wellbeing"]["clients_with_first_and_last"],
                ),
                (
                    "mean_change",
                    ""
                    if summary["wellbeing"]["mean_change"] is None
                    else f"{summary['wellbeing']['mean_change']:.2f}",
                ),
                ("positive_share", _rate(summary["wellbeing"]["positive_share"])),
            ],
        ),
        Table("wellbeing_change", d["wellbeing_change"], list(summary["wellbeing_change"].items())),
        Table("unmet_needs", d["unmet_needs"], sorted(summary["unmet_needs"].items())),
        Table(
            "onward_referrals",
            d["onward_referrals"],
            [
                ("total", onward["total"]),
                *[(f"service: {k}", v) for k, v in sorted(onward["by_service"].items())],
                *[(f"need: {k}", v) for k, v in sorted(onward["by_need"].items())],
            ],
        ),
    ]


def _cells(table: Table) -> list[tuple[str, Any]]:
    return [(what, suppressed(value) if table.counts else value) for what, value in table.rows]


def as_csv(summary: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    period = summary["period"]
    writer.writerow(["table", "figure", "value", "definition"])
    writer.writerow(["period", "from", period["from"], ""])
    writer.writerow(["period", "to", period["to"], ""])
    for table in tables(summary):
        for what, value in _cells(table):
            writer.writerow([table.name, what, value, table.definition])
    return out.getvalue()


def as_xlsx(summary: dict[str, Any]) -> bytes:
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "about"
    about.append(["Figures for", summary["period"]["from"], "to", summary["period"]["to"]])
    about.append([f"Counts from 1 to {SUPPRESS_BELOW - 1} are shown as <{SUPPRESS_BELOW}."])
    for table in tables(summary):
        sheet = book.create_sheet(table.name[:31])
        sheet.append([table.definition])
        sheet.append(["figure", "value"])
        for what, value in _cells(table):
            sheet.append([what, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_json(summary: dict[str, Any]) -> str:
    """The summary's own shape, every count suppressed when small."""

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            if key == "definitions":
                return value
            return {k: walk(v, k) for k, v in value.items()}
        return suppressed(value)

    return json.dumps(walk(summary), indent=2, ensure_ascii=False)


def render(summary: dict[str, Any], fmt: str) -> bytes:
    if fmt == "csv":
        return as_csv(summary).encode("utf-8")
    if fmt == "xlsx":
        return as_xlsx(summary)
    if fmt == "json":
        return as_json(summary).encode("utf-8")
    raise ValueError(f"format: one of {', '.join(FORMATS)}")
