"""Booking by reply: free times offered by message after a NO (or by a link worker), a reply
books one, an offer held for a few hours only, a clash at reply time offered again, CALL for
a person; and a cancelled session going to the waiting list, where the first reply wins."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.actions import appointments, availability, commands
from bot.actions.errors import Invalid
from flows import texts
from storage.tables import AppointmentRow, StaffUserRow, TimerRow
from tests.conftest import Bot
from tests.support.booking import LOCATION, sessions_on, worker
from tests.support.dialog import TelegramPhone, converse
from tests.support.staff_web import referred_case

PHONE = "+447700900123"
OTHERS = ("+447700900201", "+447700900202", "+447700900203")
# The fake clock starts on Tuesday 24 November 2026 at 10:00 in London (GMT).
THURSDAY_2PM = "2026-11-26T14:00:00+00:00"
WED, THU, FRI = 2, 3, 4
OFFERED = (
    "We can see you 1) Wed 25 Nov at 9am 2) Thu 26 Nov at 9am 3) Fri 27 Nov at 9am, with Sam "
    f"at {LOCATION}. Reply 1, 2 or 3 to book, or CALL for a call instead. We hold these until "
    "2pm."
)


async def _booking_bot(make_bot: Any) -> tuple[Bot, str]:
    bot: Bot = await make_bot(BOOKING_BY_REPLY="on")
    sam = await worker(bot)
    for day in (WED, THU, FRI):
        await sessions_on(bot, sam, day)
    return bot, await bot.staff_token()


async def _client(bot: Bot, token: str, phone: str = PHONE) -> str:
    await bot.text(phone, "Hello")
    await bot.text(phone, "TALK")
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{phone[1:]}", token)
    client_id = str(found["items"][0]["id"])
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    for case in cases["items"]:
        if case["client_id"] == client_id:
            await bot.api("POST", f"/api/v1/cases/{case['id']}/close", token, {"outcome": "x"})
    return client_id


async def _book(bot: Bot, token: str, client_id: str, starts_at: str = THURSDAY_2PM) -> str:
    body = {
        "client_id": client_id,
        "starts_at": starts_at,
        "duration_minutes": 60,
        "location": LOCATION,
        "worker": "Sam Jones",
    }
    status, made = await bot.api("POST", "/api/v1/appointments", token, body)
    assert status == 201, made
    await bot.services.outbox.send_due()
    return str(made["id"])


async def _appointments(bot: Bot, token: str, client_id: str) -> list[dict[str, Any]]:
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    return list(client["appointments"])


async def test_a_no_is_offered_three_free_times_and_a_reply_books_one(make_bot: Any) -> None:
    bot, token = await _booking_bot(make_bot)
    client_id = await _client(bot, token)
    await _book(bot, token, client_id)
    await bot.text(PHONE, "no sorry")
    assert bot.twilio.to(PHONE)[-1] == (
        f"Thank you for letting us know about Thu 26 Nov at 2pm. {OFFERED}"
    )
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert [c["reason"] for c in cases["items"]] == ["rearrange"]  # a person still sees it

    await bot.text(PHONE, "2")
    assert bot.twilio.to(PHONE)[-1] == (
        f"Booked: Thu 26 Nov at 9am at {LOCATION} with Sam. We will text you a reminder. If "
        "you can't make it, reply NO."
    )
    booked = await _appointments(bot, token, client_id)
    sessions = {a["starts_at"]: a["status"] for a in booked}
    assert sessions == {THURSDAY_2PM: "rearrange", "2026-11-26T09:00:00+00:00": "confirmed"}
    async with bot.services.db.read() as session:
        new_id = next(a["id"] for a in booked if a["status"] == "confirmed")
        stmt = select(TimerRow.subject, TimerRow.due_at, TimerRow.status).where(
            col(TimerRow.subject).startswith(f"{new_id}:")
        )
        reminders = (await session.execute(stmt)).all()
    # 48 hours before is already past; 2 hours before (7am) is outside the send window, so
    # it goes near the window's last opening before: the evening before.
    assert sorted((subject, due.isoformat(), status) for subject, due, status in reminders) == [
        (f"{new_id}:2h", "2026-11-25T19:45:00+00:00", "pending"),
        (f"{new_id}:48h", "2026-11-24T09:00:00+00:00", "dropped"),
    ]
    sent = len(bot.twilio.to(PHONE))
    await bot.text(PHONE, "2")  # the offer is answered: a second "2" only joins the case
    assert len(bot.twilio.to(PHONE)) == sent
    assert len(await _appointments(bot, token, client_id)) == 2


async def test_an_offer_answered_after_its_hold_offers_the_times_free_then(
    make_bot: Any,
) -> None:
    bot, token = await _booking_bot(make_bot)
    client_id = await _client(bot, token)
    await _book(bot, token, client_id)
    await bot.text(PHONE, "no")
    bot.clock.advance(timedelta(hours=5))  # 3pm: held until 2pm
    await bot.text(PHONE, "1")
    assert bot.twilio.to(PHONE)[-1] == (
        "Sorry, those times were only held until 2pm. " + OFFERED.replace("2pm.", "7pm.")
    )
    assert len(await _appointments(bot, token, client_id)) == 1  # nothing booked by the late 1


async def test_a_slot_gone_by_the_time_of_the_reply_is_offered_again(make_bot: Any) -> None:
    bot, token = await _booking_bot(make_bot)
    client_id = await _client(bot, token)
    await _book(bot, token, client_id)
    await bot.text(PHONE, "no")
    # While the offer waits, Sam's Wednesday morning is given to training.
    admin = await worker(bot, "Alex Admin")
    leave = commands.from_values(
        commands.Leave,
        {
            "starts_at": "2026-11-25T08:00:00Z",
            "ends_at": "2026-11-25T13:00:00Z",
            "note": "training",
        },
    )
    await availability.add_leave(bot.services, admin, await _sam(bot), leave)
    await bot.text(PHONE, "1")
    assert bot.twilio.to(PHONE)[-1] == (
        "Sorry, that time has just gone. We can see you 1) Thu 26 Nov at 9am 2) Fri 27 Nov at "
        f"9am 3) Wed 2 Dec at 9am, with Sam at {LOCATION}. Reply 1, 2 or 3 to book, or CALL for "
        "a call instead. We hold these until 2pm."
    )
    await bot.text(PHONE, "3")
    sessions = {a["starts_at"]: a["status"] for a in await _appointments(bot, token, client_id)}
    assert sessions["2026-12-02T09:00:00+00:00"] == "confirmed"


async def _sam(bot: Bot) -> int:
    async with bot.services.db.read() as session:
        found = select(StaffUserRow.id).where(StaffUserRow.name == "Sam Jones")
        return int((await session.execute(found)).scalar_one())


async def test_call_asks_a_link_worker_to_ring(make_bot: Any) -> None:
    bot, token = await _booking_bot(make_bot)
    client_id = await _client(bot, token)
    await _book(bot, token, client_id)
    await bot.text(PHONE, "no")
    await bot.api(
        "POST", f"/api/v1/cases/{(await _open(bot, token))[0]}/close", token, {"outcome": "x"}
    )
    await bot.text(PHONE, "Call me")
    assert bot.twilio.to(PHONE)[-1] == texts.OFFER_CALL
    assert [c["reason"] for c in (await bot.api("GET", "/api/v1/cases", token))[1]["items"]] == [
        "booking"
    ]


async def _open(bot: Bot, token: str) -> list[str]:
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    return [c["id"] for c in cases["items"]]


async def test_a_held_slot_or_a_clash_refuses_a_staff_booking(make_bot: Any) -> None:
    bot, token = await _booking_bot(make_bot)
    client_id = await _client(bot, token)
    other_id = await _client(bot, token, OTHERS[0])
    await _book(bot, token, client_id)
    body = {
        "client_id": other_id,
        "starts_at": THURSDAY_2PM,
        "duration_minutes": 30,
        "location": LOCATION,
        "worker": "sam jones",
    }
    status, refused = await bot.api("POST", "/api/v1/appointments", token, body)
    assert status == 422
    assert refused["error"]["message"] == "starts_at: sam jones already has a session then."
    await bot.text(PHONE, "no")  # Thursday 2pm is free again; Wed, Thu, Fri 9am are held
    assert (await bot.api("POST", "/api/v1/appointments", token, body))[0] == 201
    held = body | {"starts_at": "2026-11-25T09:30:00+00:00"}
    status, refused = await bot.api("POST", "/api/v1/appointments", token, held)
    assert status == 422 and "being offered to another client" in refused["error"]["message"]


async def test_a_cancelled_session_goes_to_the_first_of_the_waiting_list_to_reply(
    make_bot: Any,
) -> None:
    """Two waiting clients answer the freed slot at the same moment: exactly one has it, and
    the other is told kindly and stays on the list."""
    bot, token = await _booking_bot(make_bot)
    me = await worker(bot, "Alex Admin")
    client_id = await _client(bot, token)
    appointment_id = await _book(bot, token, client_id)
    waiting = [await _client(bot, token, phone) for phone in OTHERS[:2]]
    for other in waiting:
        assert await availability.waiting_list(bot.services, me, int(other), on=True)
    await appointments.cancel(bot.services, me, int(appointment_id))
    await bot.services.outbox.send_due()
    for phone in OTHERS[:2]:
        assert bot.twilio.to(phone)[-1] == (
            f"{bot.services.settings.service_name}: a sooner session has come up: Thu 26 Nov at "
            f"2pm at {LOCATION} with Sam. Reply 1 to take it. The first to reply gets it."
        )
    answers = await asyncio.gather(*(bot.webhooks.sms(p, "1") for p in OTHERS[:2]))
    assert [a.status for a in answers] == [200, 200]
    await bot.services.outbox.send_due()
    said = [bot.twilio.to(p)[-1] for p in OTHERS[:2]]
    won = [s.startswith("Booked: Thu 26 Nov at 2pm") for s in said]
    assert sorted(won) == [False, True], said
    lost = said[won.index(False)]
    assert lost == (
        "Sorry, the session on Thu 26 Nov at 2pm has gone to someone else. You are still on our "
        "waiting list and we will text you if another comes up."
    )
    async with bot.services.db.read() as session:
        in_slot = (
            await session.execute(
                select(AppointmentRow.client_id).where(AppointmentRow.status == "confirmed")
            )
        ).scalars()
        assert [str(c) for c in in_slot] == [waiting[won.index(True)]]
    _, figures = await bot.api(
        "GET", "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30", token
    )
    assert figures["slots"] == {"freed": 1, "reoffered": 1, "reused": 1}


async def test_on_telegram_the_times_are_buttons_and_a_press_books_one(make_bot: Any) -> None:
    bot: Bot = await make_bot(telegram="webhook", BOOKING_BY_REPLY="on")
    sam = await worker(bot)
    for day in (WED, THU, FRI):
        await sessions_on(bot, sam, day)
    assert bot.telegram is not None
    person = TelegramPhone(bot, bot.telegram, 900321, polling=False, press=True)
    await person.say("Hello")
    _, found = await bot.api(
        "GET", "/api/v1/clients?telegram_chat_id=900321", await bot.staff_token()
    )
    await availability.offer_times(bot.services, sam, int(found["items"][0]["id"]))
    await bot.services.outbox.send_due()
    offer = bot.telegram.last(900321)
    assert offer.reply_markup is not None
    labels = [b["text"] for row in offer.reply_markup["inline_keyboard"] for b in row]
    assert labels == [
        "1) Wed 25 Nov at 9am",
        "2) Thu 26 Nov at 9am",
        "3) Fri 27 Nov at 9am",
        "Call me instead",
    ]
    await converse(person, [("2", ["Booked: Thu 26 Nov at 9am at Pemberton Surgery with Sam"])])
    assert bot.telegram.answered_callbacks  # pressed, not typed


async def test_times_are_not_offered_in_the_middle_of_a_referral(make_bot: Any) -> None:
    """The numbers would be the referral's answers: the link worker is told to wait."""
    bot, token = await _booking_bot(make_bot)
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "1")  # a self-referral starts: its first question waits
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{PHONE[1:]}", token)
    admin = await worker(bot, "Alex Admin")
    sent = len(bot.twilio.to(PHONE))
    with pytest.raises(Invalid, match="part-way through a conversation"):
        await availability.offer_times(bot.services, admin, int(found["items"][0]["id"]))
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(PHONE)) == sent


