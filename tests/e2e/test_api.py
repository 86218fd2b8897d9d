"""The JSON API's edges: tokens, error shapes, pagination, and health."""

from __future__ import annotations

from typing import Any

import pytest

from services_directory.model import Service
from storage import directory
from tests.conftest import Bot

PHONE = "+447700900123"


async def _case(bot: Bot, token: str, phone: str = PHONE) -> str:
    await bot.text(phone, "Hello")
    await bot.text(phone, "Can I talk to someone please")
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    return str(cases["items"][-1]["id"])


def _is_error(body: Any, code: str | None = None) -> bool:
    error = body.get("error", {})
    return isinstance(error.get("message"), str) and (code is None or error.get("code") == code)


async def test_no_or_bad_token_gets_401(bot: Bot) -> None:
    response = await bot.client.get("/api/v1/cases")
    assert response.status == 401 and _is_error(await response.json(), "unauthorised")
    status, body = await bot.api("GET", "/api/v1/cases", "lb_not-a-real-token")
    assert status == 401 and _is_error(body, "unauthorised")
    response = await bot.client.get("/api/v1/cases", headers={"Authorization": "Basic abc"})
    assert response.status == 401


async def test_unparsable_body_gets_400(bot: Bot) -> None:
    token = await bot.staff_token()
    case_id = await _case(bot, token)
    response = await bot.client.post(
        f"/api/v1/cases/{case_id}/reply",
        data=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status == 400 and _is_error(await response.json(), "invalid_json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": 42}, "text"),
        ({"text": "x" * 1601}, "text"),
    ],
)
async def test_invalid_reply_gets_422_naming_the_field(bot: Bot, body: Any, field: str) -> None:
    token = await bot.staff_token()
    case_id = await _case(bot, token)
    status, answer = await bot.api("POST", f"/api/v1/cases/{case_id}/reply", token, body)
    assert status == 422 and _is_error(answer, "invalid")
    assert field in answer["error"]["message"]


async def test_close_validates_and_cannot_close_twice(bot: Bot) -> None:
    token = await bot.staff_token()
    case_id = await _case(bot, token)
    status, body = await bot.api("POST", f"/api/v1/cases/{case_id}/close", token, {})
    assert status == 422 and "outcome" in body["error"]["message"]
    status, body = await bot.api(
        "POST",
        f"/api/v1/cases/{case_id}/close",
        token,
        {"outcome": "Signposted", "onward_referrals": "not a list"},
    )
    assert status == 422 and "onward_referrals" in body["error"]["message"]
    async with bot.services.db.write() as session:
        await directory.save_services(
            session,
            [Service("svc-1", "Walking group"), Service("svc-2", "Food bank")],
            "test",
            bot.clock.now(),
        )
    status, body = await bot.api(
        "POST",
        f"/api/v1/cases/{case_id}/close",
        token,
        {"outcome": "Signposted", "onward_referrals": ["svc-1", "svc-3"]},
    )
    assert status == 422 and "svc-3" in body["error"]["message"]
    status, body = await bot.api(
        "POST",
        f"/api/v1/cases/{case_id}/close",
        token,
        {"outcome": "Signposted", "onward_referrals": ["svc-1", "svc-2"]},
    )
    assert status == 200 and body["onward_referrals"] == ["svc-1", "svc-2"]
    status, body = await bot.api(
        "POST", f"/api/v1/cases/{case_id}/close", token, {"outcome": "Again"}
    )
    assert status == 422 and _is_error(body, "case_closed")
    status, body = await bot.api("POST", f"/api/v1/cases/{case_id}/reply", token, {"text": "x"})
    assert status == 422 and _is_error(body, "case_closed")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/999999",
        "/api/v1/cases/abc",
        "/api/v1/clients/999999",
        "/api/v1/clients/-1",
        "/api/v1/nothing-here",
    ],
)
async def test_unknown_ids_get_404(bot: Bot, path: str) -> None:
    token = await bot.staff_token()
    status, body = await bot.api("GET", path, token)
    assert status == 404 and _is_error(body, "not_found")


async def test_client_lookup_needs_a_contact_and_shows_the_client(bot: Bot) -> None:
    token = await bot.staff_token()
    status, body = await bot.api("GET", "/api/v1/clients", token)
    assert status == 422 and _is_error(body, "invalid")
    status, body = await bot.api("GET", "/api/v1/clients?phone=%2B447700900999", token)
    assert status == 200 and body == {"items": [], "next": None}
    await bot.text(PHONE, "Hello")
    status, body = await bot.api("GET", "/api/v1/clients?phone=%2B447700900123", token)
    [client] = body["items"]
    assert client["phone"] == PHONE and client["opted_out"] is False
    status, detail = await bot.api("GET", f"/api/v1/clients/{client['id']}", token)
    assert status == 200 and detail["id"] == client["id"]
    assert {"referrals", "appointments", "scores", "practice", "date_of_birth"} <= detail.keys()


async def test_case_list_pages_in_queue_order(bot: Bot) -> None:
    """Pages follow one another with no case repeated or skipped, urgent first."""
    token = await bot.staff_token()
    for n in range(5):
        await _case(bot, token, f"+4477009007{n:02d}")
    await bot.text("+447700900799", "I want to end my life")
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        path = "/api/v1/cases?status=open&limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = await bot.api("GET", path, token)
        assert status == 200 and len(page["items"]) <= 2
        seen += page["items"]
        cursor = page["next"]
        if cursor is None:
            break
    assert len(seen) == 6 and len({c["id"] for c in seen}) == 6
    assert seen[0]["priority"] == "urgent"
    normal = [c["created_at"] for c in seen[1:]]
    assert normal == sorted(normal)
    status, body = await bot.api("GET", "/api/v1/cases?cursor=garbage!", token)
    assert status == 422
    status, body = await bot.api("GET", "/api/v1/cases?limit=0", token)
    assert status == 422 and "limit" in body["error"]["message"]
    status, body = await bot.api("GET", "/api/v1/cases?status=maybe", token)
    assert status == 422 and "status" in body["error"]["message"]


async def test_healthz_reports_the_database(bot: Bot) -> None:
    response = await bot.client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_is_503_when_the_database_is_unreachable(
    fake_twilio: Any, clock: Any, tmp_path: Any
) -> None:
    import socket

    from aiohttp.test_utils import TestClient, TestServer

    from bot.bootstrap import build
    from bot.web.app import create_app
    from tests.conftest import settings_for

    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    services = build(
        settings_for(f"postgresql://x@127.0.0.1:{port}/none", fake_twilio), clock=clock
    )
    async with TestClient(TestServer(create_app(services))) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        assert (await response.json())["database"] == "unreachable"
    await services.close()


@pytest.mark.parametrize("raw", ["%C2%B2", "%D9%A3", "12a", "1" * 19])
async def test_an_id_that_is_not_plain_digits_is_not_found(bot: Bot, raw: str) -> None:
    """Unicode digits such as superscript two pass str.isdigit() but are not ids."""
    token = await bot.staff_token()
    for path in (f"/api/v1/cases/{raw}", f"/api/v1/clients/{raw}", f"/api/v1/campaigns/{raw}"):
        status, body = await bot.api("GET", path, token)
        assert status == 404 and body["error"]["code"] == "not_found", path
