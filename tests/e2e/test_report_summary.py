"""The service's figures for a cohort built through the API with known numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flows.model import Role
from tests.conftest import Bot


def _referral(name: str, phone: str, pathway: str) -> dict[str, Any]:
    return {
        "referrer": {"name": "Dr Patel", "organisation": "Millbrook Surgery", "pathway": pathway,
                     "phone": "07700 900777"},
        "client": {"name": name, "phone": phone, "practice": "P99001", "needs": ["money"]},
        "client_consent": True,
    }  # fmt: skip


def _booking(client_id: str, starts_at: str, **extra: Any) -> dict[str, Any]:
    return {"client_id": client_id, "starts_at": starts_at, "duration_minutes": 45,
            "location": "Millbrook Library", "worker": "Sam Jones", **extra}  # fmt: skip


async def test_the_summary_gives_exactly_the_expected_figures(bot: Bot) -> None:
    await bot.add_practice("P99001", "Millbrook Surgery")
    token = await bot.staff_token()
    made = {}
    for name, phone, pathway in (("Ann", "07700 900001", "primary_care"),
                                 ("Bob", "07700 900002", "primary_care"),
                                 ("Cath", "07700 900003", "hospital")):  # fmt: skip
        status, made[name] = await bot.api("POST", "/api/v1/referrals", token,
                                           _referral(name, phone, pathway))  # fmt: skip
        assert status == 201
    for said in ("Hello", "1", "yes", "Dee Smith", "1/1/1950", "Millbrook", "4", "no", "1",
                 "yes"):  # fmt: skip
        await bot.text("+447700900004", said)
    _, found = await bot.api("GET", "/api/v1/clients?phone=%2B447700900004", token)
    dee = found["items"][0]["id"]

    async def book(client_id: str, starts_at: str, **extra: Any) -> str:
        status, body = await bot.api("POST", "/api/v1/appointments", token,
                                     _booking(client_id, starts_at, **extra))  # fmt: skip
        assert status == 201, body
        await bot.services.outbox.send_due()
        return str(body["id"])

    ann1 = await book(made["Ann"]["client_id"], "2026-11-26T14:00:00Z")
    ann2 = await book(made["Ann"]["client_id"], "2026-11-27T09:30:00Z")
    bob1 = await book(made["Bob"]["client_id"], "2026-11-26T15:00:00Z")
    await book(dee, "2026-11-24T09:00:00Z", outcome="attended")  # before her referral
    await bot.text("+447700900001", "yes")  # Ann confirms her nearest session

    bot.clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # a day after the referrals
    await bot.api("POST", f"/api/v1/cases/{made['Ann']['case_id']}/reply", token,
                  {"text": "Hello Ann, Sam here."})  # fmt: skip
    bot.clock.set(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))
    for appointment, outcome in ((ann1, "attended"), (ann2, "dna"), (bob1, "attended")):
        status, _ = await bot.api("POST", f"/api/v1/appointments/{appointment}/attendance",
                                  token, {"outcome": outcome})  # fmt: skip
        assert status == 200

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
    }
    assert figures["engagement_rate"] == 0.75  # Ann, Bob and Dee of four
    assert figures["sessions_per_client"] == {"1": 3, "2": 0, "3-4": 0, "5+": 0}
    assert figures["dna_rate"] == 0.25  # one DNA, three attended
    assert figures["confirmation_rate"] == pytest.approx(1 / 3)  # Ann's first of three asked
    assert figures["median_days_to_first_contact"] == 1.0
    # Ann: Tue 10:00 to Thu 14:00; Bob: to Thu 15:00; Dee's session came before her referral.
    assert figures["median_days_to_first_session"] == pytest.approx((52 / 24 + 53 / 24) / 2)
    assert figures["follow_ups"] == {"sent": 0, "answered": 0}
    assert set(figures["definitions"]) >= {"dna_rate", "confirmation_rate", "engagement_rate"}

    status, empty = await bot.api(
        "GET", "/api/v1/reports/summary?from=2026-12-01&to=2026-12-31", token
    )
    assert empty["referrals"]["total"] == 0 and empty["dna_rate"] is None


@pytest.mark.parametrize(
    ("query", "status"),
    [("from=2026-11-01&to=2026-10-01", 422), ("from=yesterday&to=2026-10-01", 422),
     ("to=2026-10-01", 422)],
)  # fmt: skip
async def test_bad_periods_get_422(bot: Bot, query: str, status: int) -> None:
    token = await bot.staff_token()
    got, body = await bot.api("GET", f"/api/v1/reports/summary?{query}", token)
    assert got == status, body


async def test_the_figures_are_for_admins(bot: Bot) -> None:
    await bot.add_practice("P99001", "Millbrook Surgery")
    token = await bot.staff_token(Role.LINK_WORKER, ["P99001"])
    status, _ = await bot.api("GET", "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30",
                              token)  # fmt: skip
    assert status == 403
