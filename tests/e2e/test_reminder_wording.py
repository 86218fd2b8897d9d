"""Reminder wording tested, end to end: each booking is given a wording at random and kept,
its reminder says that wording, and the figures count sessions by wording."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.actions.timers import fire_due
from bot.config import ConfigError, load_settings
from storage.tables import AppointmentRow
from tests.conftest import Bot

PHONE = "+447700900123"
COST = (
    "{service}: your session with {worker} is on {when} at {location}. A missed session is a "
    "place someone else could have had. If you can't make it, reply NO."
)


def _variants(tmp_path: Path) -> str:
    path = tmp_path / "reminders.json"
    path.write_text(
        json.dumps([{"name": "standard", "text": None}, {"name": "cost", "text": COST}])
    )
    return str(path)


async def test_each_booking_gets_a_wording_its_reminder_uses_and_the_figures_count(
    make_bot: Any, tmp_path: Path
) -> None:
    bot: Bot = await make_bot(REMINDER_VARIANTS=_variants(tmp_path), REMINDER_OFFSETS="2h")
    token = await bot.staff_token()
    await bot.text(PHONE, "Hello")
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{PHONE[1:]}", token)
    client_id = found["items"][0]["id"]
    made = []
    for day in range(30):  # thirty sessions at noon on the days to come
        starts = (bot.clock.now() + timedelta(days=day + 1)).replace(hour=12, minute=0)
        body = {
            "client_id": client_id,
            "starts_at": starts.isoformat(),
            "duration_minutes": 45,
            "location": "Pemberton Surgery",
            "worker": "Sam Jones",
        }
        status, appointment = await bot.api("POST", "/api/v1/appointments", token, body)
        assert status == 201
        made.append(appointment["id"])
    async with bot.services.db.read() as session:
        given = dict(
            (
                await session.execute(select(AppointmentRow.id, AppointmentRow.reminder_variant))
            ).all()
        )
    assert set(given.values()) == {"standard", "cost"}  # 30 fair coin tosses: both come up

    await bot.services.outbox.send_due()
    bot.clock.advance(timedelta(hours=24))  # Wednesday 10:00: the first session's 2h reminder
    await fire_due(bot.services)
    await bot.services.outbox.send_due()
    reminder = bot.twilio.to(PHONE)[-1]
    if given[int(made[0])] == "cost":
        assert "A missed session is a place someone else could have had." in reminder
    else:
        assert reminder.startswith("Community Link Worker service: a reminder of your session")

    bot.clock.advance(timedelta(days=40))
    for appointment_id in made[:10]:
        await bot.api(
            "POST", f"/api/v1/appointments/{appointment_id}/attendance", token, {"outcome": "dna"}
        )
    _, figures = await bot.api(
        "GET", "/api/v1/reports/summary?from=2026-11-01&to=2026-12-31", token
    )
    tested = figures["reminder_variants"]
    by_wording = {name: v["sessions"] for name, v in tested["variants"].items()}
    assert by_wording == {w: list(given.values()).count(w) for w in ("cost", "standard")}
    missed = sum(v["dna"] for v in tested["variants"].values())
    assert missed == 10
    assert tested["verdict"].startswith("Not enough sessions yet to tell")


def test_a_variants_file_that_cannot_be_used_stops_start_up_naming_the_setting(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "a"}, {"name": "b", "text": "Come on {day}"}]))
    for path, problem in ((bad, "unknown placeholder"), (tmp_path / "none.json", "cannot be read")):
        with pytest.raises(ConfigError) as raised:
            load_settings({"REMINDER_VARIANTS": str(path)})
        assert str(raised.value).startswith("REMINDER_VARIANTS") and problem in str(raised.value)
