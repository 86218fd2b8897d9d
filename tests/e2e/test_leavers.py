"""Leavers and ended sessions: an admin revokes a user's API tokens or disables the user, and
they are refused at once, by cookie, by token and at sign-in; an open queue stream ends with
the session behind it (sign-out, disabling, a password reset, expiry)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from aiohttp import ClientResponse
from sqlmodel import col, select

from bot.web.staff.auth import WRONG
from flows.model import Role
from storage import staff, web_sessions
from storage.tables import AuditRow, StaffUserRow
from tests.conftest import Bot
from tests.support.staff_web import NEW_PASSWORD, Browser, referred_case, signed_in

ADMIN, WORKER = "admin@practice.nhs.uk", "leaver@practice.nhs.uk"
STREAM_WAIT_SECONDS = 30  # only a safety net: the stream is expected to end well before


async def _token(bot: Bot, email: str) -> str:
    async with bot.services.db.write() as session:
        return await staff.create_token(session, email, bot.clock.now())


async def _id(bot: Bot, email: str) -> int:
    async with bot.services.db.read() as session:
        found = (
            await session.execute(select(StaffUserRow.id).where(StaffUserRow.email == email))
        ).scalar_one()
    assert found is not None
    return found


async def _api_status(bot: Bot, token: str) -> int:
    response = await bot.client.get(
        "/api/v1/cases?status=open", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status


async def _admin_and_worker(bot: Bot) -> tuple[Browser, Browser]:
    await bot.add_practice("P92001", "Pemberton Surgery")
    admin = await signed_in(bot, email=ADMIN)
    worker = await signed_in(bot, Role.LINK_WORKER, ["P92001"], email=WORKER)
    return admin, worker


async def _audit_actions(bot: Bot) -> list[tuple[str, str | None]]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(AuditRow.action, AuditRow.subject).order_by(col(AuditRow.id))
        )
        return [(a, s) for a, s in rows.all()]


async def test_an_admin_revokes_a_users_tokens_and_they_are_refused_at_once(bot: Bot) -> None:
    admin, worker = await _admin_and_worker(bot)
    first, second = await _token(bot, WORKER), await _token(bot, WORKER)
    kept = await _token(bot, ADMIN)
    assert await _api_status(bot, first) == await _api_status(bot, second) == 200
    worker_id = await _id(bot, WORKER)
    response = await admin.post(
        f"/admin/users/{worker_id}/revoke-tokens", csrf=await admin.csrf("/admin/users")
    )
    assert response.status == 200
    assert "2 API tokens of Sam Jones revoked." in await response.text()
    assert await _api_status(bot, first) == await _api_status(bot, second) == 401
    assert await _api_status(bot, kept) == 200  # only that user's tokens
    assert (await worker.get("/queue")).status == 200  # revoking tokens keeps the sign-in
    assert ("revoke_tokens", f"user:{worker_id}") in await _audit_actions(bot)


async def test_an_admin_disables_a_leaver_who_is_then_refused_everywhere(bot: Bot) -> None:
    admin, worker = await _admin_and_worker(bot)
    token = await _token(bot, WORKER)
    worker_id = await _id(bot, WORKER)
    response = await admin.post(
        f"/admin/users/{worker_id}/disable", csrf=await admin.csrf("/admin/users")
    )
    assert response.status == 200
    page = await response.text()
    assert "Sam Jones is disabled: signed out everywhere, 1 API token revoked." in page
    assert re.search(r"<td>Disabled</td>", page)
    assert (await worker.get("/queue")).headers["Location"].startswith("/login")
    assert await _api_status(bot, token) == 401
    refused = await Browser(bot).sign_in(WORKER, NEW_PASSWORD)
    assert refused.status == 401 and WRONG in await refused.text()
    assert ("disable_user", f"user:{worker_id}") in await _audit_actions(bot)
    # A token made for them afterwards is refused too: a disabled user has no way in.
    assert await _api_status(bot, await _token(bot, WORKER)) == 401


async def test_an_admin_cannot_disable_themselves_and_a_link_worker_cannot_at_all(
    bot: Bot,
) -> None:
    admin, worker = await _admin_and_worker(bot)
    admin_id = await _id(bot, ADMIN)
    response = await admin.post(
        f"/admin/users/{admin_id}/disable", csrf=await admin.csrf("/admin/users")
    )
    assert response.status == 422 and "your own account" in await response.text()
    for action in ("disable", "revoke-tokens"):
        response = await worker.post(
            f"/admin/users/{admin_id}/{action}", csrf=await worker.csrf("/queue")
        )
        assert response.status == 403
    assert (await admin.get("/queue")).status == 200


async def _open_stream(bot: Bot, browser: Browser) -> ClientResponse:
    header = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    response = await bot.client.get("/queue/events", headers={"Cookie": header})
    assert response.status == 200
    assert await response.content.readline() == b": watching the queue\n"
    assert await response.content.readline() == b"\n"
    return response


async def _ends_signed_out(response: ClientResponse) -> None:
    rest = await asyncio.wait_for(response.content.read(), STREAM_WAIT_SECONDS)
    assert b"event: signed-out\n" in rest
    assert response.content.at_eof()


async def test_an_open_queue_stream_ends_on_sign_out(bot: Bot) -> None:
    _, worker = await _admin_and_worker(bot)
    stream = await _open_stream(bot, worker)
    await worker.post("/logout", csrf=await worker.csrf("/queue"))
    await _ends_signed_out(stream)


async def test_an_open_queue_stream_ends_when_the_user_is_disabled(bot: Bot) -> None:
    admin, worker = await _admin_and_worker(bot)
    stream = await _open_stream(bot, worker)
    worker_id = await _id(bot, WORKER)
    await admin.post(f"/admin/users/{worker_id}/disable", csrf=await admin.csrf("/admin/users"))
    await _ends_signed_out(stream)


async def test_an_open_queue_stream_ends_on_a_password_reset(bot: Bot) -> None:
    admin, worker = await _admin_and_worker(bot)
    stream = await _open_stream(bot, worker)
    worker_id = await _id(bot, WORKER)
    await admin.post(f"/admin/users/{worker_id}/reset", csrf=await admin.csrf("/admin/users"))
    await _ends_signed_out(stream)


async def test_an_open_queue_stream_ends_when_its_session_expires(bot: Bot) -> None:
    """Nothing is announced: the stream sees the expiry at its own next look."""
    _, worker = await _admin_and_worker(bot)
    stream = await _open_stream(bot, worker)
    bot.clock.advance(web_sessions.IDLE + timedelta(minutes=1))
    await _ends_signed_out(stream)


async def test_an_open_queue_stream_of_another_user_goes_on(bot: Bot) -> None:
    admin, worker = await _admin_and_worker(bot)
    stream = await _open_stream(bot, admin)
    await worker.post("/logout", csrf=await worker.csrf("/queue"))
    await referred_case(bot)  # a case opens: the admin's stream, still open, says so
    line = await asyncio.wait_for(stream.content.readline(), STREAM_WAIT_SECONDS)
    assert line == b"event: changed\n"
    stream.close()


async def test_a_case_cannot_be_given_to_a_leaver(bot: Bot) -> None:
    """A disabled user is no longer offered when a case is assigned, and assigning to them by
    id is refused as for someone outside the practice."""
    admin, _ = await _admin_and_worker(bot)
    case_id = await referred_case(bot)
    worker_id = await _id(bot, WORKER)
    offered = f'<option value="{worker_id}">Sam Jones</option>'
    assert offered in await (await admin.get(f"/cases/{case_id}")).text()  # while they work here
    await admin.post(f"/admin/users/{worker_id}/disable", csrf=await admin.csrf("/admin/users"))
    assert offered not in await (await admin.get(f"/cases/{case_id}")).text()
    response = await admin.post(
        f"/cases/{case_id}/assign", csrf=await admin.csrf(f"/cases/{case_id}"), user=worker_id
    )
    assert response.status == 422
    assert "does not work for this client" in await response.text()