async def test_a_freed_session_answered_after_its_hold_is_not_booked(make_bot: Any) -> None:
    bot, token = await _booking_bot(make_bot)
    admin = await worker(bot, "Alex Admin")
    client_id = await _client(bot, token)
    appointment_id = await _book(bot, token, client_id)
    waiting = await _client(bot, token, OTHERS[0])
    await availability.waiting_list(bot.services, admin, int(waiting), on=True)
    await appointments.cancel(bot.services, admin, int(appointment_id))
    await bot.services.outbox.send_due()
    bot.clock.advance(timedelta(hours=5))  # held for four
    await bot.text(OTHERS[0], "1")
    assert bot.twilio.to(OTHERS[0])[-1] == (
        "Sorry, the session on Thu 26 Nov at 2pm is no longer held for the waiting list. You are "
        "still on the list and we will text you if another comes up."
    )
    assert await _appointments(bot, token, waiting) == []


async def test_a_client_on_a_landline_is_not_offered_times_by_text(make_bot: Any) -> None:
    bot, _ = await _booking_bot(make_bot)
    case_id = await referred_case(bot, "P92001", "+441942123456")
    token = await bot.staff_token()
    _, case = await bot.api("GET", f"/api/v1/cases/{case_id}", token)
    with pytest.raises(Invalid, match="landline"):
        await availability.offer_times(
            bot.services, await worker(bot, "Alex Admin"), int(case["client_id"])
        )
