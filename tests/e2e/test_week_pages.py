"""The week and availability pages over HTTP: a link worker edits only their own week, bad
times are named on the page, and a client's page offers times and keeps the waiting list."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from flows.model import Role
from storage.tables import StaffUserRow, WaitingListRow, WorkPatternRow
from tests.conftest import Bot
from tests.support.staff_web import referred_case, signed_in

PHONE = "+447700900201"


async def _my_week(browser: Any) -> str:
    response = await browser.get("/availability")
    assert response.status == 302
    return str(response.headers["Location"])


TIMES = {
    "repeat": "weekly",
    "weekday": "2",
    "starts": "09:00",
    "ends": "12:00",
    "slot_minutes": "45",
    "location": "Pemberton Surgery",
}


async def _add_times(browser: Any, week: str, token: str, **changes: str) -> Any:
    """The week page's Add times form, with ``changes`` from Wednesdays 9 to 12."""
    return await browser.post(week.replace("/week", "/times"), csrf=token, **(TIMES | changes))


async def test_a_link_worker_edits_their_own_week_and_cannot_open_anothers(make_bot: Any) -> None:
    bot: Bot = await make_bot(BOOKING_BY_REPLY="on")
    await bot.add_practice("P92001", "Pemberton Surgery")
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], "lw@practice.nhs.uk")
    week = await _my_week(worker)
    token = await worker.csrf(week)
    bad = await _add_times(worker, week, token, starts="12:00", ends="09:00")
    assert bad.status == 422
    assert "Until: the end must be after the start." in await bad.text()
    none_given = await _add_times(worker, week, token, repeat="once", on_date="")
    assert none_given.status == 422 and "Day: give a weekday" in await none_given.text()
    good = await _add_times(worker, week, token)
    assert good.status == 302
    page = await (await worker.get(week + "?start=2026-11-23")).text()
    free = re.findall(r"<strong>(\d\d:\d\d)</strong>, 45 min, Pemberton Surgery:\s*free", page)
    assert free == ["09:00", "09:45", "10:30", "11:15"]
    await bot.staff_token()  # an admin to be refused
    async with bot.services.db.read() as session:
        admin_id = (
            (await session.execute(select(StaffUserRow.id).where(StaffUserRow.role == "admin")))
            .scalars()
            .first()
        )
    other = f"/workers/{admin_id}/week"
    assert (await worker.get(other)).status == 404
    refused = await _add_times(worker, other, token, weekday="1", location="Elsewhere")
    assert refused.status == 404
    async with bot.services.db.read() as session:
        owners = (await session.execute(select(WorkPatternRow.worker_id))).scalars().all()
    assert len(owners) == 1 and owners[0] != admin_id


async def test_the_client_page_offers_times_and_keeps_the_waiting_list(make_bot: Any) -> None:
    bot: Bot = await make_bot(BOOKING_BY_REPLY="on")
    case_id = await referred_case(bot, "P92001", PHONE)
    admin = await signed_in(bot, Role.ADMIN)
    case_page = f"/cases/{case_id}"
    token = await admin.csrf(case_page)
    client_id = re.search(r"/clients/(\d+)/offer-times", await (await admin.get(case_page)).text())
    assert client_id is not None
    offer = f"/clients/{client_id[1]}/offer-times"
    nothing_free = await admin.post(offer, csrf=token, case=case_id)
    assert nothing_free.status == 422
    assert "No free slots in the next four weeks" in await nothing_free.text()

    week = await _my_week(admin)
    await _add_times(admin, week, token, weekday="3", ends="10:00", slot_minutes="60")
    sent = len(bot.twilio.to(PHONE))
    assert (await admin.post(offer, csrf=token, case=case_id)).status == 302
    await bot.services.outbox.send_due()
    [offered] = bot.twilio.to(PHONE)[sent:]
    assert offered.endswith(
        "We can see you 1) Thu 26 Nov at 9am 2) Thu 3 Dec at 9am 3) Thu 10 Dec at 9am, with Sam "
        "at Pemberton Surgery. Reply 1, 2 or 3 to book, or CALL for a call instead. We hold "
        "these until 2pm."
    )
    await bot.text(PHONE, "1")
    assert bot.twilio.to(PHONE)[-1].startswith("Booked: Thu 26 Nov at 9am at Pemberton Surgery")

    waiting = f"/clients/{client_id[1]}/waiting-list"
    assert (await admin.post(waiting, csrf=token, case=case_id, waiting="on")).status == 302
    assert "On the waiting list" in await (await admin.get(case_page)).text()
    assert (await admin.post(waiting, csrf=token, case=case_id, waiting="off")).status == 302
    async with bot.services.db.read() as session:
        rows = (await session.execute(select(WaitingListRow))).scalars().all()
    assert [(r.ended_why is not None) for r in rows] == [True]


async def test_with_booking_by_reply_off_the_client_page_offers_nothing(bot: Bot) -> None:
    case_id = await referred_case(bot, "P92001", PHONE)
    admin = await signed_in(bot, Role.ADMIN)
    page = await (await admin.get(f"/cases/{case_id}")).text()
    assert "Offer times by message" not in page and "waiting list" not in page
    client_id = re.search(r"/clients/(\d+)/appointments", page)
    assert client_id is not None
    token = await admin.csrf(f"/cases/{case_id}")
    refused = await admin.post(f"/clients/{client_id[1]}/offer-times", csrf=token)
    assert refused.status == 422 and "Booking by reply is off" in await refused.text()
