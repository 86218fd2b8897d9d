"""The staff web app in a real browser: sign in, a case arriving live, reply, close, and a
worker refused another practice's case."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, Page, expect

from bot.actions.timers import fire_due
from flows.gsm import segments
from flows.model import Role
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import Bot
from tests.support.staff_web import NEW_PASSWORD, add_user, referred_case

PHONE = "+447700900301"


def _url(bot: Bot, path: str) -> str:
    """The app as a browser on this machine reaches it. Its cookies are Secure (the public URL
    is https); Chromium accepts those over plain http only from localhost."""
    return f"http://localhost:{bot.client.port}{path}"


async def _sign_in(
    bot: Bot, chromium: Browser, role: Role = Role.ADMIN, practices: list[str] | None = None
) -> Page:
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
    case_id = await referred_case(bot, "P92002", PHONE)
    page = await _sign_in(bot, chromium, role=Role.LINK_WORKER, practices=["P92001"])
    response = await page.goto(_url(bot, f"/cases/{case_id}"))
    assert response is not None and response.status == 404
    assert "Ann Lee" not in await page.content()


async def test_a_no_to_a_reminder_shows_the_referral_case_as_a_high_rearrange_request(
    bot: Bot, chromium: Browser
) -> None:
    """The queue shows what the client asked for now, and the case page what it was before."""
    case_id = await referred_case(bot, "P92001", PHONE)
    admin = await bot.staff_token()
    _, client = await bot.api("GET", f"/api/v1/clients?phone=%2B{PHONE[1:]}", admin)
    session = {
        "client_id": client["items"][0]["id"],
        "starts_at": "2026-11-26T14:00:00+00:00",
        "duration_minutes": 45,
        "location": "Pemberton Library",
        "worker": "Sam Jones",
    }
    status, _ = await bot.api("POST", "/api/v1/appointments", admin, session)
    assert status == 201
    await bot.services.outbox.send_due()
    page = await _sign_in(bot, chromium, role=Role.LINK_WORKER, practices=["P92001"])
    row = page.get_by_role("row").filter(has_text="Ann Lee")
    await expect(row.get_by_role("link", name="referral")).to_be_visible()
    await expect(row).to_contain_text("normal")

    bot.clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # the 48-hour reminder
    await fire_due(bot.services)
    await bot.services.outbox.send_due()
    assert "a reminder of your session" in bot.twilio.to(PHONE)[-1]
    await bot.text(PHONE, "No sorry I can't make Thursday")
    await page.reload()
    await expect(row.get_by_role("link", name="rearrange")).to_be_visible()
    await expect(row).to_contain_text("high")
    await expect(row).not_to_contain_text("normal")

    await row.get_by_role("link", name="rearrange").click()
    await expect(page).to_have_url(re.compile(f"/cases/{case_id}$"))
    await expect(page.locator("h1 .tag")).to_have_text("high")
    history = page.locator("#case-history")
    await expect(history).to_have_text(
        "referral, normal, 24 Nov 10:00 \u2192 rearrange, high, 24 Nov 14:00"
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "case-history.png"))


async def test_booking_a_session_from_the_case_page_in_the_browser(
    bot: Bot, chromium: Browser
) -> None:
    case_id = await referred_case(bot, "P92001", PHONE)
    page = await _sign_in(bot, chromium, role=Role.LINK_WORKER, practices=["P92001"])
    await page.goto(_url(bot, f"/cases/{case_id}"))
    tomorrow = (bot.clock.now().astimezone(bot.services.settings.zone) + timedelta(days=1)).date()
    await page.get_by_label("Date", exact=True).fill(tomorrow.isoformat())
    await page.get_by_label("Time (Europe/London)").fill("10:30")
    await page.get_by_label("Length").select_option("60")
    await page.get_by_label("Where").fill("Pemberton Surgery, room 2")
    before = len(bot.twilio.to(PHONE))
    await page.get_by_role("button", name="Book session").click()
    booked = page.locator(".appointments li").first
    await expect(booked).to_contain_text(tomorrow.strftime("%a %d %b %Y") + ", 10:30")
    await expect(booked).to_contain_text("60 min, at Pemberton Surgery, room 2 with Sam Jones")
    await expect(booked).to_contain_text("booked")
    await bot.services.outbox.send_due()
    sent = bot.twilio.to(PHONE)[before:]
    assert len(sent) == 1 and "10:30" in sent[0] and "Pemberton Surgery, room 2" in sent[0]


async def test_the_reply_counter_counts_characters_and_sms_as_twilio_bills_them(
    bot: Bot, chromium: Browser
) -> None:
    case_id = await referred_case(bot, "P92001", PHONE)
    page = await _sign_in(bot, chromium)
    await page.goto(_url(bot, f"/cases/{case_id}"))
    await page.get_by_label("Start from a saved reply").select_option(label="Tried to ring")
    await page.get_by_role("button", name="Use this reply").click()
    box = page.get_by_label("Your reply")
    await expect(box).to_have_value(re.compile("^Hello, I tried to ring you today"))
    counter = page.locator("#counter")
    for text in (
        "Hello",
        "a" * 160,
        "a" * 161,
        "[" * 80,
        "[" * 81,
        "Thanks \U0001f600",
        "\u2019" * 70,
        "\u2019" * 71,
        "a" * 152 + "\u20ac",
    ):
        await box.fill(text)
        expected = f"{len(text)} characters, {segments(text)} SMS"
        await expect(counter).to_contain_text(expected)


def _pages(case_id: str) -> list[str]:
    return [
        "/queue",
        f"/cases/{case_id}",
        "/clients?q=ann",
        "/campaigns",
        "/campaigns/new",
        "/admin/users",
        "/admin/audit",
        "/password",
        "/reports",
        "/deliveries",
        "/availability",
    ]


# Run in the page: every form control has a label, there is one h1, and all visible text has
# at least WCAG AA contrast (4.5:1) against the background behind it.
ACCESSIBILITY_CHECK = """() => {
  const problems = [];
  const visible = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !visible(el)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label");
    if (!named) problems.push("no label: " + (el.name || el.outerHTML.slice(0, 60)));
  }
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(h1 + " h1 headings");
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < 4.5) problems.push("contrast " + ratio.toFixed(2) + ": " + text);
  }
  return problems;
}"""


async def test_pages_have_labels_one_heading_and_enough_contrast(
    bot: Bot, chromium: Browser
) -> None:
    case_id = await referred_case(bot, "P92001", PHONE)
    page = await _sign_in(bot, chromium)
    for path in [*_pages(case_id), "/admin/replies", "/admin/practices", "/admin/settings"]:
        await page.goto(_url(bot, path))
        problems = await page.evaluate(ACCESSIBILITY_CHECK)
        assert problems == [], (path, problems)


async def test_the_accessibility_check_finds_what_it_looks_for(chromium: Browser) -> None:
    page = await chromium.new_page()
    await page.set_content(
        '<html><body><h1>A</h1><h1>B</h1><input name="who">'
        '<p style="color:#999;background:#fff">faint</p></body></html>'
    )
    problems = await page.evaluate(ACCESSIBILITY_CHECK)
    assert problems[0] == "no label: who" and "2 h1 headings" in problems
    assert "no lang on <html>" in problems
    assert any(p.startswith("contrast 2.85: faint") for p in problems), problems


async def test_the_keyboard_reaches_the_skip_link_first_and_it_moves_to_the_content(
    bot: Bot, chromium: Browser
) -> None:
    page = await _sign_in(bot, chromium)
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    await expect(skip).to_be_visible()
    await page.keyboard.press("Enter")
    # The browser reports the move to the fragment as a navigation of its own, a moment later.
    await expect(page).to_have_url(re.compile(r"#main$"))


async def test_every_page_fits_a_phone_screen(bot: Bot, chromium: Browser) -> None:
    case_id = await referred_case(bot, "P92001", PHONE)
    await bot.text(PHONE, "Thank you. Mornings are best for me, I am at work most afternoons.")
    phone = await _sign_in(bot, chromium)
    await phone.set_viewport_size({"width": 360, "height": 740})
    for path in _pages(case_id):
        await phone.goto(_url(bot, path))
        wide = await phone.evaluate("document.documentElement.scrollWidth")
        beyond = await phone.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
            ".right > 360).map(e => e.tagName + ' ' + e.id + ' ' + e.className).slice(0, 8)"
        )
        assert wide <= 360, (path, wide, beyond)
    await phone.goto(_url(bot, f"/cases/{case_id}"))
    SCREENSHOTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(SCREENSHOTS / "case-phone.png"), full_page=True)
    await phone.set_viewport_size({"width": 1280, "height": 800})
    await phone.goto(_url(bot, "/reports"))
    await expect(phone.get_by_role("heading", name="The service's figures")).to_be_visible()
    await phone.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
