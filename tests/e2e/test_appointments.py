"""Appointments: the confirmation request and its answers, cancelling and attendance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.actions.timers import fire_due
from flows import texts
from storage.tables import TimerRow
from tests.conftest import Bot

PHONE = "+447700900123"
# The fake clock starts on Tuesday 24 November 2026 at 10:00 in London (GMT).
THURSDAY_2PM = "2026-11-26T14:00:00+00:00"
FRIDAY_930 = "2026-11-27T09:30:00Z"


async def _client(bot: Bot, token: str) -> str:
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "TALK")
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{PHONE[1:]}", token)
    return str(found["items"][0]["id"])


async def _book(bot: Bot, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """Book, and let the confirmation request go out before the client answers it."""
    status, made = await bot.api("POST", "/api/v1/appointments", token, body)
    assert status == 201, made
    await bot.services.outbox.send_due()
    return dict(made)


def _booking(client: str, **changes: Any) -> dict[str, Any]:
    body = {
        "client_id": client,
        "starts_at": THURSDAY_2PM,
        "duration_minutes": 45,
        "location": "Pemberton Library, Room 2",
        "worker": "Sam Jones",
    }
    body.update(changes)
    return body


async def test_booking_asks_the_client_to_confirm_when_where_and_with_whom(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    status, made = await bot.api("POST", "/api/v1/appointments", token, _booking(client_id))
    assert status == 201
    assert made["status"] == "booked" and made["client_id"] == client_id
    assert made["starts_at"] == "2026-11-26T14:00:00+00:00" and made["duration_minutes"] == 45
    await bot.services.outbox.send_due()
    request = bot.twilio.to(PHONE)[-1]
    assert "with Sam on Thu 26 Nov at 2pm at Pemberton Library, Room 2" in request
    assert "reply YES to confirm or NO" in request and "CANCEL" not in request
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert [a["id"] for a in client["appointments"]] == [made["id"]]


@pytest.mark.parametrize("said", ["yes", "Yes see you then", "YES!", "ok"])
async def test_yes_confirms(bot: Bot, said: str) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    await _book(bot, token, _booking(client_id))
    await bot.text(PHONE, said)
    assert bot.twilio.to(PHONE)[-1] == (
        "Thank you, that's confirmed: Thu 26 Nov at 2pm at Pemberton Library, Room 2. See you then."
    )
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert client["appointments"][0]["status"] == "confirmed"


@pytest.mark.parametrize("said", ["no", "Sorry I can't make it", "I need to change it"])
async def test_no_asks_a_link_worker_to_rearrange(make_bot: Any, said: str) -> None:
    bot: Bot = await make_bot()
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    await _book(bot, token, _booking(client_id))
    case_id = (await bot.api("GET", "/api/v1/cases", token))[1]["items"][0]["id"]
    await bot.api("POST", f"/api/v1/cases/{case_id}/close", token, {"outcome": "booked"})
    await bot.text(PHONE, said)
    assert "A link worker will be in touch to find a better time" in bot.twilio.to(PHONE)[-1]
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"][0]["reason"] == "rearrange"
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert client["appointments"][0]["status"] == "rearrange"


async def test_an_unclear_answer_is_asked_about_once_then_goes_to_the_queue(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    case_id = (await bot.api("GET", "/api/v1/cases", token))[1]["items"][0]["id"]
    await bot.api("POST", f"/api/v1/cases/{case_id}/close", token, {"outcome": "booked"})
    await _book(bot, token, _booking(client_id))
    await bot.text(PHONE, "which room is it?")
    assert bot.twilio.to(PHONE)[-1] == (
        "Sorry, I didn't follow. Can you come on Thu 26 Nov at 2pm? Please reply YES or NO."
    )
    await bot.text(PHONE, "is there parking")
    assert bot.twilio.to(PHONE)[-1] == texts.acknowledge(bot.services.settings.service)
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert len(cases["items"]) == 1 and cases["items"][0]["status"] == "open"


async def test_a_reply_goes_to_the_nearest_unanswered_session_and_names_it(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    later = await _book(bot, token, _booking(client_id, starts_at=FRIDAY_930))
    sooner = await _book(bot, token, _booking(client_id))
    await bot.text(PHONE, "yes")
    assert "Thu 26 Nov at 2pm" in bot.twilio.to(PHONE)[-1]
    await bot.text(PHONE, "yes")
    assert "Fri 27 Nov at 9:30am" in bot.twilio.to(PHONE)[-1]
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert {a["id"]: a["status"] for a in client["appointments"]} == {
        sooner["id"]: "confirmed",
        later["id"]: "confirmed",
    }


async def test_a_past_session_is_recorded_and_nothing_is_sent(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    sent = len(bot.twilio.to(PHONE))
    status, made = await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        _booking(client_id, starts_at="2026-11-20T10:00:00+00:00", outcome="attended"),
    )
    assert status == 201 and made["status"] == "attended"
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(PHONE)) == sent


async def test_cancelling_tells_the_client_and_a_later_yes_is_not_taken_for_it(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    made = await _book(bot, token, _booking(client_id))
    status, cancelled = await bot.api("DELETE", f"/api/v1/appointments/{made['id']}", token)
    assert status == 200 and cancelled["status"] == "cancelled"
    await bot.services.outbox.send_due()
    assert (
        "your session on Thu 26 Nov at 2pm at Pemberton Library, Room 2 is cancelled"
        in (bot.twilio.to(PHONE)[-1])
    )
    status, _ = await bot.api("DELETE", f"/api/v1/appointments/{made['id']}", token)
    assert status == 422


async def test_a_dna_gets_one_kind_message_and_a_case(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    case_id = (await bot.api("GET", "/api/v1/cases", token))[1]["items"][0]["id"]
    await bot.api("POST", f"/api/v1/cases/{case_id}/close", token, {"outcome": "booked"})
    made = await _book(bot, token, _booking(client_id))
    status, body = await bot.api(
        "POST", f"/api/v1/appointments/{made['id']}/attendance", token, {"outcome": "dna"}
    )
    assert status == 422 and body["error"]["message"].startswith("outcome")  # not started yet
    bot.clock.advance(timedelta(days=2, hours=5))
    status, body = await bot.api(
        "POST", f"/api/v1/appointments/{made['id']}/attendance", token, {"outcome": "dna"}
    )
    assert status == 200 and body["status"] == "dna"
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE)[-1] == texts.APPT_DNA
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"][0]["reason"] == "dna"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"client_id": "999999"}, "client_id"),
        ({"client_id": None}, "client_id"),
        ({"starts_at": "2026-11-26T14:00:00"}, "starts_at"),
        ({"starts_at": "next thursday"}, "starts_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"duration_minutes": "45"}, "duration_minutes"),
        ({"location": "x" * 201}, "location"),
        ({"location": ""}, "location"),
        ({"worker": None}, "worker"),
        ({"outcome": "attended"}, "outcome"),  # a session that has not started
    ],
)
async def test_bad_bookings_get_422_naming_the_field_and_store_nothing(
    make_bot: Any, changes: dict[str, Any], field: str
) -> None:
    bot: Bot = await make_bot()
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    sent = len(bot.twilio.to(PHONE))
    status, body = await bot.api(
        "POST", "/api/v1/appointments", token, _booking(client_id, **changes)
    )
    assert status == 422 and body["error"]["message"].startswith(field), body
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert client["appointments"] == []
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(PHONE)) == sent


async def _fire_and_send(bot: Bot) -> None:
    await fire_due(bot.services)
    await bot.services.outbox.send_due()


def _reminders(bot: Bot) -> list[str]:
    return [text for text in bot.twilio.to(PHONE) if "a reminder of your session" in text]


async def test_reminders_keep_their_local_time_across_the_clock_change(bot: Bot) -> None:
    """Clocks go forward on Sunday 28 March 2027: a Monday 10:00 session still gets its 48-hour
    reminder at 10:00 on Saturday and its 2-hour one at 08:00 on Monday, local time."""
    bot.clock.set(datetime(2027, 3, 20, 10, 0, tzinfo=UTC))
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    made = await _book(bot, token, _booking(client_id, starts_at="2027-03-29T10:00:00+01:00"))
    assert made["reminders"] == [
        {"offset": "48h", "at": "2027-03-27T10:00:00+00:00"},
        {"offset": "2h", "at": "2027-03-29T07:00:00+00:00"},
    ]
    bot.clock.set(datetime(2027, 3, 27, 9, 59, tzinfo=UTC))
    await _fire_and_send(bot)
    assert _reminders(bot) == []
    bot.clock.set(datetime(2027, 3, 27, 10, 0, tzinfo=UTC))
    await _fire_and_send(bot)
    [first] = _reminders(bot)
    assert "with Sam on Mon 29 Mar at 10am at Pemberton Library, Room 2" in first
    assert "reply NO" in first and "CANCEL" not in first
    bot.clock.set(datetime(2027, 3, 29, 7, 0, tzinfo=UTC))  # 08:00 BST
    await _fire_and_send(bot)
    assert len(_reminders(bot)) == 2
    # Each reminder carries a validity period ending at the start, for Twilio's queue.
    last = [m for m in bot.twilio.sent if m.to == PHONE][-1]
    assert last.validity_period == str(2 * 3600)


async def test_a_reminder_outside_the_send_window_goes_before_it_closes(bot: Bot) -> None:
    """A 9:00 session's 2-hour reminder would be at 7:00: it goes at 19:45 the evening before."""
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    made = await _book(bot, token, _booking(client_id, starts_at="2026-11-27T09:00:00+00:00"))
    assert {"offset": "2h", "at": "2026-11-26T19:45:00+00:00"} in made["reminders"]
    bot.clock.set(datetime(2026, 11, 26, 19, 45, tzinfo=UTC))
    await _fire_and_send(bot)
    assert [r for r in _reminders(bot) if "Fri 27 Nov at 9am" in r]


