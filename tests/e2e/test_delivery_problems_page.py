"""The Delivery problems page, the queue's mark and each message's provider on the case page:
two practices, a link worker of one and an admin. A link worker sees only their own practices'
clients' problems; only an admin sees the inbound messages kept, and never their words."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import select

from bot.actions import deliveries
from flows.model import Role
from storage import staff
from storage.tables import StaffUserRow
from tests.conftest import Bot
from tests.support.delivery_problems import ANN, KEPT_FROM, WORDS, failed, message, world_of
from tests.support.staff_web import Browser, referred_case, signed_in


def _section(page: str, heading_id: str) -> str:
    """One section of the page: from its heading to the next."""
    start = page.index(f'id="{heading_id}"')
    following = page.find("<h2", start)
    return page[start : following if following != -1 else len(page)]


async def _page(browser: Browser, path: str) -> str:
    response = await browser.get(path)
    assert response.status == 200, path
    return await response.text()


async def test_a_link_worker_sees_their_own_practices_problems_and_no_others(bot: Bot) -> None:
    world = await world_of(bot)
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], "lw@practice.nhs.uk")
    page = await _page(worker, "/deliveries")
    failed = _section(page, "not-delivered")
    assert f'href="/clients/{world.ann}">Ann Lee</a>' in failed
    assert f'href="/cases/{world.ann_case}"' in failed
    assert "30003" in failed and "Vonage" in failed and "could not be sent" in failed
    waiting = _section(page, "waiting")
    assert waiting.count("<tr>") == 2  # the header and Ann's tried message, not the held one
    assert "Twilio" in waiting and "20429" in waiting and "40 min" in waiting
    timers = _section(page, "timers")
    assert "Session reminder" in timers and "ann-timer-trouble" in timers
    assert "Follow-up check-in" in timers and "Being tried again (2 tries)" in timers
    # Nothing of Standish's client, and no kept inbound messages: those are the admins'.
    for theirs in ("Bea Park", f"/clients/{world.bea}", "30005", "30006", "bea-timer-trouble"):
        assert theirs not in page
    assert 'id="inbound"' not in page and "07700 900777" not in page and WORDS not in page


async def test_an_admin_sees_every_problem_and_who_sent_kept_messages_but_not_their_words(
    bot: Bot,
) -> None:
    world = await world_of(bot)
    admin = await signed_in(bot)
    page = await _page(admin, "/deliveries")
    failed = _section(page, "not-delivered")
    assert "Ann Lee" in failed and "Bea Park" in failed and "30005" in failed
    # Bea's message was on no case: the page points to her open case.
    assert f'href="/cases/{world.bea_case}">Open case {world.bea_case}</a>' in failed
    assert "30006" in failed and "an update to their referrer" in failed
    assert _section(page, "waiting").count("<tr>") == 3
    assert "bea-timer-trouble" in _section(page, "timers")
    kept = _section(page, "inbound")
    assert kept.count("07700 900777") == 2
    assert "Could not be handled" in kept and "Waiting to be tried again" in kept
    assert "database unavailable" in kept and "deadlock detected" in kept
    for path in ("/deliveries", "/queue", f"/clients/{world.ann}", f"/cases/{world.bea_case}"):
        assert WORDS not in await _page(admin, path), path


async def test_the_queue_marks_recent_problems_and_links_to_the_page(bot: Bot) -> None:
    world = await world_of(bot)
    old = await message(bot, world.ann, written=bot.clock.now() - timedelta(days=20))
    await failed(bot, old, "twilio", "30008")  # too long ago for the mark; still on the page
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], "lw@practice.nhs.uk")
    queue = await _page(worker, "/queue")
    found = re.search(r'<p class="problem" role="status" id="delivery-problems">(.*?)</p>', queue)
    assert found, queue
    assert found[1] == (
        "1 message could not be delivered and 1 timer failed in the last 14 days: "
        '<a href="/deliveries">see Delivery problems</a>.'
    )
    assert "30008" in await _page(worker, "/deliveries")
    admin = await signed_in(bot, email="admin@practice.nhs.uk")
    assert (
        "3 messages could not be delivered, 2 timers failed and 1 message from a person could "
        "not be handled in the last 14 days" in await _page(admin, "/queue")
    )


async def test_the_queue_has_no_mark_and_the_page_says_so_when_all_is_well(bot: Bot) -> None:
    await referred_case(bot, "P92001", ANN, "Ann Lee")
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], "lw@practice.nhs.uk")
    queue = await _page(worker, "/queue")
    assert 'id="delivery-problems"' not in queue
    assert '<a href="/deliveries">Delivery problems</a>' in queue  # the nav link, on every page
    assert 'id="all-well"' in await _page(worker, "/deliveries")


async def test_each_outgoing_message_names_its_provider_and_error_on_the_case_page(
    bot: Bot,
) -> None:
    world = await world_of(bot)
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], "lw@practice.nhs.uk")
    for path in (f"/cases/{world.ann_case}", f"/clients/{world.ann}"):
        page = await _page(worker, path)
        assert "(failed, by Vonage; error 30003)" in page, path
        assert "(pending, by Twilio)" in page, path  # tried, not failed: no error shown
    assert (await worker.get(f"/cases/{world.bea_case}")).status == 404


async def test_each_list_is_limited_and_says_how_many_more(bot: Bot) -> None:
    world = await world_of(bot)
    for _ in range(2):
        await failed(bot, await message(bot, world.ann, written=bot.clock.now()), "twilio", "1")
    async with bot.services.db.read() as session:
        row = (
            (await session.execute(select(StaffUserRow).where(StaffUserRow.role == "admin")))
            .scalars()
            .first()
        )
        assert row is not None
        admin = await staff.staff_user(session, row)
    found = await deliveries.problems(bot.services, admin, limit=2)
    assert len(found.not_delivered.rows) == 2 and found.not_delivered.more == 3
    assert [m.row.error_code for m in found.not_delivered.rows] == ["1", "1"]  # newest first
    assert found.inbound is not None and found.inbound.total == 2


async def test_the_api_lists_the_same_problems_for_the_same_people(bot: Bot) -> None:
    world = await world_of(bot)
    worker = await bot.staff_token(Role.LINK_WORKER, ["P92001"])
    status, answer = await bot.api("GET", "/api/v1/deliveries", worker)
    assert status == 200 and answer["next"] is None and answer["left_off"] == 0
    kinds = sorted(
        (item["problem"], item.get("error_code") or item.get("error")) for item in answer["items"]
    )
    assert kinds == [
        ("not_delivered", "30003"),
        ("timer", "ann-timer-trouble"),
        ("timer", "database is locked"),
        ("waiting", "20429"),
    ]
    assert {item["client_id"] for item in answer["items"]} == {str(world.ann)}
    admin = await bot.staff_token()
    status, answer = await bot.api("GET", "/api/v1/deliveries?limit=1", admin)
    assert status == 200 and answer["left_off"] == 2 + 1 + 2 + 1
    [kept] = [item for item in answer["items"] if item["problem"] == "inbound_kept"]
    assert kept["from"] == "tel:" + KEPT_FROM and WORDS not in json.dumps(answer)
    status, answer = await bot.api("GET", "/api/v1/deliveries?limit=0", admin)
    assert status == 422
