"""The staff web app's front door: sign in, lock-out, first-login password, CSRF, sign out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.bootstrap import build
from bot.web import staff
from flows.model import Role
from storage.tables import AuditRow
from testkit.clock import FakeClock
from tests.conftest import Bot, settings_for
from tests.support.staff_web import NEW_PASSWORD, Browser, add_user, signed_in


def _staff_routes(method: str) -> list[str]:
    """Every page of the staff app but signing in, with ids filled in."""
    settings = settings_for("sqlite:///unused.db", None, LINKBOT_SIMULATOR="on")
    app = staff.create(build(settings, clock=FakeClock()))  # routes only: nothing runs
    paths = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix", "")
        if route.method == method and not staff.is_public(route):
            paths.add(path.replace("{id}", "1").replace("{change}", "pause"))
    return sorted(paths)


GET_PAGES = _staff_routes("GET")
FORMS = _staff_routes("POST")


def test_the_route_lists_hold_every_kind_of_staff_page() -> None:
    assert {"/", "/queue", "/cases/1", "/clients", "/campaigns/new", "/admin/audit"} <= set(
        GET_PAGES
    )
    assert {"/cases/1/reply", "/clients/1/appointments", "/admin/users", "/logout"} <= set(FORMS)


@pytest.mark.parametrize("path", GET_PAGES)
async def test_staff_pages_without_a_login_go_to_the_sign_in_page(bot: Bot, path: str) -> None:
    response = await Browser(bot).get(path)
    assert response.status == 302
    assert response.headers["Location"].startswith("/login")
    assert "<table" not in await response.text()


@pytest.mark.parametrize("path", FORMS)
async def test_a_form_posted_without_a_login_is_refused(bot: Bot, path: str) -> None:
    response = await Browser(bot).post(path, csrf="guess")
    assert response.status == 403


@pytest.mark.parametrize("path", FORMS)
async def test_a_form_posted_without_its_csrf_token_is_refused(bot: Bot, path: str) -> None:
    browser = await signed_in(bot)
    for form in ({}, {"csrf": "guess"}):
        response = await browser.post(path, text="hello", **form)
        assert response.status == 403, (path, form)
        assert "expired" in await response.text()


async def test_sign_in_needs_the_form_token(bot: Bot) -> None:
    password = await add_user(bot)
    browser = Browser(bot)
    await browser.get("/login")
    response = await browser.post("/login", email="sam@practice.nhs.uk", password=password)
    assert response.status == 403
    response = await browser.post(
        "/login", csrf="forged", email="sam@practice.nhs.uk", password=password
    )
    assert response.status == 403 and "linkbot_session" not in browser.cookies


async def test_first_sign_in_asks_for_a_new_password_before_anything_else(bot: Bot) -> None:
    password = await add_user(bot)
    browser = Browser(bot)
    response = await browser.sign_in("sam@practice.nhs.uk", password)
    assert response.status == 302 and response.headers["Location"] == "/password"
    assert (await browser.get("/queue")).headers["Location"] == "/password"
    token = await browser.csrf("/password")
    response = await browser.post("/password", csrf=token, current=password, new="short")
    assert response.status == 422 and "at least 12 characters" in await response.text()
    response = await browser.post("/password", csrf=token, current=password, new=NEW_PASSWORD)
    assert response.headers["Location"] == "/queue"
    page = await browser.get("/queue")
    assert page.status == 200 and "<h1>Queue</h1>" in await page.text()
    # The one-time password is spent; the new one works.
    fresh = Browser(bot)
    assert (await fresh.sign_in("sam@practice.nhs.uk", password)).status == 401
    assert (await fresh.sign_in("sam@practice.nhs.uk", NEW_PASSWORD)).status == 302


async def test_the_session_cookie_is_secure_http_only_and_same_site(bot: Bot) -> None:
    password = await add_user(bot)
    browser = Browser(bot)
    response = await browser.sign_in("sam@practice.nhs.uk", password)
    cookie = response.cookies["linkbot_session"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"


async def test_a_wrong_password_and_an_unknown_address_read_the_same(bot: Bot) -> None:
    await add_user(bot)
    wrong = await Browser(bot).sign_in("sam@practice.nhs.uk", "not it")
    unknown = await Browser(bot).sign_in("nobody@practice.nhs.uk", "not it")
    assert wrong.status == unknown.status == 401
    message = "That e-mail address and password do not match."
    assert message in await wrong.text() and message in await unknown.text()


async def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(bot: Bot) -> None:
    password = await add_user(bot)
    browser = Browser(bot)
    for _ in range(5):
        response = await browser.sign_in("sam@practice.nhs.uk", "guess")
    assert "locked for 15 minutes" in await response.text()
    response = await browser.sign_in("sam@practice.nhs.uk", password)
    assert response.status == 401 and "locked" in await response.text()
    bot.clock.advance(timedelta(minutes=16))
    assert (await browser.sign_in("sam@practice.nhs.uk", password)).status == 302


async def test_signing_out_ends_the_session(bot: Bot) -> None:
    browser = await signed_in(bot)
    kept = dict(browser.cookies)
    assert (await browser.post("/logout", csrf="forged")).status == 403
    response = await browser.post("/logout", csrf=await browser.csrf("/queue"))
    assert response.headers["Location"] == "/login"
    # Even a copy of the old cookie no longer works.
    browser.cookies = kept
    assert (await browser.get("/queue")).headers["Location"].startswith("/login")


async def test_a_session_ends_after_eight_idle_hours(bot: Bot) -> None:
    browser = await signed_in(bot)
    bot.clock.advance(timedelta(hours=8, minutes=1))
    assert (await browser.get("/queue")).headers["Location"].startswith("/login")


async def test_pages_carry_security_headers(bot: Bot) -> None:
    response = await Browser(bot).get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


async def test_after_sign_in_only_a_path_on_this_site_is_followed(bot: Bot) -> None:
    browser = await signed_in(bot)
    await browser.post("/logout", csrf=await browser.csrf("/queue"))
    token = await browser.csrf("/login?next=//evil.example")
    response = await browser.post(
        "/login",
        csrf=token,
        email="sam@practice.nhs.uk",
        password=NEW_PASSWORD,
        next="https://evil.example/",
    )
    assert response.headers["Location"] == "/queue"


async def test_a_link_worker_sees_only_their_practices_cases_in_the_queue(bot: Bot) -> None:
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Standish Surgery")
    admin = await bot.staff_token()
    for phone, practice in (("07700900201", "P92001"), ("07700900202", "P92002")):
        status, _ = await bot.api(
            "POST",
            "/api/v1/referrals",
            admin,
            {
                "referrer": {
                    "name": "Dr Shah",
                    "role": "GP",
                    "organisation": "Surgery",
                    "pathway": "hospital",
                    "phone": "07700900999",
                },
                "client": {
                    "name": "A Client",
                    "phone": phone,
                    "practice": practice,
                    "needs": ["lonely"],
                },
                "client_consent": True,
            },
        )
        assert status == 201
    browser = await signed_in(bot, role=Role.LINK_WORKER, practices=["P92001"])
    page = await (await browser.get("/queue")).text()
    assert "P92001" in page and "P92002" not in page
    assert "<title>Queue (1)" in page


async def test_sign_ins_and_failures_are_audited(bot: Bot) -> None:
    await signed_in(bot)
    await Browser(bot).sign_in("sam@practice.nhs.uk", "wrong")
    async with bot.services.db.read() as session:
        actions = (
            (await session.execute(select(AuditRow.action).order_by(col(AuditRow.id))))
            .scalars()
            .all()
        )
    assert list(actions) == ["login", "password_changed", "login_failed"]


async def test_a_tab_hidden_in_an_escape_does_not_lead_off_the_site(bot: Bot) -> None:
    browser = await signed_in(bot)
    await browser.post("/logout", csrf=await browser.csrf("/queue"))
    page = await (await browser.get("/login?next=/%09/evil.example")).text()
    assert 'name="next" value="/queue"' in page
    token = await browser.csrf("/login")
    response = await browser.post(
        "/login",
        csrf=token,
        email="sam@practice.nhs.uk",
        password=NEW_PASSWORD,
        next="/%09/evil.example",
    )
    assert response.headers["Location"] == "/queue"


async def test_a_page_asked_for_before_signing_in_is_shown_after(bot: Bot) -> None:
    browser = await signed_in(bot)
    await browser.post("/logout", csrf=await browser.csrf("/queue"))
    response = await browser.get("/clients?q=ann")
    assert response.headers["Location"].startswith("/login?next=")
    page = await (await browser.get(response.headers["Location"])).text()
    assert 'name="next" value="/clients?q=ann"' in page
    response = await browser.post(
        "/login",
        csrf=await browser.csrf("/login"),
        email="sam@practice.nhs.uk",
        password=NEW_PASSWORD,
        next="/clients?q=ann",
    )
    assert response.headers["Location"] == "/clients?q=ann"
