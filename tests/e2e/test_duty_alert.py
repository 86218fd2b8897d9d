"""An urgent case nobody has taken past its hour alerts the duty contact, once, and the queue
marks it. On both databases, through the real tick, outbox and fake Twilio or SMTP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import col, select

from bot import scheduler
from bot.actions import duty
from bot.actions.duty import alert_overdue
from flows import texts
from flows.messages import Priority
from storage.tables import CaseRow, MessageRow
from testkit.fake_smtp import FakeSmtp
from tests.conftest import Bot
from tests.support.staff_web import referred_case, signed_in

PHONE = "+447700900201"
NAME = "Morwenna Tregothnan"
CRISIS = "I want to end my life"
DUTY = "+447700900500"
DUTY_EMAIL = "duty@practice.nhs.uk"
NIGHT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # a Tuesday, 01:00 in London (GMT)
OVERDUE_MARK = "Overdue: no one has taken this urgent case"


async def _urgent_case(bot: Bot) -> int:
    """A named client's case, made urgent by a crisis text; its id."""
    case_id = int(await referred_case(bot, phone=PHONE, name=NAME))
    await bot.text(PHONE, CRISIS)
    row = await _case(bot, case_id)
    assert row.priority == "urgent" and row.assigned_to is None
    return case_id


async def _crisis_from_a_new_number(bot: Bot, phone: str) -> int:
    """A crisis text from someone not yet known: an urgent case of its own; its id."""
    await bot.text(phone, CRISIS)
    async with bot.services.db.read() as session:
        stmt = select(CaseRow).order_by(col(CaseRow.id).desc()).limit(1)
        [row] = (await session.execute(stmt)).scalars()
    assert row.priority == "urgent" and row.id is not None
    return row.id


async def _case(bot: Bot, case_id: int) -> CaseRow:
    async with bot.services.db.read() as session:
        row = await session.get(CaseRow, case_id)
    assert row is not None
    return row


async def _tick(bot: Bot) -> int:
    """The scheduler's job, then the outbox sends what it queued."""
    alerted = await alert_overdue(bot.services)
    await bot.services.outbox.send_due()
    return alerted


def _no_client_details(text: str) -> None:
    for word in [*NAME.split(), "end", "life", PHONE, "07700900201"]:
        assert word not in text, (word, text)


async def test_an_urgent_case_left_past_its_hour_alerts_the_duty_number_once(
    make_bot: Any,
) -> None:
    """At night too: the alert is crisis priority, so the send window does not hold it."""
    bot: Bot = await make_bot(DUTY_CONTACT="07700 900500")
    bot.clock.set(NIGHT)
    case_id = await _urgent_case(bot)
    bot.clock.advance(timedelta(minutes=59))
    assert await _tick(bot) == 0
    assert bot.twilio.to(DUTY) == []
    bot.clock.advance(timedelta(minutes=2))
    at = bot.clock.now()
    assert await _tick(bot) == 1
    [alert] = bot.twilio.to(DUTY)
    assert alert == texts.duty_alert(bot.services.settings.service, case_id)
    assert f"#{case_id}" in alert
    _no_client_details(alert)
    assert (await _case(bot, case_id)).duty_alerted_at == at
    async with bot.services.db.read() as session:
        [row] = (
            await session.execute(select(MessageRow).where(col(MessageRow.kind) == "duty_alert"))
        ).scalars()
    assert row.client_id is None and row.case_id == case_id
    assert row.priority == Priority.CRISIS and row.address == f"tel:{DUTY}"
    # The tick again, now and later: no second alert, for this case or any.
    assert await _tick(bot) == 0
    bot.clock.advance(timedelta(hours=3))
    assert await _tick(bot) == 0
    assert bot.twilio.to(DUTY) == [alert]


async def test_a_case_taken_before_its_hour_is_never_alerted(make_bot: Any) -> None:
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY)
    case_id = await _urgent_case(bot)
    token = await bot.staff_token()
    bot.clock.advance(timedelta(minutes=30))
    status, _ = await bot.api("POST", f"/api/v1/cases/{case_id}/claim", token)
    assert status == 200
    bot.clock.advance(timedelta(hours=2))
    assert await _tick(bot) == 0
    assert bot.twilio.to(DUTY) == []
    assert (await _case(bot, case_id)).duty_alerted_at is None


async def test_a_case_that_is_not_urgent_is_never_alerted(make_bot: Any) -> None:
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY)
    case_id = int(await referred_case(bot, phone=PHONE, name=NAME))
    row = await _case(bot, case_id)
    assert row.priority != "urgent" and row.assigned_to is None
    bot.clock.advance(timedelta(days=10))  # long past its due time
    assert await _tick(bot) == 0
    assert bot.twilio.to(DUTY) == []


async def test_with_no_duty_contact_nothing_is_alerted_or_marked(bot: Bot) -> None:
    assert bot.services.settings.duty_address is None
    case_id = await _urgent_case(bot)
    sent = len(bot.twilio.sent)
    bot.clock.advance(timedelta(hours=2))
    assert await _tick(bot) == 0
    assert len(bot.twilio.sent) == sent
    assert (await _case(bot, case_id)).duty_alerted_at is None


async def test_an_opt_out_does_not_stop_the_alert(make_bot: Any) -> None:
    """The client's own STOP, and a STOP from the duty phone itself, are about messages to
    clients: the alert is to the service's duty contact and still goes."""
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY)
    case_id = await _urgent_case(bot)
    await bot.text(PHONE, "STOP")
    await bot.text(DUTY, "STOP")
    assert (await _case(bot, case_id)).status == "open"
    bot.clock.advance(timedelta(minutes=61))
    assert await _tick(bot) == 1
    assert bot.twilio.to(DUTY)[-1] == texts.duty_alert(bot.services.settings.service, case_id)


