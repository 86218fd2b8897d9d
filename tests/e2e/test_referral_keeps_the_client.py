"""A professional referral never moves or overwrites a client already held: what it gives is
kept on the referral, a disagreement is shown to the client's own practice to resolve, and a
referral is taken even when no update can reach its referrer."""

from __future__ import annotations

import html
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select

from bot.actions.rights import erase_client
from flows.model import Role
from storage.tables import MessageRow
from testkit.fake_smtp import FakeSmtp
from tests.conftest import Bot
from tests.support.staff_web import signed_in

CLIENT = "+447700900123"
A, B = "P92001", "P92002"  # Pemberton Surgery, Hindley Health Centre
UNREACHABLE = (
    "Updates cannot reach the referrer (e-mail only, and this service does not send e-mail): "
    "phone them if needed."
)
JO = {
    "name": "Jo Hale",
    "role": "Social worker",
    "organisation": "Adult Social Care",
    "pathway": "social_care",
    "email": "jo.hale@council.example.org",
}


def _referral(
    practice: str | None = A,
    born: str | None = "1950-01-01",
    name: str = "Mary O'Brien",
    referrer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    client: dict[str, Any] = {"name": name, "phone": "07700 900123", "needs": ["loneliness"]}
    if practice is not None:
        client["practice"] = practice
    if born is not None:
        client["date_of_birth"] = born
    return {
        "referrer": referrer
        or {
            "name": "Dr Asha Patel",
            "role": "GP",
            "organisation": "Hindley Health Centre",
            "pathway": "primary_care",
            "phone": "07700 900777",
        },
        "client": client,
        "client_consent": True,
    }


async def _bot(make_bot: Any, **env: Any) -> Bot:
    bot: Bot = await make_bot(**env)
    await bot.add_practice(A, "Pemberton Surgery")
    await bot.add_practice(B, "Hindley Health Centre")
    return bot


async def _client_of_a(bot: Bot) -> tuple[str, str]:
    """Mary O'Brien, born 1950-01-01, a client of Pemberton (A), referred there by A's own
    link worker, her first case closed. Returns A's token and her client id."""
    a = await bot.staff_token(Role.LINK_WORKER, [A])
    status, made = await bot.api("POST", "/api/v1/referrals", a, _referral())
    assert status == 201, made
    status, _ = await bot.api(
        "POST", f"/api/v1/cases/{made['case_id']}/close", a, {"outcome": "Done"}
    )
    assert status == 200
    return a, made["client_id"]


async def _referrer_messages(bot: Bot, referral_id: str) -> list[MessageRow]:
    async with bot.services.db.read() as session:
        stmt = select(MessageRow).where(col(MessageRow.referral_id) == int(referral_id))
        return list((await session.execute(stmt)).scalars())


async def test_another_practices_referral_neither_moves_nor_changes_the_client(
    make_bot: Any,
) -> None:
    bot = await _bot(make_bot)
    a, client_id = await _client_of_a(bot)
    b = await bot.staff_token(Role.LINK_WORKER, [B])
    status, made = await bot.api("POST", "/api/v1/referrals", b, _referral(B, "1950-01-02"))
    assert status == 201, made
    assert set(made) == {"id", "reference", "client_id", "case_id"}
    assert made["client_id"] == client_id

    # A still sees its client, unchanged; B finds neither the client nor the case.
    status, client = await bot.api("GET", f"/api/v1/clients/{client_id}", a)
    assert status == 200
    assert client["practice"] == A and client["date_of_birth"] == "1950-01-01"
    assert client["name"] == "Mary O'Brien"
    assert (await bot.api("GET", f"/api/v1/clients/{client_id}", b))[0] == 404
    assert (await bot.api("GET", f"/api/v1/cases/{made['case_id']}", b))[0] == 404
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{CLIENT[1:]}", b)
    assert found["items"] == []

    # The referral keeps what B gave, and says where it disagrees.
    [referral] = [r for r in client["referrals"] if r["id"] == made["id"]]
    assert referral["practice"] == B and referral["date_of_birth"] == "1950-01-02"
    mismatch = (
        "The referral names Hindley Health Centre (P92002); the client is with Pemberton "
        "Surgery (P92001). The date of birth given (1950-01-02) differs from the one held."
    )
    assert referral["mismatch"] == mismatch and referral["referrer_unreachable"] is False

    # The case it opened is in A's queue, not B's, and its record shows the mismatch.
    _, queue_a = await bot.api("GET", "/api/v1/cases?status=open", a)
    assert [c["id"] for c in queue_a["items"]] == [made["case_id"]]
    _, queue_b = await bot.api("GET", "/api/v1/cases?status=open", b)
    assert queue_b["items"] == []
    status, case = await bot.api("GET", f"/api/v1/cases/{made['case_id']}", a)
    assert status == 200
    assert [r["mismatch"] for r in case["client"]["referrals"] if r["id"] == made["id"]] == [
        mismatch
    ]

    # The case page shows it to A's link worker and to an admin; B's gets no page.
    worker = await signed_in(bot, Role.LINK_WORKER, [A], email="ann@pemberton.nhs.uk")
    admin = await signed_in(bot, Role.ADMIN, email="admin@service.nhs.uk")
    for browser in (worker, admin):
        response = await browser.get(f"/cases/{made['case_id']}")
        assert response.status == 200
        page = html.unescape(await response.text())
        assert f"Referral {made['reference']}: to check" in page
        assert mismatch in page
        assert "date of birth given: 1950-01-02" in page
    other = await signed_in(bot, Role.LINK_WORKER, [B], email="bea@hindley.nhs.uk")
    assert (await other.get(f"/cases/{made['case_id']}")).status == 404
    assert (await other.get(f"/clients/{client_id}")).status == 404

    # The referrer still hears the referral was received, by its reference only.
    await bot.services.outbox.send_due()
    [received] = bot.twilio.to("+447700900777")[-1:]
    assert made["reference"] in received and "Mary" not in received


async def test_a_referral_that_agrees_with_the_client_held_shows_no_mismatch(
    make_bot: Any,
) -> None:
    bot = await _bot(make_bot)
    a, client_id = await _client_of_a(bot)
    # The same practice and date of birth; the name in other capitals is the same name.
    status, made = await bot.api(
        "POST", "/api/v1/referrals", a, _referral(A, "1950-01-01", name="MARY O'BRIEN")
    )
    assert status == 201, made
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", a)
    assert client["name"] == "Mary O'Brien" and client["practice"] == A
    assert client["date_of_birth"] == "1950-01-01"
    [referral] = [r for r in client["referrals"] if r["id"] == made["id"]]
    assert referral["mismatch"] is None and referral["date_of_birth"] == "1950-01-01"
    worker = await signed_in(bot, Role.LINK_WORKER, [A])
    page = await (await worker.get(f"/cases/{made['case_id']}")).text()
    assert "to check" not in page and "differs" not in page


async def test_a_client_in_the_shared_pool_joins_the_practice_named(make_bot: Any) -> None:
    """Someone who texted first, matched to no practice yet: the referral fills in what is not
    known and the client joins the practice it names, so that practice can work the case."""
    bot = await _bot(make_bot)
    await bot.text(CLIENT, "Hello")
    b = await bot.staff_token(Role.LINK_WORKER, [B])
    status, made = await bot.api("POST", "/api/v1/referrals", b, _referral(B, "1950-01-02"))
    assert status == 201, made
    status, client = await bot.api("GET", f"/api/v1/clients/{made['client_id']}", b)
    assert status == 200
    assert client["practice"] == B and client["date_of_birth"] == "1950-01-02"
    assert client["name"] == "Mary O'Brien"
    assert client["referrals"][0]["mismatch"] is None
    _, queue = await bot.api("GET", "/api/v1/cases?status=open", b)
    assert made["case_id"] in [c["id"] for c in queue["items"]]
    a = await bot.staff_token(Role.LINK_WORKER, [A])
    assert (await bot.api("GET", f"/api/v1/clients/{made['client_id']}", a))[0] == 404


async def test_an_email_only_referral_without_smtp_is_taken_and_the_case_says_to_phone(
    make_bot: Any,
) -> None:
    bot = await _bot(make_bot)
    a = await bot.staff_token(Role.LINK_WORKER, [A])
    status, made = await bot.api("POST", "/api/v1/referrals", a, _referral(referrer=JO))
    assert status == 201, made
    assert made["case_id"]
    _, client = await bot.api("GET", f"/api/v1/clients/{made['client_id']}", a)
    [referral] = client["referrals"]
    assert referral["referrer_unreachable"] is True
    assert referral["referrer_contact"] == {"phone": None, "email": JO["email"]}

    worker = await signed_in(bot, Role.LINK_WORKER, [A])
    page = html.unescape(await (await worker.get(f"/cases/{made['case_id']}")).text())
    assert UNREACHABLE in page
    assert "Referred by Jo Hale, Social worker, Adult Social Care; e-mail " + JO["email"] in page

    # Nothing is queued for the referrer, then or at any step of the case.
    for step, body in (
        ("claim", None),
        ("reply", {"text": "Hi Mary"}),
        ("close", {"outcome": "Done"}),
    ):
        status, _ = await bot.api("POST", f"/api/v1/cases/{made['case_id']}/{step}", a, body)
        assert status in (200, 201), step
    assert await _referrer_messages(bot, made["id"]) == []
    await bot.services.outbox.send_due()
    assert bot.twilio.to("+447700900777") == []

    # The figures count it.
    admin = await bot.staff_token()
    day = bot.clock.now().date().isoformat()
    _, figures = await bot.api("GET", f"/api/v1/reports/summary?from={day}&to={day}", admin)
    assert figures["referrals"]["referrer_unreachable"] == 1
    assert "referrer_unreachable" in figures["definitions"]
    browser = await signed_in(bot, Role.ADMIN, email="admin@service.nhs.uk")
    dashboard = await (await browser.get(f"/reports?from={day}&to={day}")).text()
    assert '<span class="n">1</span>referrers no update could reach' in dashboard
    csv = await (await browser.get(f"/reports/export.csv?from={day}&to={day}")).text()
    assert "referrer_unreachable,referrals,<5," in csv


async def test_a_landline_beside_an_email_without_smtp_is_the_number_to_ring(
    make_bot: Any,
) -> None:
    bot = await _bot(make_bot)
    admin = await bot.staff_token()
    body = _referral(referrer=JO | {"phone": "01942 123456"})
    status, made = await bot.api("POST", "/api/v1/referrals", admin, body)
    assert status == 201, made
    browser = await signed_in(bot)
    page = html.unescape(await (await browser.get(f"/cases/{made['case_id']}")).text())
    assert (
        "Updates cannot reach the referrer (no mobile for texts, and this service does not "
        "send e-mail): phone them if needed." in page
    )
    assert "; phone 01942 123456; e-mail " + JO["email"] in page
    assert await _referrer_messages(bot, made["id"]) == []


async def test_with_smtp_an_email_only_referrer_is_reachable_as_before(
    make_bot: Any, fake_smtp: FakeSmtp
) -> None:
    bot = await _bot(
        make_bot,
        ssl_context=fake_smtp.ssl_context(),
        SMTP_URL=fake_smtp.url,
        EMAIL_FROM="linkbot@service.example.org",
    )
    admin = await bot.staff_token()
    body = _referral(referrer=JO | {"phone": "01942 123456"})  # a landline is never texted
    status, made = await bot.api("POST", "/api/v1/referrals", admin, body)
    assert status == 201, made
    _, client = await bot.api("GET", f"/api/v1/clients/{made['client_id']}", admin)
    assert client["referrals"][0]["referrer_unreachable"] is False
    await bot.services.outbox.send_due()
    [mail] = fake_smtp.to(JO["email"])
    assert made["reference"] in mail.get_content()
    assert bot.twilio.to("+441942123456") == []
    browser = await signed_in(bot)
    page = await (await browser.get(f"/cases/{made['case_id']}")).text()
    assert "Updates cannot reach the referrer" not in page
    day = bot.clock.now().date().isoformat()
    _, figures = await bot.api("GET", f"/api/v1/reports/summary?from={day}&to={day}", admin)
    assert figures["referrals"]["referrer_unreachable"] == 0


async def test_erasure_removes_what_the_referral_gave_about_the_client(make_bot: Any) -> None:
    bot = await _bot(make_bot)
    _, client_id = await _client_of_a(bot)
    b = await bot.staff_token(Role.LINK_WORKER, [B])
    body = _referral(B, "1949-07-07", name="Maria Obrien")
    status, _ = await bot.api("POST", "/api/v1/referrals", b, body)
    assert status == 201
    await erase_client(bot.services, int(client_id), "asked")
    async with bot.services.db.read() as session:
        values = [
            v
            for table in SQLModel.metadata.sorted_tables
            for row in (await session.execute(sa.select(table))).all()
            for v in row
            if isinstance(v, str)
        ]
    assert not [v for v in values if "1949-07-07" in v or "Maria" in v or "1950-01-01" in v]
