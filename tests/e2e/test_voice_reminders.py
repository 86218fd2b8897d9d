"""Clients on landlines get the confirmation request and reminders as phone calls through
Twilio's Voice API (a loopback fake, driven by the real twilio client): the call placed, its
TwiML fetched, a key pressed, the status callback; no answer or voicemail tried once more,
then recorded and a case opened."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from bot.actions.timers import fire_due
from flows import texts
from storage.tables import AppointmentRow, MessageRow
from tests.conftest import Bot
from tests.support.staff_web import referred_case

LANDLINE = "+441942123456"  # a Wigan number: phonenumbers says FIXED_LINE


async def _booked(bot: Bot, phone: str = LANDLINE) -> tuple[str, str]:
    """A client referred with a landline (or ``phone``), and a session booked for Thursday
    2pm."""
    case_id = await referred_case(bot, "P92001", phone, name="Edna Hart")
    token = await bot.staff_token()
    _, case = await bot.api("GET", f"/api/v1/cases/{case_id}", token)
    body = {
        "client_id": case["client_id"],
        "starts_at": "2026-11-26T14:00:00+00:00",
        "duration_minutes": 45,
        "location": "Pemberton Library",
        "worker": "Sam Jones",
    }
    status, made = await bot.api("POST", "/api/v1/appointments", token, body)
    assert status == 201
    await bot.services.outbox.send_due()
    return token, str(made["id"])


def _action(twiml: str) -> str:
    found = re.search(r'<Gather action="([^"]+)"', twiml)
    assert found, twiml
    return found[1]


async def test_a_landline_is_called_and_pressing_1_confirms_the_session(bot: Bot) -> None:
    token, _ = await _booked(bot)
    assert bot.twilio.to(LANDLINE) == []  # no text goes to a landline
    [call] = bot.twilio.calls_to(LANDLINE)
    assert call.sender == "+447700900001" and call.machine_detection == "Enable"
    twiml = await bot.webhooks.fetch_twiml(call)
    assert (
        '<Say language="en-GB">Hello. This is the Community Link Worker service. You have a'
        in twiml
    )
    assert "on Thu 26 Nov at 2pm, at Pemberton Library. To confirm, press 1." in twiml
    assert 'numDigits="1"' in twiml
    again = await bot.webhooks.press(call, _action(twiml), "3")
    assert "<Redirect" in again and "/voice/twiml" in again  # 3 hears it again
    said = await bot.webhooks.press(call, _action(twiml), "1")
    assert texts.VOICE_CONFIRMED in said and "<Hangup" in said
    response = await bot.webhooks.call_ended(call, "completed", "human")
    assert response.status == 200
    _, client = await bot.api("GET", f"/api/v1/clients/{(await _client_id(bot))}", token)
    assert client["appointments"][0]["status"] == "confirmed"
    async with bot.services.db.read() as session:
        row = (
            await session.execute(select(MessageRow).where(MessageRow.provider_id == call.sid))
        ).scalar_one()
    assert (row.channel, row.status, row.provider) == ("voice", "delivered", "twilio_voice")


async def _client_id(bot: Bot) -> int:
    async with bot.services.db.read() as session:
        return int((await session.execute(select(AppointmentRow.client_id))).scalars().first() or 0)


async def test_pressing_2_on_a_reminder_call_asks_a_link_worker_to_rearrange(bot: Bot) -> None:
    token, _ = await _booked(bot)
    [request] = bot.twilio.calls_to(LANDLINE)
    await bot.webhooks.call_ended(request, "completed", "human")
    bot.clock.advance(timedelta(hours=26))  # Wednesday noon: the 2pm session's 48h reminder
    await fire_due(bot.services)
    await bot.services.outbox.send_due()
    reminder = bot.twilio.calls_to(LANDLINE)[-1]
    assert reminder.sid != request.sid
    twiml = await bot.webhooks.fetch_twiml(reminder)
    assert "with a reminder of your session with Sam on Thu 26 Nov at 2pm" in twiml
    said = await bot.webhooks.press(reminder, _action(twiml), "2")
    assert texts.VOICE_REARRANGE in said
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert [c["reason"] for c in cases["items"]] == ["rearrange"]
    assert cases["items"][0]["priority"] == "high"
    _, case = await bot.api("GET", f"/api/v1/cases/{cases['items'][0]['id']}", token)
    assert "Pressed 2 on the call (no)" in [m["text"] for m in case["messages"]]


async def test_no_answer_is_tried_once_more_then_recorded_with_a_case(bot: Bot) -> None:
    token, _ = await _booked(bot)
    [first] = bot.twilio.calls_to(LANDLINE)
    await bot.webhooks.call_ended(first, "no-answer")
    await bot.services.outbox.send_due()
    assert len(bot.twilio.calls_to(LANDLINE)) == 1  # not at once: an hour later
    bot.clock.advance(timedelta(hours=1, minutes=1))
    await bot.services.outbox.send_due()
    second = bot.twilio.calls_to(LANDLINE)[-1]
    assert second.sid != first.sid
    _, before = await bot.api("GET", "/api/v1/cases", token)
    await bot.webhooks.call_ended(second, "completed", "machine_end_beep")  # voicemail
    await bot.services.outbox.send_due()
    assert len(bot.twilio.calls_to(LANDLINE)) == 2  # tried once more only
    async with bot.services.db.read() as session:
        calls = (
            await session.execute(
                select(MessageRow.kind, MessageRow.status, MessageRow.error_code)
                .where(MessageRow.channel == "voice")
                .order_by(MessageRow.id)
            )
        ).all()
    assert calls == [
        ("appointment_confirm", "undelivered", "no-answer"),
        ("appointment_confirm_again", "undelivered", "voicemail"),
    ]
    _, after = await bot.api("GET", "/api/v1/cases", token)
    # The client's open referral case now asks a person to follow the lost call up.
    assert [c["id"] for c in after["items"]] == [c["id"] for c in before["items"]]
    assert [c["reason"] for c in before["items"]] == ["referral"]
    assert [c["reason"] for c in after["items"]] == ["undelivered"]


async def test_call_webhooks_without_twilio_s_signature_are_refused(bot: Bot) -> None:
    await _booked(bot)
    [call] = bot.twilio.calls_to(LANDLINE)
    for path in ("/voice/twiml", "/voice/keys", "/voice/status"):
        response = await bot.webhooks.post(
            path, {"CallSid": call.sid, "Digits": "2", "CallStatus": "completed"}, signature="bad"
        )
        assert response.status == 403
    _, client = await bot.api(
        "GET", f"/api/v1/clients/{await _client_id(bot)}", await bot.staff_token()
    )
    assert client["appointments"][0]["status"] == "booked"


async def test_a_mobile_still_gets_a_text(bot: Bot) -> None:
    mobile = "+447700900555"
    await _booked(bot, mobile)
    assert bot.twilio.calls == [] and "reply YES to confirm" in bot.twilio.to(mobile)[-1]
