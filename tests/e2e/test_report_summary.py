"""The service's figures for a cohort built through the API with known numbers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from flows.model import Role
from storage.tables import AuditRow
from tests.conftest import Bot
from tests.integration.test_cli import linkbot
from tests.support.staff_web import signed_in


def _referral(name: str, phone: str, pathway: str) -> dict[str, Any]:
    return {
        "referrer": {
            "name": "Dr Patel",
            "organisation": "Millbrook Surgery",
            "pathway": pathway,
            "phone": "07700 900777",
        },
        "client": {"name": name, "phone": phone, "practice": "P99001", "needs": ["money"]},
        "client_consent": True,
    }


def _booking(client_id: str, starts_at: str, **extra: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "starts_at": starts_at,
        "duration_minutes": 45,
        "location": "Millbrook Library",
        "worker": "Sam Jones",
        **extra,
    }


async def _cohort(bot: Bot) -> str:
    """Four referrals in the week of 24 November 2026 with known sessions, contact and
    confirmations; returns an admin's token."""
    await bot.add_practice("P99001", "Millbrook Surgery")
    token = await bot.staff_token()
    made = {}
    for name, phone, pathway in (
        ("Ann", "07700 900001", "primary_care"),
        ("Bob", "07700 900002", "primary_care"),
        ("Cath", "07700 900003", "hospital"),
    ):
        status, made[name] = await bot.api(
            "POST", "/api/v1/referrals", token, _referral(name, phone, pathway)
        )
        assert status == 201
    for said in ("Hello", "1", "yes", "Dee Smith", "1/1/1950", "Millbrook", "4", "no", "1", "yes"):
        await bot.text("+447700900004", said)
    _, found = await bot.api("GET", "/api/v1/clients?phone=%2B447700900004", token)
    dee = found["items"][0]["id"]

    async def book(client_id: str, starts_at: str, **extra: Any) -> str:
        status, body = await bot.api(
            "POST", "/api/v1/appointments", token, _booking(client_id, starts_at, **extra)
        )
        assert status == 201, body
        await bot.services.outbox.send_due()
        return str(body["id"])

    ann1 = await book(made["Ann"]["client_id"], "2026-11-26T14:00:00Z")
    ann2 = await book(made["Ann"]["client_id"], "2026-11-27T09:30:00Z")
    bob1 = await book(made["Bob"]["client_id"], "2026-11-26T15:00:00Z")
    await book(dee, "2026-11-24T09:00:00Z", outcome="attended")  # before her referral
    await bot.text("+447700900001", "yes")  # Ann confirms her nearest session

    bot.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # a day after the referrals
    await bot.api(
        "POST",
        f"/api/v1/cases/{made['Ann']['case_id']}/reply",
        token,
        {"text": "Hello Ann, Sam here."},
    )
    bot.clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    for appointment, outcome in ((ann1, "attended"), (ann2, "dna"), (bob1, "attended")):
        status, _ = await bot.api(
            "POST", f"/api/v1/appointments/{appointment}/attendance", token, {"outcome": outcome}
        )
        assert status == 200

    return token


async def test_the_summary_gives_exactly_the_expected_figures(bot: Bot) -> None:
    token = await _cohort(bot)
    status, figures = await bot.api(
        "GET", "/api/v1/reports/summary?from=2026-11-24&to=2026-11-30", token
    )
    assert status == 200
    assert figures["period"] == {"from": "2026-11-24", "to": "2026-11-30"}
    assert figures["referrals"] == {
        "total": 4,
        "by_source": {"self": 1, "friend": 0, "professional": 3},
        "by_pathway": {"primary_care": 2, "social_care": 0, "hospital": 1, "other": 0},
        "by_practice": {"P99001": 4},
        "by_need": {"money": 3, "housing": 1},
        "referrer_unreachable": 0,
    }
    assert figures["engagement_rate"] == 0.75  # Ann, Bob and Dee of four
    assert figures["sessions_per_client"] == {"1": 3, "2": 0, "3-4": 0, "5+": 0}
    assert figures["dna_rate"] == 0.25  # one DNA, three attended
    assert figures["confirmation_rate"] == pytest.approx(1 / 3)  # Ann's first of three asked
    assert figures["median_days_to_first_contact"] == 1.0
    assert figures["days_to_first_contact"] == {  # Ann's reply came a day after
        "under_1_day": 0,
        "1_to_2_days": 1,
        "2_to_5_days": 0,
        "5_to_10_days": 0,
        "10_days_or_more": 0,
        "no_reply_yet": 3,
    }
    # Ann: Tue 10:00 to Thu 14:00; Bob: to Thu 15:00; Dee's session came before her referral.
    assert figures["median_days_to_first_session"] == pytest.approx((52 / 24 + 53 / 24) / 2)
    assert figures["follow_ups"] == {"sent": 0, "answered": 0}
    assert set(figures["definitions"]) >= {"dna_rate", "confirmation_rate", "engagement_rate"}

    status, empty = await bot.api(
        "GET", "/api/v1/reports/summary?from=2026-12-01&to=2026-12-31", token
    )
    assert empty["referrals"]["total"] == 0 and empty["dna_rate"] is None