async def test_a_booking_after_a_reminders_time_says_so_and_keeps_a_record(bot: Bot) -> None:
    """Booked on Tuesday for Wednesday: no 48-hour reminder; the confirmation request stands in."""
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    made = await _book(bot, token, _booking(client_id, starts_at="2026-11-25T15:00:00+00:00"))
    assert [r["offset"] for r in made["reminders"]] == ["2h"]
    assert made["reminders_not_sent"] == [{"offset": "48h", "reason": "booked after its time"}]
    async with bot.services.db.read() as session:
        statuses = (await session.execute(select(TimerRow.status).order_by(TimerRow.id))).all()
    assert sorted(s for (s,) in statuses) == ["dropped", "pending"]


async def test_confirmed_clients_still_get_reminders_and_no_second_request(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    await _book(bot, token, _booking(client_id))
    await bot.text(PHONE, "yes")
    bot.clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # 48 hours before
    await _fire_and_send(bot)
    assert len(_reminders(bot)) == 1
    bot.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # 2 hours before
    await _fire_and_send(bot)
    assert len(_reminders(bot)) == 2
    assert sum("Please reply YES" in t for t in bot.twilio.to(PHONE)) == 1
    await bot.text(PHONE, "Sorry, no, I can't come now")
    assert "find a better time" in bot.twilio.to(PHONE)[-1]
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    assert client["appointments"][0]["status"] == "rearrange"


async def test_cancelling_withdraws_reminders(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    made = await _book(bot, token, _booking(client_id))
    await bot.api("DELETE", f"/api/v1/appointments/{made['id']}", token)
    bot.clock.set(datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
    await _fire_and_send(bot)
    assert _reminders(bot) == []


async def test_a_reminder_that_fell_due_while_down_is_dropped_after_the_start(bot: Bot) -> None:
    """The server was off through the session: nothing late is sent, and a record is kept."""
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    await _book(bot, token, _booking(client_id))
    bot.clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    await _fire_and_send(bot)
    assert _reminders(bot) == []
    async with bot.services.db.read() as session:
        statuses = (await session.execute(select(TimerRow.status))).all()
    assert sorted(s for (s,) in statuses) == ["dropped", "dropped"]


async def test_a_reminder_still_before_the_start_goes_after_downtime(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    await _book(bot, token, _booking(client_id))
    bot.clock.set(datetime(2026, 11, 26, 13, 30, tzinfo=UTC))  # both reminders overdue
    await _fire_and_send(bot)
    assert len(_reminders(bot)) == 2


async def test_moving_a_session_withdraws_old_reminders_and_asks_again(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client(bot, token)
    made = await _book(bot, token, _booking(client_id))
    await bot.text(PHONE, "yes")
    change = {"starts_at": FRIDAY_930, "location": "Millbrook Surgery"}
    status, moved = await bot.api("PATCH", f"/api/v1/appointments/{made['id']}", token, change)
    assert status == 200 and moved["status"] == "booked"
    assert {"offset": "2h", "at": "2026-11-26T19:45:00+00:00"} in moved["reminders"]
    await bot.services.outbox.send_due()
    assert "has moved to Fri 27 Nov at 9:30am at Millbrook Surgery" in bot.twilio.to(PHONE)[-1]
    bot.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # the old session's 2h reminder
    await _fire_and_send(bot)
    assert not [r for r in _reminders(bot) if "Thu 26 Nov" in r]
    await bot.text(PHONE, "yes")
    assert "confirmed: Fri 27 Nov at 9:30am" in bot.twilio.to(PHONE)[-1]
    status, _ = await bot.api(
        "PATCH", f"/api/v1/appointments/{made['id']}", token, {"starts_at": "2026-11-20T09:00:00Z"}
    )
    assert status == 422
