"""Finding clients, running campaigns and the admin pages of the staff web app."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from flows.model import Role
from storage.tables import AuditRow, CampaignRow, ReferralRow
from testkit.fake_twilio import AUTH_TOKEN
from tests.conftest import Bot
from tests.support.campaigns import Seed, seed
from tests.support.staff_web import Browser, add_user, referred_case, signed_in


def _found(page: str) -> set[str]:
    return set(re.findall(r'<td><a href="/clients/(\d+)">', page))


async def test_a_client_is_found_by_name_phone_reference_or_date_of_birth(bot: Bot) -> None:
    await referred_case(bot, "P92001", "+447700900201", "Ann Lee")
    await referred_case(bot, "P92001", "+447700900202", "Bob Annand")
    await referred_case(bot, "P92002", "+447700900203", "Anne Other")  # another practice
    async with bot.services.db.read() as session:
        reference = (
            await session.execute(select(ReferralRow.reference).where(ReferralRow.client_id == 1))
        ).scalar_one()
    browser = await signed_in(bot, Role.LINK_WORKER, ["P92001"])
    assert _found(await (await browser.get("/clients?q=ann")).text()) == {"1", "2"}
    assert _found(await (await browser.get("/clients?q=ANN+LEE")).text()) == {"1"}
    assert _found(await (await browser.get("/clients?q=07700+900202")).text()) == {"2"}
    assert _found(await (await browser.get("/clients?q=%2B447700900201")).text()) == {"1"}
    assert _found(await (await browser.get(f"/clients?q={reference.lower()}")).text()) == {"1"}
    assert _found(await (await browser.get("/clients?q=14/03/1950")).text()) == {"1", "2"}
    assert _found(await (await browser.get("/clients?q=1950-03-14")).text()) == {"1", "2"}
    # Someone at another practice is never found, whatever is typed.
    assert _found(await (await browser.get("/clients?q=07700900203")).text()) == set()
    nobody = await (await browser.get("/clients?q=%25")).text()
    assert _found(nobody) == set() and "Nobody you can see matches" in nobody
    page = await (await browser.get("/clients?q=ann")).text()
    assert 'href="/cases/' in page  # the open case is one click away
    async with bot.services.db.read() as session:
        subjects = (
            (
                await session.execute(
                    select(AuditRow.subject).where(AuditRow.action == "search_clients")
                )
            )
            .scalars()
            .all()
        )
    assert "by:name:2" in subjects and not any("ann" in (s or "").lower() for s in subjects)


async def _cohort(bot: Bot) -> None:
    await bot.add_practice("P92001", "Pemberton Surgery")
    at = datetime(2026, 10, 14, 9, tzinfo=UTC)
    await seed(
        bot.services.db,
        [
            Seed("+447700900301", (at,), practice="P92001"),
            Seed("+447700900302", (at,), practice="P92001"),
            Seed("+447700900303", (at,), practice="P92001", opted_out=True),
        ],
        bot.clock.now(),
    )


async def test_a_campaign_is_checked_then_scheduled_then_paused_and_cancelled(bot: Bot) -> None:
    await _cohort(bot)
    browser = await signed_in(bot)
    csrf = await browser.csrf("/campaigns/new")
    form = {
        "csrf": csrf,
        "name": "Autumn check-in",
        "send_on": "2026-11-26",
        "kind": "check_in",
        "last_session_from": "2026-10-01",
        "last_session_to": "2026-10-31",
    }
    checked = await browser.post("/campaigns/new", action="dry_run", **form)
    page = await checked.text()
    assert checked.status == 200 and "It would reach 2 people" in page
    assert "1 left out because they have opted out" in page
    async with bot.services.db.read() as session:
        assert not list((await session.execute(select(CampaignRow))).scalars())
    bad = await browser.post(
        "/campaigns/new", action="schedule", **(form | {"last_session_to": "2026-09-01"})
    )
    assert bad.status == 422 and "Last session to: on or after" in await bad.text()
    made = await browser.post("/campaigns/new", action="schedule", **form)
    assert made.status == 302
    path = made.headers["Location"]
    page = await (await browser.get(path)).text()
    assert "Autumn check-in" in page and re.search(r'class="n">2</span>in the cohort', page)
    assert (await browser.post(f"{path}/pause", csrf=csrf)).status == 302
    assert "paused" in await (await browser.get(path)).text()
    assert (await browser.post(f"{path}/resume", csrf=csrf)).status == 302
    assert (await browser.post(f"{path}/cancel", csrf=csrf)).status == 302
    again = await browser.post(f"{path}/resume", csrf=csrf)
    assert again.status == 422 and "cancelled" in await again.text()
    listing = await (await browser.get("/campaigns")).text()
    assert f'href="{path}"' in listing and "cancelled" in listing


async def test_a_link_worker_sees_only_their_own_campaigns(bot: Bot) -> None:
    await _cohort(bot)
    admin = await signed_in(bot)
    csrf = await admin.csrf("/campaigns/new")
    made = await admin.post(
        "/campaigns/new",
        action="schedule",
        csrf=csrf,
        name="Admin's",
        send_on="2026-11-26",
        kind="message",
        message="Hello from us",
    )
    path = made.headers["Location"]
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], email="jo@practice.nhs.uk")
    assert (await worker.get(path)).status == 404
    assert path not in await (await worker.get("/campaigns")).text()
    csrf = await worker.csrf("/campaigns")
    assert (await worker.post(f"{path}/cancel", csrf=csrf)).status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/admin",
        "/admin/users",
        "/admin/practices",
        "/admin/replies",
        "/admin/settings",
        "/admin/audit",
    ],
)
async def test_admin_pages_are_for_admins_only(bot: Bot, path: str) -> None:
    await bot.add_practice("P92001", "Pemberton Surgery")
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"])
    response = await worker.get(path)
    assert response.status == 403 and "for admins" in await response.text()
    csrf = await worker.csrf("/queue")
    assert (
        await worker.post("/admin/users", csrf=csrf, email="x@y.z", name="X", role="admin")
    ).status == 403


async def test_an_admin_adds_a_link_worker_who_can_then_sign_in(bot: Bot) -> None:
    await bot.add_practice("P92001", "Pemberton Surgery")
    admin = await signed_in(bot)
    csrf = await admin.csrf("/admin/users")
    refused = await admin.post(
        "/admin/users", csrf=csrf, email="jo@practice.nhs.uk", name="Jo Bloggs", role="link_worker"
    )
    assert refused.status == 422 and "needs at least one practice" in await refused.text()
    made = await admin.post(
        "/admin/users",
        csrf=csrf,
        email="jo@practice.nhs.uk",
        name="Jo Bloggs",
        role="link_worker",
        practice="P92001",
    )
    page = await made.text()
    password = re.search(r'<p class="secret">([^<]+)</p>', page)
    assert made.status == 200 and password
    jo = Browser(bot)
    signed = await jo.sign_in("jo@practice.nhs.uk", password[1])
    assert signed.headers["Location"] == "/password"
    # A new password from the admin works, and the old one no longer does.
    users = await (await admin.get("/admin/users")).text()
    found = re.search(
        r'action="/admin/users/(\d+)/reset"[^<]*<input[^>]*>[^<]*<button[^>]*'
        r'aria-label="New password for Jo Bloggs"',
        users,
    )
    assert found
    reset = await admin.post(f"/admin/users/{found[1]}/reset", csrf=csrf)
    fresh = re.search(r'<p class="secret">([^<]+)</p>', await reset.text())
    assert fresh and fresh[1] != password[1]
    assert (await Browser(bot).sign_in("jo@practice.nhs.uk", password[1])).status == 401
    assert (await Browser(bot).sign_in("jo@practice.nhs.uk", fresh[1])).status == 302


async def test_an_admin_adds_a_practice_and_keeps_the_saved_replies(bot: Bot) -> None:
    admin = await signed_in(bot)
    csrf = await admin.csrf("/admin/practices")
    assert (await admin.post("/admin/practices", csrf=csrf, code="", name="X")).status == 422
    added = await admin.post(
        "/admin/practices", csrf=csrf, code="p92003", name="Ince Clinic", area="WN2"
    )
    assert added.status == 302
    assert "P92003" in await (await admin.get("/admin/practices")).text()

    saved = await admin.post(
        "/admin/replies",
        csrf=csrf,
        action="save",
        title="Home visit",
        text="Hello, I can visit you at home on [day]. Does that suit?",
    )
    assert saved.status == 302
    page = await (await admin.get("/admin/replies")).text()
    assert "Home visit" in page
    clash = await admin.post(
        "/admin/replies", csrf=csrf, action="save", title="Home visit", text="Another"
    )
    assert clash.status == 422 and "already a saved reply" in await clash.text()
    found = re.search(
        r'name="id" value="(\d+)">\s*<label for="title-\d+">Title</label>\s*'
        r'<input id="title-\d+" name="title" value="Home visit"',
        page,
    )
    assert found
    gone = await admin.post("/admin/replies", csrf=csrf, action="delete", id=found[1])
    assert gone.status == 302
    assert "Home visit" not in await (await admin.get("/admin/replies")).text()


async def test_the_settings_page_never_shows_a_secret(bot: Bot) -> None:
    admin = await signed_in(bot)
    page = await (await admin.get("/admin/settings")).text()
    assert "SERVICE_TIMEZONE" in page and "Europe/London" in page
    assert "TWILIO_AUTH_TOKEN" in page and "set (not shown)" in page
    assert AUTH_TOKEN not in page


async def test_admins_read_the_audit_log_filtered_by_what_it_is_about(bot: Bot) -> None:
    case_id = await referred_case(bot)
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], email="jo@practice.nhs.uk")
    await worker.get(f"/cases/{case_id}")
    admin = await signed_in(bot)
    page = await (await admin.get("/admin/audit?subject=client:1")).text()
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td>", page)
    assert ("Sam Jones", "view client") in rows  # the worker made by signed_in is Sam Jones
    assert all(action == "view client" for _, action in rows)
    everything = await (await admin.get("/admin/audit")).text()
    assert "<td>login</td>" in everything and "<td>view client</td>" in everything
    async with bot.services.db.read() as session:
        actions = (
            (await session.execute(select(AuditRow.action).order_by(col(AuditRow.id))))
            .scalars()
            .all()
        )
    assert actions[-1] == "read_audit_log"


async def test_a_new_user_must_change_the_password_before_any_page(bot: Bot) -> None:
    password = await add_user(bot, Role.ADMIN, email="new@practice.nhs.uk")
    browser = Browser(bot)
    await browser.sign_in("new@practice.nhs.uk", password)
    for path in ("/clients", "/campaigns", "/admin/audit"):
        response = await browser.get(path)
        assert response.headers["Location"] == "/password", path
