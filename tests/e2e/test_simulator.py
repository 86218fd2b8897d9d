"""The simulator: a person types as a phone number and sees the bot's answers."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import build
from bot.web.app import create_app
from flows import texts
from tests.conftest import settings_for


async def _simulator(database_url: str, clock: Any, **env: str) -> Any:
    services = build(settings_for(database_url, None, **env), clock=clock)
    client = TestClient(TestServer(create_app(services)))
    await client.start_server()
    return services, client


async def test_simulator_runs_the_same_engine_queue_and_outbox(
    database_url: str, clock: Any
) -> None:
    services, client = await _simulator(database_url, clock)
    try:
        page = await client.get("/simulator")
        assert page.status == 200 and "Phone simulator" in await page.text()
        response = await client.post(
            "/simulator/send", json={"from": "07700 900123", "text": "Hello"}
        )
        assert response.status == 200
        await services.outbox.send_due()
        response = await client.get("/simulator/messages?from=%2B447700900123&after=0")
        items = (await response.json())["items"]
        assert [(i["direction"], i["text"]) for i in items] == [
            ("in", "Hello"),
            ("out", texts.welcome(services.settings.service)),
        ]
        await client.post("/simulator/send", json={"from": "+447700900123", "text": "TALK"})
        await services.outbox.send_due()
        after = items[-1]["id"]
        newer = await client.get(f"/simulator/messages?from=%2B447700900123&after={after}")
        assert [i["text"] for i in (await newer.json())["items"]] == [
            "TALK",
            texts.talk(services.settings.service),
        ]
        from storage.tables import CaseRow

        async with services.db.read() as session:
            from sqlmodel import select

            cases = list((await session.execute(select(CaseRow))).scalars())
        assert [c.reason for c in cases] == ["talk"]
    finally:
        await client.close()
        await services.close()


async def test_simulator_rejects_bad_input_kindly(database_url: str, clock: Any) -> None:
    services, client = await _simulator(database_url, clock)
    try:
        for body in (
            {"from": "", "text": "hi"},
            {"from": "+447700900123", "text": 5},
            {"from": "+447700900123", "text": "x" * 1601},
        ):
            response = await client.post("/simulator/send", json=body)
            assert response.status == 422
        response = await client.post("/simulator/send", data=b"{nope")
        assert response.status == 400
    finally:
        await client.close()
        await services.close()


async def test_simulator_is_off_when_a_channel_is_configured(
    database_url: str, clock: Any, fake_twilio: Any
) -> None:
    services = build(settings_for(database_url, fake_twilio), clock=clock)
    async with TestClient(TestServer(create_app(services))) as client:
        assert (await client.get("/simulator")).status == 404
    await services.close()


async def test_simulator_answers_only_on_loopback_unless_enabled(
    database_url: str, clock: Any
) -> None:
    """From another computer's address it refuses, unless LINKBOT_SIMULATOR=on."""
    from unittest.mock import Mock

    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from bot.web.hooks import simulator

    for env, remote, allowed in (
        ({}, "192.0.2.10", False),
        ({}, "127.0.0.1", True),
        ({}, "::1", True),
        ({"LINKBOT_SIMULATOR": "on"}, "192.0.2.10", True),
    ):
        services = build(settings_for(database_url, None, **env), clock=clock)
        app = create_app(services)
        transport = Mock()
        transport.get_extra_info.side_effect = lambda name, default=None, r=remote: (
            (r, 40000) if name == "peername" else default
        )
        request = make_mocked_request("GET", "/simulator", app=app, transport=transport)
        if allowed:
            response = await simulator.page(request)
            assert response.status == 200
        else:
            try:
                await simulator.page(request)
            except web.HTTPForbidden:
                pass
            else:
                raise AssertionError(f"the simulator answered {remote} with {env}")
        await services.close()
