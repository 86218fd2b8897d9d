"""The case page: the whole conversation, claim, reply on the client's channel, close."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import col, select

from flows.model import Role
from storage.tables import AuditRow
from tests.conftest import Bot
from tests.support.staff_web import NEW_PASSWORD, Browser, referred_case, signed_in

PHONE = "+447700900201"


async def _case(bot: Bot, practice: str = "P92001") -> str:
    return await referred_case(bot, practice, PHONE)


async def _worker(bot: Bot, practice: str = "P92001") -> Browser:
    return await signed_in(bot, role=Role.LINK_WORKER, practices=[practice])


async def test_the_case_page_shows_the_client_and_their_conversation(bot: Bot) -> None:
    case_id = await _case(bot)
    await bot.text(PHONE, "Thank you, <b>mornings</b> are best for me")
    browser = await _worker(bot)
    queue = await (await browser.get("/queue")).text()
    assert f'href="/cases/{case_id}"' in queue
    page = await (await browser.get(f"/cases/{case_id}")).text()
    assert "Ann Lee" in page and "Lives alone since March" in page and "P92001" in page
    # What clients write is shown as text, never as markup.
    assert "&lt;b&gt;mornings&lt;/b&gt;" in page and "<b>mornings</b>" not in page


async def test_a_reply_from_the_page_reaches_the_client_by_sms(bot: Bot) -> None:
    case_id = await _case(bot)
    browser = await _worker(bot)
    page = await (await browser.get(f"/cases/{case_id}")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    response = await browser.post(
        f"/cases/{case_id}/reply",
        csrf=csrf[1],
        text="Hello Ann, I can ring you on Tuesday morning.",
    )
    assert response.status == 302
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE)[-1] == "Hello Ann, I can ring you on Tuesday morning."
    page = await (await browser.get(f"/cases/{case_id}")).text()
    assert "Hello Ann, I can ring you on Tuesday morning." in page
    assert "Sam Jones" in page  # replying took the case


async def test_a_reply_without_the_form_token_is_refused_and_not_sent(bot: Bot) -> None:
    case_id = await _case(bot)
    browser = await _worker(bot)
    sent = len(bot.twilio.sent)
    response = await browser.post(f"/cases/{case_id}/reply", csrf="forged", text="Hi")
    assert response.status == 403
    await bot.services.outbox.send_due()
    assert len(bot.twilio.sent) == sent


async def test_claim_and_close_from_the_page(bot: Bot) -> None:
    case_id = await _case(bot)
    browser = await _worker(bot)
    csrf = await browser.csrf(f"/cases/{case_id}")
    assert (await browser.post(f"/cases/{case_id}/claim", csrf=csrf)).status == 302
    assert "Take this case" not in await (await browser.get(f"/cases/{case_id}")).text()
    response = await browser.post(f"/cases/{case_id}/close", csrf=csrf, outcome="")
    assert response.status == 422 and "outcome" in await response.text()
    response = await browser.post(
        f"/cases/{case_id}/close", csrf=csrf, outcome="Joined the walking group"
    )
    assert response.headers["Location"] == "/queue"
    assert f'href="/cases/{case_id}"' not in await (await browser.get("/queue")).text()


async def test_a_worker_cannot_open_another_practices_case_by_its_address(bot: Bot) -> None:
    case_id = await _case(bot, practice="P92002")
    browser = await _worker(bot, practice="P92001")
    response = await browser.get(f"/cases/{case_id}")
    assert response.status == 404 and "Ann Lee" not in await response.text()
    csrf = await browser.csrf("/queue")
    sent = len(bot.twilio.sent)
    response = await browser.post(f"/cases/{case_id}/reply", csrf=csrf, text="Hello")
    assert response.status == 404
    await bot.services.outbox.send_due()
    assert len(bot.twilio.sent) == sent


async def test_viewing_a_case_is_audited(bot: Bot) -> None:
    case_id = await _case(bot)
    browser = await _worker(bot)
    await browser.get(f"/cases/{case_id}")
    async with bot.services.db.read() as session:
        rows = (
            await session.execute(
                select(AuditRow.action, AuditRow.subject).order_by(col(AuditRow.id))
            )
        ).all()
    assert ("view_client", "client:1") in [tuple(r) for r in rows]


async def test_the_queue_filters_by_mine_unassigned_practice_and_reason(bot: Bot) -> None:
    first = await _case(bot, practice="P92001")
    await bot.text("+447700900202", "Hello")
    await bot.text("+447700900202", "TALK")  # a second case, in the shared pool
    browser = await signed_in(bot)  # an admin sees both
    csrf = await browser.csrf("/queue")
    await browser.post(f"/cases/{first}/claim", csrf=csrf)

    async def listed(query: str) -> set[str]:
        page = await (await browser.get(f"/queue{query}")).text()
        return set(re.findall(r'href="/cases/(\d+)"', page))

    everything = await listed("")
    assert first in everything and len(everything) == 2
    assert await listed("?show=mine") == {first}
    assert await listed("?show=unassigned") == everything - {first}
    assert await listed("?practice=P92001") == {first}
    assert await listed("?reason=talk") == everything - {first}
    assert await listed("?reason=crisis") == set()


async def test_the_queue_shows_how_long_until_a_case_is_due_and_when_it_is_overdue(
    bot: Bot,
) -> None:
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "TALK")  # normal priority: within two working days
    browser = await signed_in(bot)
    page = await (await browser.get("/queue")).text()
    due = re.search(r'class="due">\(answer within (\d+) h\)', page)
    assert due and 46 <= int(due[1]) <= 48 and 'class="late"' not in page
    bot.clock.advance(timedelta(days=3))
    browser = Browser(bot)  # the first session has long ended: sign in again
    assert (await browser.sign_in("sam@practice.nhs.uk", NEW_PASSWORD)).status == 302
    page = await (await browser.get("/queue")).text()
    assert 'class="late">(overdue by' in page
