"""Using the staff web app over HTTP as a browser would: cookies, forms and CSRF tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import aiohttp
from aiohttp import ClientResponse

from flows.model import Role
from storage import staff
from tests.conftest import Bot

NEW_PASSWORD = "correct horse battery"


@dataclass
class Browser:
    """Cookies kept by hand: the app marks them Secure (its public URL is https), and the
    test server is plain http on loopback, where a browser would still send them."""

    bot: Bot
    cookies: dict[str, str] = field(default_factory=dict)

    async def request(self, method: str, path: str, **form: str) -> ClientResponse:
        return await self.send(method, path, list(form.items()))

    async def post_pairs(self, path: str, pairs: list[tuple[str, str]]) -> ClientResponse:
        """A form with a field given more than once (checkboxes)."""
        return await self.send("POST", path, pairs)

    async def send(self, method: str, path: str, pairs: list[tuple[str, str]]) -> ClientResponse:
        header = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.bot.client.request(
            method,
            path,
            data=aiohttp.FormData(pairs) if pairs else None,
            allow_redirects=False,
            headers={"Cookie": header} if header else {},
        )
        for name, morsel in response.cookies.items():
            if morsel.value:
                self.cookies[name] = morsel.value
            else:
                self.cookies.pop(name, None)
        return response

    async def get(self, path: str) -> ClientResponse:
        return await self.request("GET", path)

    async def post(self, path: str, **form: str) -> ClientResponse:
        return await self.request("POST", path, **form)

    async def csrf(self, path: str) -> str:
        page = await (await self.get(path)).text()
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found, page
        return found[1]

    async def sign_in(self, email: str, password: str) -> ClientResponse:
        token = await self.csrf("/login")
        return await self.post("/login", csrf=token, email=email, password=password, next="/queue")


async def add_user(
    bot: Bot,
    role: Role = Role.ADMIN,
    practices: list[str] | None = None,
    email: str = "sam@practice.nhs.uk",
) -> str:
    async with bot.services.db.write() as session:
        _, password = await staff.add_user(
            session, email, "Sam Jones", role.value, practices or [], bot.clock.now()
        )
    return password


async def signed_in(
    bot: Bot,
    role: Role = Role.ADMIN,
    practices: list[str] | None = None,
    email: str = "sam@practice.nhs.uk",
) -> Browser:
    password = await add_user(bot, role, practices, email)
    browser = Browser(bot)
    response = await browser.sign_in(email, password)
    assert response.headers["Location"] == "/password"
    token = await browser.csrf("/password")
    response = await browser.post("/password", csrf=token, current=password, new=NEW_PASSWORD)
    assert response.status == 302 and response.headers["Location"] == "/queue"
    return browser


async def referred_case(
    bot: Bot, practice: str = "P92001", phone: str = "+447700900201", name: str = "Ann Lee"
) -> str:
    """A professional referral for a client of ``practice`` (practices P92001 Pemberton and
    P92002 Standish exist afterwards); returns the case id."""
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Standish Surgery")
    admin = await bot.staff_token()
    status, made = await bot.api(
        "POST",
        "/api/v1/referrals",
        admin,
        {
            "referrer": {
                "name": "Dr Shah",
                "role": "GP",
                "organisation": "Surgery",
                "pathway": "primary_care",
                "phone": "07700900999",
            },
            "client": {
                "name": name,
                "phone": phone,
                "practice": practice,
                "date_of_birth": "1950-03-14",
                "needs": ["lonely"],
                "notes": "Lives alone since March",
            },
            "client_consent": True,
        },
    )
    assert status == 201, made
    await bot.services.outbox.send_due()
    return str(made["case_id"])
