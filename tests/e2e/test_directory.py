"""The services directory in use: searching it over the API, signposting at the end of a
self-referral, onward referrals when closing a case, and the gaps figure."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.demo import DEMO_DIRECTORY
from flows.gsm import is_gsm7, segments
from flows.model import Role
from services_directory.readers import read_path
from storage import directory, staff
from tests.conftest import Bot
from tests.support.dialog import converse, phone
from tests.support.staff_web import signed_in

NUMBER = "+447700900123"
# The demo directory's services for each need linkbot asks about ("transport" has none).
EXPECTED = {
    "loneliness": {"Friendly Call Befriending", "Knit and Natter"},
    "low_mood": {"Talking Together Peer Support"},
    "money": {"Money and Benefits Advice", "Debt Help Line", "Millbrook Food Bank"},
    "housing": {"Housing Options", "Money and Benefits Advice"},
    "caring": {"Carers' Centre"},
    "bereavement": {"Bereavement Support Service"},
    "getting_active": {"Hollins Park Walking Group"},
    "alcohol_drugs": {"Steps to Recovery"},
    "work": {"Work Ready"},
    "volunteering_learning": {"Volunteer Centre"},
}


async def _directory(bot: Bot, path: Path = DEMO_DIRECTORY) -> None:
    async with bot.services.db.write() as session:
        await directory.save_services(session, read_path(path).services, "demo", bot.clock.now())
        for code, name, area in (
            ("P99001", "Millbrook Surgery", "Millbrook"),
            ("P99002", "Canal Street Medical Centre", "Townend"),
            ("P99003", "Hollins Lane Family Practice", "Hollins"),
        ):
            await staff.add_practice(session, code, name, area)


async def _search(bot: Bot, query: str) -> dict[str, Any]:
    token = await bot.staff_token()
    status, body = await bot.api("GET", f"/api/v1/services?{query}", token)
    assert status == 200, body
    return dict(body)


@pytest.mark.parametrize("need", sorted(EXPECTED))
async def test_each_need_finds_its_services_in_the_demo_directory(bot: Bot, need: str) -> None:
    await _directory(bot)
    found = await _search(bot, f"need={need}&limit=100")
    names = {s["name"] for s in found["items"]}
    assert EXPECTED[need] <= names, names
    assert all(need in s["needs"] for s in found["items"])


async def test_words_and_area_rank_the_results(bot: Bot) -> None:
    await _directory(bot)
    walking = await _search(bot, "text=walk")
    assert [s["name"] for s in walking["items"]] == ["Hollins Park Walking Group"]
    assert walking["items"][0]["phone"] == "01632 960105"
    near = await _search(bot, "need=loneliness&area=Westfield")
    assert near["items"][0]["name"] == "Knit and Natter"  # the one in Westfield first
    near = await _search(bot, "need=loneliness&area=MB1 9ZZ")
    assert near["items"][0]["name"] == "Friendly Call Befriending"  # Millbrook, MB1
    words = await _search(bot, "need=lonely")  # words as people use them work too
    assert {s["name"] for s in words["items"]} >= EXPECTED["loneliness"]


async def test_results_come_a_page_at_a_time(bot: Bot) -> None:
    await _directory(bot)
    seen: list[str] = []
    query = "need=money&limit=1"
    while True:
        page = await _search(bot, query)
        assert len(page["items"]) <= 1 and page["total"] == 3
        seen += [s["id"] for s in page["items"]]
        if page["next"] is None:
            break
        query = f"need=money&limit=1&cursor={page['next']}"
    assert len(seen) == len(set(seen)) == 3


@pytest.mark.parametrize(
    "query", ["need=unicorns", "limit=0", "limit=abc", "cursor=-1", "text=" + "x" * 201]
)
async def test_bad_searches_are_answered_with_the_field(bot: Bot, query: str) -> None:
    token = await bot.staff_token()
    status, body = await bot.api("GET", f"/api/v1/services?{query}", token)
    field = query.split("=")[0]
    assert status == 422 and field in body["error"]["message"]


async def _self_referral(bot: Bot, practice: str, need: str) -> list[str]:
    """Mary refers herself by SMS for one need; the replies to her final YES."""
    await _directory(bot)
    person = phone(bot, "sms", NUMBER)
    await converse(
        person,
        [
            ("Hello", ["Reply 1"]),
            ("1", ["YES or NO"]),
            ("yes", ["What is your name"]),
            ("Mary Jones", ["date of birth"]),
            ("14/3/52", ["Which GP practice"]),
            (practice, ["What would you like help with"]),
            (need, ["anything else"]),
            ("no", ["How should the link worker contact you"]),
            ("1", ["YES"]),
        ],
    )
    return await person.say("yes")


async def test_a_self_referral_ends_with_two_services_while_they_wait(bot: Bot) -> None:
    replies = await _self_referral(bot, "canal street", "3")  # money
    assert len(replies) == 3 and "Your referral is sent" in replies[0]
    for text in replies[1:]:
        assert len(text) <= 160 and segments(text) == 1 and is_gsm7(text)
        assert re.search(r"01632 9601\d\d", text)
    assert replies[1].startswith("While you wait, this may help: ")
    assert replies[2].startswith("You could also try: ")
    named = {re.sub(r"^[^:]+: ", "", text).rsplit(", ", 1)[0] for text in replies[1:]}
    assert named <= EXPECTED["money"] and len(named) == 2


async def test_no_service_is_texted_for_a_need_that_is_a_health_detail(bot: Bot) -> None:
    replies = await _self_referral(bot, "millbrook", "2")  # low mood
    assert len(replies) == 1 and "Your referral is sent" in replies[0]


async def _referred(bot: Bot, needs: list[str]) -> str:
    token = await bot.staff_token()
    status, made = await bot.api(
        "POST",
        "/api/v1/referrals",
        token,
        {
            "referrer": {
                "name": "Dr Shah",
                "role": "GP",
                "organisation": "Surgery",
                "pathway": "primary_care",
                "phone": "07700900999",
            },
            "client": {
                "name": "Ann Lee",
                "phone": "+447700900201",
                "practice": "P99002",
                "needs": needs,
            },
            "client_consent": True,
        },
    )
    assert status == 201, made
    return str(made["case_id"])


async def test_closing_with_onward_referrals_counts_them_by_service_and_need(bot: Bot) -> None:
    await _directory(bot)
    case_id = await _referred(bot, ["money"])
    browser = await signed_in(bot, Role.LINK_WORKER, ["P99002"])
    page = await (await browser.get(f"/cases/{case_id}")).text()
    offered = dict(re.findall(r'name="service" value="([^"]+)"> <strong>([^<]+)</strong>', page))
    assert set(offered.values()) == EXPECTED["money"]
    searched = await (await browser.get(f"/cases/{case_id}?services=walking")).text()
    assert "Hollins Park Walking Group" in searched
    chosen = [
        sid for sid, name in offered.items() if name in ("Debt Help Line", "Millbrook Food Bank")
    ]
    csrf = await browser.csrf(f"/cases/{case_id}")
    unknown = await browser.request(
        "POST", f"/cases/{case_id}/close", csrf=csrf, outcome="Advice", service="no-such-service"
    )
    assert unknown.status == 422
    form = [("csrf", csrf), ("outcome", "Debt advice booked; food bank voucher")] + [
        ("service", sid) for sid in chosen
    ]
    closed = await browser.post_pairs(f"/cases/{case_id}/close", form)
    assert closed.status == 302
    token = await bot.staff_token()
    status, case = await bot.api("GET", f"/api/v1/cases/{case_id}", token)
    assert sorted(case["onward_referrals"]) == sorted(chosen)
    today = bot.clock.now().date().isoformat()
    status, report = await bot.api("GET", f"/api/v1/reports/summary?from={today}&to={today}", token)
    assert status == 200
    assert report["onward_referrals"] == {
        "total": 2,
        "by_service": {"Debt Help Line": 1, "Millbrook Food Bank": 1},
        "by_need": {"money": 2},
    }


async def test_the_api_refuses_an_onward_referral_to_an_unknown_service(bot: Bot) -> None:
    await _directory(bot)
    case_id = await _referred(bot, ["money"])
    token = await bot.staff_token()
    status, body = await bot.api(
        "POST",
        f"/api/v1/cases/{case_id}/close",
        token,
        {"outcome": "Done", "onward_referrals": ["nowhere"]},
    )
    assert status == 422 and "onward_referrals" in body["error"]["message"]


async def test_a_need_with_no_service_nearby_is_a_gap(bot: Bot) -> None:
    await _directory(bot)
    await _referred(bot, ["transport", "money", "caring"])
    token = await bot.staff_token()
    today = bot.clock.now().date().isoformat()
    status, report = await bot.api("GET", f"/api/v1/reports/summary?from={today}&to={today}", token)
    assert status == 200
    assert report["unmet_needs"] == {"transport": 1}
    assert "unmet_needs" in report["definitions"]