async def test_the_exports_give_the_same_figures_with_small_counts_suppressed(
    bot: Bot, tmp_path: Path
) -> None:
    await _cohort(bot)
    env = {"DATABASE_URL": bot.services.settings.database_url}
    period = ["--from", "2026-11-24", "--to", "2026-11-30"]
    result = linkbot("report", *period, "--format", "csv", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    rows = {
        (r["table"], r["figure"]): r["value"] for r in csv.DictReader(io.StringIO(result.stdout))
    }
    assert rows[("referrals", "total")] == "<5"  # four: too few to show
    assert rows[("referrals", "source: friend")] == "0"
    assert rows[("referrals_by_need", "money")] == "<5"
    assert rows[("rates", "engagement_rate")] == "0.750"
    assert rows[("rates", "dna_rate")] == "0.250"
    assert rows[("rates", "median_days_to_first_contact")] == "1.000"
    assert rows[("sessions_per_client", "2")] == "0"
    assert rows[("days_to_first_contact", "1_to_2_days")] == "<5"
    assert rows[("days_to_first_contact", "under_1_day")] == "0"
    assert rows[("wellbeing_change", "no_change")] == "0"
    assert rows[("referrer_unreachable", "referrals")] == "0"  # every referrer could be updated

    result = linkbot("report", *period, "--format", "json", cwd=tmp_path, env=env)
    figures = json.loads(result.stdout)
    assert figures["referrals"]["total"] == "<5" and figures["engagement_rate"] == 0.75
    assert figures["referrals"]["by_pathway"]["social_care"] == 0
    assert "engagement_rate" in figures["definitions"]

    out = tmp_path / "figures.xlsx"
    result = linkbot(
        "report", *period, "--format", "xlsx", "--out", str(out), cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    book = load_workbook(out)
    assert {"referrals", "rates", "sessions_per_client", "wellbeing", "unmet_needs"} <= set(
        book.sheetnames
    )
    rates = {row[0]: row[1] for row in book["rates"].iter_rows(min_row=3, values_only=True)}
    assert rates["engagement_rate"] == "0.750"
    referrals = {row[0]: row[1] for row in book["referrals"].iter_rows(min_row=3, values_only=True)}
    assert referrals["total"] == "<5" and referrals["source: friend"] == 0
    assert book["rates"]["A1"].value.startswith("Share of the cohort's clients")


async def test_the_figures_narrow_to_a_pathway_a_practice_or_a_link_worker(bot: Bot) -> None:
    token = await _cohort(bot)

    async def total(query: str) -> Any:
        status, figures = await bot.api(
            "GET", f"/api/v1/reports/summary?from=2026-11-24&to=2026-11-30&{query}", token
        )
        assert status == 200, figures
        return figures["referrals"]["total"]

    assert await total("pathway=hospital") == 1
    assert await total("pathway=self") == 1
    assert await total("practice=P99001") == 4
    worker = await bot.staff_token(Role.ADMIN, email="jo@practice.nhs.uk")
    await bot.api("POST", "/api/v1/cases/1/claim", worker)
    assert await total("worker=jo@practice.nhs.uk") == 1
    for query in ("practice=NOPE", "pathway=air", "worker=nobody@x.y"):
        status, body = await bot.api(
            "GET", f"/api/v1/reports/summary?from=2026-11-24&to=2026-11-30&{query}", token
        )
        assert status == 422 and query.split("=")[0] in body["error"]["message"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("from=2026-11-01&to=2026-10-01", 422),
        ("from=yesterday&to=2026-10-01", 422),
        ("to=2026-10-01", 422),
    ],
)
async def test_bad_periods_get_422(bot: Bot, query: str, status: int) -> None:
    token = await bot.staff_token()
    got, body = await bot.api("GET", f"/api/v1/reports/summary?{query}", token)
    assert got == status, body


async def test_the_figures_are_for_admins(bot: Bot) -> None:
    await bot.add_practice("P99001", "Millbrook Surgery")
    token = await bot.staff_token(Role.LINK_WORKER, ["P99001"])
    status, _ = await bot.api("GET", "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30", token)
    assert status == 403


async def test_the_dashboard_shows_the_figures_with_their_definitions(bot: Bot) -> None:
    await _cohort(bot)
    admin = await signed_in(bot, email="boss@practice.nhs.uk")
    page = await (await admin.get("/reports?from=2026-11-24&to=2026-11-30")).text()
    assert '<span class="n">4</span>referrals' in page
    assert '<span class="n">75%</span>engagement' in page
    assert '<span class="n">25%</span>did not attend' in page
    assert "Share of the cohort&#39;s clients who attended at least one session" in page
    assert page.count('<svg class="bar"') >= 5  # weekly referrals, needs, months, follow-ups
    assert "w/c 23 Nov" in page and "self 1" in page and "professional 3" in page

    def bar(label: str) -> str:  # the value written beside a chart's bar
        found = re.search(
            rf'bar-label">{label}</span>\s*<svg.*?</svg>\s*'
            r'<span class="bar-value">([^<]*)<',
            page,
            re.S,
        )
        assert found, label
        return found.group(1)

    assert "Referrals by days to the first reply" in page
    assert (bar("1 to 2 days"), bar("no reply yet"), bar("under 1 day")) == ("1", "3", "0")
    assert "Clients by change in SWEMWBS score" in page and bar("rose by 3 or more") == "0"
    csv_export = await admin.get("/reports/export.csv?from=2026-11-24&to=2026-11-30")
    assert csv_export.status == 200 and "attachment" in csv_export.headers["Content-Disposition"]
    assert "referrals,total,<5," in await csv_export.text()
    narrowed = await (
        await admin.get("/reports?from=2026-11-24&to=2026-11-30&pathway=hospital")
    ).text()
    assert '<span class="n">1</span>referrals' in narrowed
    assert (await admin.get("/reports?from=2026-11-30&to=2026-11-01")).status == 400
    async with bot.services.db.read() as session:
        actions = (await session.execute(select(AuditRow.action))).scalars().all()
    assert "export_report:csv" in actions
    worker = await signed_in(bot, Role.LINK_WORKER, ["P99001"], email="jo@practice.nhs.uk")
    assert (await worker.get("/reports")).status == 403
    assert (await worker.get("/reports/export.csv")).status == 403