async def test_several_overdue_cases_get_one_alert_each(make_bot: Any) -> None:
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY)
    first = await _urgent_case(bot)
    second = await _crisis_from_a_new_number(bot, "+447700900202")
    assert second != first
    bot.clock.advance(timedelta(minutes=61))
    assert await _tick(bot) == 2
    alerts = bot.twilio.to(DUTY)
    assert sorted(alerts) == sorted(
        texts.duty_alert(bot.services.settings.service, case) for case in (first, second)
    )
    assert await _tick(bot) == 0 and len(bot.twilio.to(DUTY)) == 2


async def test_two_instances_ticking_at_once_alert_once(make_bot: Any) -> None:
    """Two processes on one database, their ticks at the same moment: one alert between them."""
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY)
    other: Bot = await make_bot(DUTY_CONTACT=DUTY)
    await _urgent_case(bot)
    bot.clock.advance(timedelta(minutes=61))
    counts = await asyncio.gather(
        alert_overdue(bot.services), alert_overdue(other.services), alert_overdue(bot.services)
    )
    assert sorted(counts) == [0, 0, 1]
    await bot.services.outbox.send_due()
    await other.services.outbox.send_due()
    assert len(bot.twilio.to(DUTY)) == 1


async def test_an_email_duty_contact_gets_an_email(make_bot: Any, fake_smtp: FakeSmtp) -> None:
    bot: Bot = await make_bot(
        ssl_context=fake_smtp.ssl_context(),
        SMTP_URL=fake_smtp.url,
        EMAIL_FROM="linkbot@service.example.org",
        DUTY_CONTACT=DUTY_EMAIL,
    )
    case_id = await _urgent_case(bot)
    bot.clock.advance(timedelta(minutes=61))
    assert await _tick(bot) == 1
    [mail] = fake_smtp.to(DUTY_EMAIL)
    body = mail.get_content().strip()
    assert body == texts.duty_alert(bot.services.settings.service, case_id)
    _no_client_details(body + str(mail["Subject"]))
    assert await _tick(bot) == 0 and len(fake_smtp.to(DUTY_EMAIL)) == 1


async def test_the_queue_marks_the_case_and_when_the_duty_contact_was_alerted(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY)
    bot.clock.set(NIGHT)
    case_id = await _urgent_case(bot)
    browser = await signed_in(bot)
    queue = await (await browser.get("/queue")).text()
    assert f'href="/cases/{case_id}"' in queue and OVERDUE_MARK not in queue
    bot.clock.set(NIGHT + timedelta(minutes=61))  # sending moves the fake clock a little
    queue = await (await browser.get("/queue")).text()
    assert OVERDUE_MARK in queue and "Duty contact alerted" not in queue
    await _tick(bot)
    queue = await (await browser.get("/queue")).text()
    assert OVERDUE_MARK in queue
    assert "Duty contact alerted at 02:01" in queue  # London is on GMT in November
    csrf = await browser.csrf(f"/cases/{case_id}")
    assert (await browser.post(f"/cases/{case_id}/claim", csrf=csrf)).status == 302
    queue = await (await browser.get("/queue")).text()
    assert OVERDUE_MARK not in queue and "Duty contact alerted at 02:01" in queue


async def test_the_queue_shows_the_alert_time_in_the_service_time_zone(make_bot: Any) -> None:
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY, SERVICE_TIMEZONE="Asia/Kolkata")
    bot.clock.set(NIGHT)
    await _urgent_case(bot)
    bot.clock.set(NIGHT + timedelta(minutes=61))
    await _tick(bot)
    browser = await signed_in(bot)
    queue = await (await browser.get("/queue")).text()
    assert "Duty contact alerted at 07:31" in queue  # 02:01 UTC is 07:31 at UTC+05:30


async def test_the_tick_is_scheduled_every_minute_one_at_a_time(bot: Bot) -> None:
    ticks = scheduler.start(bot.services)
    try:
        job = ticks.get_job("duty-alerts")
        assert job is not None
        assert job.func is duty.alert_overdue and job.args == (bot.services,)
        assert job.max_instances == 1
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=1)
    finally:
        ticks.shutdown(wait=False)


async def test_an_alert_that_cannot_be_sent_shows_on_delivery_problems_as_the_duty_contacts(
    make_bot: Any,
) -> None:
    """Refused for good by Twilio: listed for admins as to the duty contact (not to a
    referrer), with its case; no case opens for it, and the case is not alerted again."""
    bot: Bot = await make_bot(DUTY_CONTACT=DUTY)
    case_id = await _urgent_case(bot)
    bot.clock.advance(timedelta(minutes=61))
    bot.twilio.fail_next(400, 21211)  # not a valid number: final
    assert await _tick(bot) == 1
    assert bot.twilio.to(DUTY) == []
    async with bot.services.db.read() as session:
        [row] = (
            await session.execute(select(MessageRow).where(col(MessageRow.kind) == "duty_alert"))
        ).scalars()
        cases = (await session.execute(select(CaseRow))).scalars().all()
    assert row.status == "failed" and [case.id for case in cases] == [case_id]
    page = await (await (await signed_in(bot)).get("/deliveries")).text()
    failed = page[page.index('id="not-delivered"') :]
    assert "The duty contact" in failed and f'href="/cases/{case_id}"' in failed
    assert "update to their referrer" not in failed and "21211" in failed
    assert await _tick(bot) == 0
