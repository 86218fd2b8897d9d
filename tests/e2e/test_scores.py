"""Staff record a wellbeing questionnaire taken on paper: POST /api/v1/clients/{id}/scores."""

from __future__ import annotations

from typing import Any

import pytest

from flows.model import Role
from tests.conftest import Bot

PHONE = "+447700900123"


async def _client(bot: Bot, token: str) -> str:
    await bot.text(PHONE, "Hello")
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{PHONE[1:]}", token)
    return str(found["items"][0]["id"])


async def test_a_paper_swemwbs_is_stored_with_its_raw_and_metric_score(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    status, score = await bot.api(
        "POST",
        f"/api/v1/clients/{client_id}/scores",
        token,
        {
            "instrument": "swemwbs",
            "answers": [1, 1, 1, 1, 1, 1, 1],
            "taken_at": "2026-11-24T09:00:00+00:00",
        },
    )
    assert status == 201, score
    assert score["raw"] == 7 and score["metric"] == 7.0 and score["via"] == "session"
    assert score["taken_at"] == "2026-11-24T09:00:00+00:00" and score["instrument"] == "swemwbs"
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert client["scores"] == [score]


async def test_ons4_is_kept_item_by_item_without_a_total(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    status, score = await bot.api(
        "POST",
        f"/api/v1/clients/{client_id}/scores",
        token,
        {"instrument": "ons4", "answers": [7, 8, 6, 3]},
    )
    assert status == 201, score
    assert score["answers"] == [7, 8, 6, 3] and score["raw"] is None and score["metric"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instrument": "swemwbs", "answers": [0, 3, 3, 3, 3, 3, 3]}, "answers"),
        ({"instrument": "swemwbs", "answers": [3, 3, 3, 3, 3, 3, 6]}, "answers"),
        ({"instrument": "swemwbs", "answers": [3, 3, 3, 3, 3, 3]}, "answers"),
        ({"instrument": "swemwbs", "answers": ["3", 3, 3, 3, 3, 3, 3]}, "answers"),
        ({"instrument": "swemwbs", "answers": "3333333"}, "answers"),
        ({"instrument": "phq9", "answers": [1]}, "instrument"),
        ({"answers": [3, 3, 3, 3, 3, 3, 3]}, "instrument"),
        ({"instrument": "swemwbs", "answers": [3] * 7, "taken_at": "yesterday"}, "taken_at"),
        ({"instrument": "swemwbs", "answers": [3] * 7, "taken_at": "2026-11-24T09:00"}, "taken_at"),
        (
            {"instrument": "swemwbs", "answers": [3] * 7, "taken_at": "2027-01-01T09:00:00Z"},
            "taken_at",
        ),
    ],
)
async def test_invalid_scores_are_refused_naming_the_field(
    bot: Bot, body: dict[str, Any], field: str
) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    status, answer = await bot.api("POST", f"/api/v1/clients/{client_id}/scores", token, body)
    assert status == 422
    assert answer["error"]["message"].startswith(f"{field}:")
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert client["scores"] == []


async def test_a_score_for_someone_elses_client_or_nobody_is_not_found(bot: Bot) -> None:
    admin = await bot.staff_token()
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Standish Surgery")
    status, made = await bot.api(
        "POST",
        "/api/v1/referrals",
        admin,
        {
            "referrer": {
                "name": "Dr Shah",
                "role": "GP",
                "organisation": "Pemberton Surgery",
                "pathway": "primary_care",
                "phone": "07700900999",
            },
            "client": {
                "name": "Ann Lee",
                "phone": PHONE,
                "practice": "P92001",
                "needs": ["lonely"],
            },
            "client_consent": True,
        },
    )
    assert status == 201, made
    other = await bot.staff_token(Role.LINK_WORKER, ["P92002"])
    body = {"instrument": "swemwbs", "answers": [3] * 7}
    status, _ = await bot.api("POST", f"/api/v1/clients/{made['client_id']}/scores", other, body)
    assert status == 404
    status, _ = await bot.api("POST", "/api/v1/clients/999999/scores", admin, body)
    assert status == 404
