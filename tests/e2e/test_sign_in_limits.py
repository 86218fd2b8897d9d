"""Failed sign-ins are limited per account and per address, counted atomically, so concurrent
guesses end exactly at the limit on SQLite and PostgreSQL; a right password is refused while
a lock lasts and signs in after it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import ClientResponse
from sqlmodel import col, func, select

from bot.web.staff.auth import LOCKED, WRONG
from storage import web_sessions
from storage.tables import AuditRow, LoginThrottleRow, StaffUserRow
from tests.conftest import Bot
from tests.support.staff_web import Browser, add_user

EMAIL = "sam@practice.nhs.uk"


async def _at_once(bot: Bot, guesses: list[tuple[str, str]]) -> list[str]:
    """Sign-ins posted together, each from its own browser; the pages they answer with."""
    browsers = [Browser(bot) for _ in guesses]
    tokens = [await browser.csrf("/login") for browser in browsers]

    async def post(browser: Browser, token: str, email: str, password: str) -> ClientResponse:
        return await browser.post("/login", csrf=token, email=email, password=password)

    responses = await asyncio.gather(
        *(
            post(browser, token, email, password)
            for browser, token, (email, password) in zip(browsers, tokens, guesses, strict=True)
        )
    )
    assert all(response.status == 401 for response in responses)
    return [await response.text() for response in responses]


async def _audited(bot: Bot, action: str) -> int:
    async with bot.services.db.read() as session:
        return int(
            (
                await session.execute(
                    select(func.count()).select_from(AuditRow).where(AuditRow.action == action)
                )
            ).scalar_one()
        )


async def test_concurrent_wrong_guesses_end_exactly_at_the_account_lock(bot: Bot) -> None:
    password = await add_user(bot)
    pages = await _at_once(bot, [(EMAIL, "guess")] * 12)
    # The first MAX_FAILURES - 1 are wrong; the one that reaches the limit and all after it
    # are told of the lock, however they interleave.
    assert sum(WRONG in page for page in pages) == web_sessions.MAX_FAILURES - 1
    assert sum(LOCKED in page for page in pages) == 12 - (web_sessions.MAX_FAILURES - 1)
    assert await _audited(bot, "login_failed") == web_sessions.MAX_FAILURES
    assert await _audited(bot, "login_locked") == 12 - web_sessions.MAX_FAILURES
    async with bot.services.db.read() as session:
        row = (
            (await session.execute(select(StaffUserRow).where(StaffUserRow.email == EMAIL)))
            .scalars()
            .one()
        )
    assert row.locked_until == bot.clock.now() + web_sessions.LOCKED_FOR

    # Even the right password is refused until the lock ends, then it signs in.
    refused = await Browser(bot).sign_in(EMAIL, password)
    assert refused.status == 401 and LOCKED in await refused.text()
    bot.clock.advance(web_sessions.LOCKED_FOR - timedelta(seconds=1))
    assert (await Browser(bot).sign_in(EMAIL, password)).status == 401
    bot.clock.advance(timedelta(seconds=1))
    assert (await Browser(bot).sign_in(EMAIL, password)).headers["Location"] == "/password"


async def test_the_address_limit_holds_across_many_unknown_accounts(bot: Bot) -> None:
    password = await add_user(bot)
    guesses = [(f"nobody{n}@practice.nhs.uk", "guess") for n in range(25)]
    pages = await _at_once(bot, guesses)
    assert sum(WRONG in page for page in pages) == web_sessions.ADDRESS_MAX_FAILURES - 1
    assert sum(LOCKED in page for page in pages) == 25 - (web_sessions.ADDRESS_MAX_FAILURES - 1)
    async with bot.services.db.read() as session:
        held = (await session.execute(select(LoginThrottleRow))).scalars().all()
    assert [row.address for row in held] == ["127.0.0.1"]
    assert held[0].failures >= web_sessions.ADDRESS_MAX_FAILURES

    # From this address even a known account with its right password waits for the lock; the
    # lock-out reads the same whether or not the account exists.
    refused = await Browser(bot).sign_in(EMAIL, password)
    assert refused.status == 401 and LOCKED in await refused.text()
    unknown = await Browser(bot).sign_in("someone@practice.nhs.uk", "guess")
    assert unknown.status == 401 and LOCKED in await unknown.text()

    # Another address is not held back by this one.
    elsewhere = await web_sessions.log_in(
        bot.services.db, EMAIL, password, "192.0.2.7", bot.clock.now()
    )
    assert isinstance(elsewhere, web_sessions.SignedIn)

    bot.clock.advance(web_sessions.LOCKED_FOR)
    assert (await Browser(bot).sign_in(EMAIL, password)).headers["Location"] == "/password"


async def test_the_address_window_starts_again_after_it_passes(bot: Bot) -> None:
    for _ in range(web_sessions.ADDRESS_MAX_FAILURES - 1):
        await Browser(bot).sign_in("nobody@practice.nhs.uk", "guess")
    bot.clock.advance(web_sessions.ADDRESS_WINDOW)
    response = await Browser(bot).sign_in("nobody@practice.nhs.uk", "guess")
    assert WRONG in await response.text()
    async with bot.services.db.read() as session:
        held = await session.get(LoginThrottleRow, "127.0.0.1")
    assert held is not None and held.failures == 1 and held.locked_until is None
    assert held.window_started_at == bot.clock.now()


async def test_wrong_guesses_in_a_row_lock_only_at_the_limit(bot: Bot) -> None:
    password = await add_user(bot)
    for _ in range(web_sessions.MAX_FAILURES - 1):
        response = await Browser(bot).sign_in(EMAIL, "guess")
        assert WRONG in await response.text()
    assert (await Browser(bot).sign_in(EMAIL, password)).status == 302
    async with bot.services.db.read() as session:
        failed = (
            await session.execute(
                select(StaffUserRow.failed_logins).where(col(StaffUserRow.email) == EMAIL)
            )
        ).scalar_one()
    assert failed == 0  # a right password clears the count
