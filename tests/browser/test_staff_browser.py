"""The staff web app in a real browser: sign in, a case arriving live, reply, close, and a
worker refused another practice's case."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from flows.model import Role
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import Bot
from tests.support.staff_web import NEW_PASSWORD, add_user

PHONE = "+447700900301"


def _url(bot: Bot, path: str) -> str:
    """The app as a browser on this machine reaches it. Its cookies are Secure (the public URL
    is https); Chromium accepts those over plain http only from localhost."""
    return f"http://localhost:{bot.client.port}{path}"


async def _sign_in(bot: Bot, chromium: Browser, role: Role = Role.ADMIN,
                   practices: list[str] | None = None) -> Page:  # fmt: skip
    email = "sam@practice.nhs.uk"
    password = await add_user(bot, role, practices, email)
    page = await chromium.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(_url(bot, "/queue"))
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Choose your own password")).to_be_visible()
    await page.get_by_label("Current password").fill(password)
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Save password").click()
    await expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    return page


async def test_a_new_case_arrives_live_and_the_reply_reaches_the_client(
    bot: Bot, chromium: Browser
) -> None:
    page = await _sign_in(bot, chromium)
    await expect(page.get_by_text("No open cases")).to_be_visible()
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "Can I talk to someone about my rent please")
    # No reload: the page hears of the new case and shows it, with the count in the title.
    case_link = page.get_by_role("link", name="talk")
    await expect(case_link).to_be_visible(timeout=10_000)
    await expect(page).to_have_title("Queue (1) - Community Link Worker service")
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    await case_link.click()
    await expect(page.get_by_text("Can I talk to someone about my rent please")).to_be_visible()
    await page.get_by_label("Your reply").fill("Hello, I'm Sam. I can ring you tomorrow at 10.")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.get_by_text("Hello, I'm Sam. I can ring you tomorrow at 10.")).to_be_visible()
    await page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE)[-1] == "Hello, I'm Sam. I can ring you tomorrow at 10."

    await page.get_by_label("Outcome").fill("Rang about rent; referred to advice")
    await page.get_by_role("button", name="Close case").click()
    await expect(page.get_by_text("No open cases")).to_be_visible()


async def test_a_worker_cannot_open_another_practices_case_by_its_address(
    bot: Bot, chromium: Browser
) -> None:
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Standish Surgery")
    admin = await bot.staff_token()
    status, made = await bot.api("POST", "/api/v1/referrals", admin, {
        "referrer": {"name": "Dr Shah", "role": "GP", "organisation": "Surgery",
                     "pathway": "primary_care", "phone": "07700900999"},
        "client": {"name": "Ann Lee", "phone": PHONE, "practice": "P92002",
                   "needs": ["lonely"]},
        "client_consent": True})
    assert status == 201
    page = await _sign_in(bot, chromium, role=Role.LINK_WORKER, practices=["P92001"])
    response = await page.goto(_url(bot, f"/cases/{made['case_id']}"))
    assert response is not None and response.status == 404
    assert "Ann Lee" not in await page.content()
