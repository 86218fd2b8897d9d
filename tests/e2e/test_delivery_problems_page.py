"""The Delivery problems page, the queue's mark and each message's provider on the case page:
two practices, a link worker of one and an admin. A link worker sees only their own practices'
clients' problems; only an admin sees the inbound messages kept, and never their words."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from bot.actions import deliveries
from flows.messages import Address, OutgoingDraft, Priority
from flows.model import Role
from storage import outbox, staff
from storage.tables import (
    ClientRow,
    InboundSpoolRow,
    MessageRow,
    ReferralRow,
    StaffUserRow,
    TimerRow,
)
from storage.unit import SqlUnit
from tests.conftest import Bot
from tests.support.staff_web import Browser, referred_case, signed_in

ANN, BEA = "+447700900201", "+447700900202"
KEPT_FROM = "+447700900777"
WORDS = "my neighbour Jim keeps shouting"  # what a kept message says: never shown


@dataclass
class World:
    ann: int  # Pemberton's client (P92001)
    ann_case: int
    bea: int  # Standish's client (P92002)
    bea_case: int


async def _client(bot: Bot, phone: str) -> int:
    async with bot.services.db.read() as session:
        row = (
            await session.execute(select(ClientRow).where(ClientRow.phone == phone))
        ).scalar_one()
    assert row.id is not None
    return row.id


async def _message(
    bot: Bot,
    client_id: int | None,
    *,
    written: datetime,
    not_before: datetime | None = None,
    case_id: int | None = None,
    referral_id: int | None = None,
    address: str = "tel:" + ANN,
) -> int:
    """An outgoing message, written as the engine writes one."""
    async with bot.services.db.write() as session:
        return await SqlUnit(session, bot.services.directory).messages.add_outgoing(
            OutgoingDraft(
                client_id=client_id,
                address=Address(address),
                text="See you on Tuesday",
                kind="staff_reply",
                priority=Priority.REPLY,
                not_before=not_before or written,
                written_at=written,
                case_id=case_id,
                referral_id=referral_id,
            )
        )


async def _failed(bot: Bot, message_id: int, provider: str, code: str) -> None:
    """Every try failed, the last with ``provider`` (which the outbox records on its claim)."""
    async with bot.services.db.write() as session:
        row = await session.get(MessageRow, message_id)
        assert row is not None
        row.provider, row.attempts = provider, 3
        await outbox.record_failed(
            session,
            message_id,
            code,
            "The number is not reachable",
            bot.clock.now(),
            opt_out_client=False,
        )


async def _tried(bot: Bot, message_id: int, provider: str, retry_at: datetime) -> None:
    """Tried twice, and due to be tried again."""
    async with bot.services.db.write() as session:
        row = await session.get(MessageRow, message_id)
        assert row is not None
        row.provider, row.attempts = provider, 2
        await outbox.record_retry(session, message_id, "20429", "Too many requests", retry_at)


async def _timer(
    bot: Bot, client_id: int, kind: str, status: str, attempts: int, error: str
) -> None:
    now = bot.clock.now()
    async with bot.services.db.write() as session:
        await SqlUnit(session, bot.services.directory).timers.set(
            client_id, kind, now - timedelta(hours=1), now
        )
        row = (
            await session.execute(
                select(TimerRow).where(TimerRow.client_id == client_id, TimerRow.kind == kind)
            )
        ).scalar_one()
        row.status, row.attempts, row.error = status, attempts, error


async def _kept(bot: Bot, status: str, attempts: int, error: str) -> None:
    """An inbound text kept because the database was in trouble when it came."""
    now = bot.clock.now()
    payload = {"address": "tel:" + KEPT_FROM, "text": WORDS, "provider_id": "SM1"}
    async with bot.services.db.write() as session:
        session.add(
            InboundSpoolRow(
                channel="sms",
                provider_id="SM" + str(attempts),
                payload=json.dumps(payload),
                status=status,
                attempts=attempts,
                next_at=now + timedelta(minutes=1),
                error=error,
                received_at=now - timedelta(minutes=30),
            )
        )


async def _world(bot: Bot) -> World:
    """For each practice's client: a failed message, one waiting long, one only held back by
    the send window, a failed timer and one being tried again; and kept inbound messages."""
    ann_case = int(await referred_case(bot, "P92001", ANN, "Ann Lee"))
    bea_case = int(await referred_case(bot, "P92002", BEA, "Bea Park"))
    ann, bea = await _client(bot, ANN), await _client(bot, BEA)
    now = bot.clock.now()
    await _failed(
        bot,
        await _message(bot, ann, written=now - timedelta(hours=3), case_id=ann_case),
        "vonage",
        "30003",
    )
    await _failed(
        bot, await _message(bot, bea, written=now - timedelta(hours=2)), "twilio", "30005"
    )
    async with bot.services.db.read() as session:
        referral = (
            await session.execute(select(ReferralRow.id).where(ReferralRow.client_id == bea))
        ).scalar_one()
    to_referrer = await _message(
        bot,
        None,
        written=now - timedelta(hours=1),
        referral_id=referral,
        address="tel:+447700900999",
    )
    await _failed(bot, to_referrer, "twilio", "30006")
    waiting = await _message(bot, ann, written=now - timedelta(minutes=40))
    await _tried(bot, waiting, "twilio", now + timedelta(minutes=5))
    await _tried(
        bot,
        await _message(bot, bea, written=now - timedelta(minutes=50)),
        "vonage",
        now + timedelta(minutes=5),
    )
    # Held until the window opens, never tried: not a problem.
    await _message(bot, ann, written=now - timedelta(hours=2), not_before=now + timedelta(hours=9))
    await _timer(bot, ann, "reminder", "failed", 0, "ann-timer-trouble")
    await _timer(bot, ann, "follow_up", "pending", 2, "database is locked")
    await _timer(bot, bea, "reminder", "failed", 0, "bea-timer-trouble")
    await _kept(bot, "failed", 5, "database unavailable")
    await _kept(bot, "pending", 1, "deadlock detected")
    return World(ann, ann_case, bea, bea_case)


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
    world = await _world(bot)
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
    world = await _world(bot)
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
    world = await _world(bot)
    old = await _message(bot, world.ann, written=bot.clock.now() - timedelta(days=20))
    await _failed(bot, old, "twilio", "30008")  # too long ago for the mark; still on the page
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
    world = await _world(bot)
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], "lw@practice.nhs.uk")
    for path in (f"/cases/{world.ann_case}", f"/clients/{world.ann}"):
        page = await _page(worker, path)
        assert "(failed, by Vonage; error 30003)" in page, path
        assert "(pending, by Twilio)" in page, path  # tried, not failed: no error shown
    assert (await worker.get(f"/cases/{world.bea_case}")).status == 404


async def test_each_list_is_limited_and_says_how_many_more(bot: Bot) -> None:
    world = await _world(bot)
    for _ in range(2):
        await _failed(bot, await _message(bot, world.ann, written=bot.clock.now()), "twilio", "1")
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
    world = await _world(bot)
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
