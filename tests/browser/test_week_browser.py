"""A link worker's week in a real browser: adding weekly times and leave, seeing free slots,
a session booked in one with the client's name, and a bank holiday with no slots."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_staff_browser import _sign_in, _url
from tests.conftest import Bot
from tests.support.staff_web import referred_case

PHONE = "+447700900301"


async def test_a_link_worker_sets_their_week_and_sees_its_slots_and_sessions(
    make_bot: Any, chromium: Browser
) -> None:
    bot: Bot = await make_bot(BOOKING_BY_REPLY="on")
    page = await _sign_in(bot, chromium)
    await page.get_by_role("link", name="Availability").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sam Jones's week from Mon 23 Nov 2026"
    )
    await expect(page.get_by_text("No times yet")).to_be_visible()

    await page.get_by_label("Day", exact=True).select_option(label="Wednesday")
    await page.get_by_label("From", exact=True).first.fill("09:00")
    await page.get_by_label("Until", exact=True).first.fill("12:00")
    await page.get_by_label("Slot length (minutes)").fill("60")
    await page.locator("#time-location").fill("Pemberton Surgery")
    await page.get_by_role("button", name="Add times").click()
    await expect(
        page.get_by_text("Wednesdays 09:00-12:00, 60 min slots, at Pemberton Surgery")
    ).to_be_visible()
    wednesday = page.locator(".day").nth(2)
    await expect(wednesday.locator(".entry.free")).to_have_count(3)

    # A session booked with Sam in the 10:00 slot shows in its place, with the client's name.
    case_id = await referred_case(bot, "P92001", PHONE, name="Ann Lee")
    admin = await bot.staff_token()
    _, case = await bot.api("GET", f"/api/v1/cases/{case_id}", admin)
    status, _ = await bot.api(
        "POST",
        "/api/v1/appointments",
        admin,
        {
            "client_id": case["client_id"],
            "starts_at": "2026-11-25T10:00:00Z",
            "duration_minutes": 60,
            "location": "Pemberton Surgery",
            "worker": "Sam Jones",
        },
    )
    assert status == 201
    await page.reload()
    await expect(wednesday.locator(".entry.free")).to_have_count(2)
    session = wednesday.locator(".entry.booked")
    await expect(session).to_contain_text(
        "10:00, 60 min, Pemberton Surgery: session, booked with Ann Lee"
    )

    # Leave for Wednesday afternoon is listed; leave over the morning marks the free slots away.
    await page.locator("#leave-from").fill("2026-11-25")
    await page.locator("#leave-to").fill("2026-11-25")
    await page.locator("#leave-to-time").fill("10:00")
    await page.get_by_label("Note").fill("training")
    await page.get_by_role("button", name="Add leave").click()
    await expect(
        page.get_by_text("Wed 25 Nov 2026 00:00 to Wed 25 Nov 2026 10:00: training")
    ).to_be_visible()
    await expect(wednesday.locator(".entry.leave")).to_have_count(1)
    await expect(wednesday.locator(".entry.free")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "week.png"), full_page=True)

    # Christmas week: Friday is a bank holiday, and a weekly Friday time has no slots on it.
    await page.get_by_label("Day", exact=True).select_option(label="Friday")
    await page.locator("#time-location").fill("Pemberton Surgery")
    await page.get_by_role("button", name="Add times").click()
    week_path = "/" + page.url.split("/", 3)[3].split("?")[0]  # /workers/{id}/week
    await page.goto(_url(bot, week_path + "?start=2026-12-21"))
    friday = page.locator(".day").nth(4)
    await expect(friday.get_by_role("heading")).to_have_text(
        "Fri 25 Dec Bank holiday: Christmas Day"
    )
    await expect(friday.locator(".entries")).to_have_text("Nothing")
    await expect(page.locator(".day").nth(2).locator(".entry.free")).to_have_count(3)
