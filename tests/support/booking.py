"""Link workers with availability, for the tests of booking by reply and the week view."""

from __future__ import annotations

from typing import Any

from bot.actions import availability, commands
from flows.model import StaffUser
from storage import staff
from tests.conftest import Bot

LOCATION = "Pemberton Surgery"


async def worker(
    bot: Bot, name: str = "Sam Jones", role: str = "admin", practices: list[str] | None = None
) -> StaffUser:
    """A staff user who sees clients (an admin unless ``role`` says otherwise)."""
    email = name.lower().replace(" ", ".") + "@practice.nhs.uk"
    async with bot.services.db.write() as session:
        row, _ = await staff.add_user(session, email, name, role, practices or [], bot.clock.now())
        return await staff.staff_user(session, row)


async def sessions_on(
    bot: Bot, who: StaffUser, weekday: int, starts: str = "09:00", ends: str = "12:00", **more: Any
) -> int:
    """``who`` sees clients every ``weekday`` (0 is Monday) in 60-minute slots."""
    values = {
        "weekday": weekday,
        "starts": starts,
        "ends": ends,
        "slot_minutes": 60,
        "location": LOCATION,
    } | more
    body = commands.from_values(commands.Pattern, values)
    return await availability.add_pattern(bot.services, who, who.id, body)
