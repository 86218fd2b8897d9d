"""Two practices, a link worker in each and an admin: one practice never sees another's
clients, by any route (API, staff pages, the live queue, campaigns, reports), including a
client whose case was opened in the shared pool before they joined a practice; and every view
is audited once it has been read, without holding the write lock while reading."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import col, select

from flows.model import Role
from storage.tables import AuditRow, CaseRow, ClientRow, ReferralRow, StaffUserRow
from tests.conftest import Bot
from tests.support.dialog import TelegramPhone
from tests.support.staff_web import Browser, signed_in

ANN, BEA, DAN = "+447700900201", "+447700900202", "+447700900204"
CAT_CHAT = 900303
CLOSED = {"outcome": "Talked it through", "onward_referrals": []}


@dataclass
class World:
    admin: str
    worker_a: str  # a link worker of Pemberton (P92001)
    worker_b: str  # a link worker of Standish (P92002)
    ann: str  # Pemberton's client, referred there
    ann_case: str
    bea: str  # texted first (a case in the shared pool, closed), then referred to Standish
    bea_pool_case: str
    bea_case: str
    bea_appointment: str
    bea_reference: str
    cat: str  # on Telegram: a case in the shared pool, then joined Standish by its link
    cat_case: str
    dan: str  # still in the shared pool, seen by both
    dan_case: str
    cat_phone: TelegramPhone

    @property
    def standish_cases(self) -> list[str]:
        return [self.bea_pool_case, self.bea_case, self.cat_case]


async def _referral(bot: Bot, token: str, phone: str, name: str, practice: str) -> Any:
    status, made = await bot.api(
        "POST",
        "/api/v1/referrals",
        token,
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
                "date_of_birth": "1950-03-14" if name == "Ann Lee" else "1961-07-02",
                "needs": ["lonely"],
                "notes": f"Notes on {name}",
            },
            "client_consent": True,
        },
    )
    assert status == 201, made
    return made


async def _open_case_of(bot: Bot, token: str, client_id: str) -> str:
    _, listed = await bot.api("GET", "/api/v1/cases?status=open&limit=200", token)
    [case] = [c["id"] for c in listed["items"] if c["client_id"] == client_id]
    return str(case)


async def _attended(bot: Bot, token: str, client_id: str) -> str:
    status, made = await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": client_id,
            "starts_at": "2026-11-20T10:00:00+00:00",
            "duration_minutes": 45,
            "location": "The surgery",
            "worker": "Sam",
            "outcome": "attended",
        },
    )
    assert status == 201, made
    return str(made["id"])


async def _world(make_bot: Any) -> tuple[Bot, World]:
    """The practices, people and clients, each made the way the product makes them."""
    bot: Bot = await make_bot(telegram="webhook")
    assert bot.telegram is not None
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Standish Surgery")
    admin = await bot.staff_token()
    worker_a = await bot.staff_token(Role.LINK_WORKER, ["P92001"])
    worker_b = await bot.staff_token(Role.LINK_WORKER, ["P92002"])

    ann_made = await _referral(bot, admin, ANN, "Ann Lee", "P92001")
    ann = str(ann_made["client_id"])
    await _attended(bot, worker_a, ann)

    # Bea texts from an unknown number: her case opens in the shared pool, and is closed.
    await bot.text(BEA, "Hello")
    await bot.text(BEA, "TALK")
    _, pool = await bot.api("GET", "/api/v1/cases", admin)
    [bea_pool_case] = [c for c in pool["items"] if c["reason"] == "talk"]
    bea = str(bea_pool_case["client_id"])
    status, _ = await bot.api("POST", f"/api/v1/cases/{bea_pool_case['id']}/close", admin, CLOSED)
    assert status == 200
    # Then her GP refers her to Standish: she is Standish's client from now on.
    bea_made = await _referral(bot, admin, BEA, "Bea Moss", "P92002")
    assert str(bea_made["client_id"]) == bea
    bea_appointment = await _attended(bot, worker_b, bea)
    status, _ = await bot.api(
        "POST",
        f"/api/v1/clients/{bea}/scores",
        worker_b,
        {"instrument": "swemwbs", "answers": [3] * 7},
    )
    assert status == 201

    # Cat asks for a person on Telegram (the shared pool), then opens Standish's own link.
    cat_phone = TelegramPhone(bot, bot.telegram, CAT_CHAT, polling=False, press=False)
    await cat_phone.say("/start")
    await cat_phone.say("TALK")
    await cat_phone.say("/start p-P92002")

    await bot.text(DAN, "Hello")
    await bot.text(DAN, "TALK")

    async with bot.services.db.read() as session:
        clients = {
            row.phone or row.telegram_chat_id: row
            for row in (await session.execute(select(ClientRow))).scalars()
        }
        cases = {row.id: row for row in (await session.execute(select(CaseRow))).scalars()}
        reference = (
            await session.execute(
                select(ReferralRow.reference).where(ReferralRow.client_id == int(bea))
            )
        ).scalar_one()
    cat, dan = clients[str(CAT_CHAT)], clients[DAN]
    world = World(
        admin,
        worker_a,
        worker_b,
        ann,
        await _open_case_of(bot, admin, ann),
        bea,
        str(bea_pool_case["id"]),
        await _open_case_of(bot, admin, bea),
        bea_appointment,
        reference,
        str(cat.id),
        await _open_case_of(bot, admin, str(cat.id)),
        str(dan.id),
        await _open_case_of(bot, admin, str(dan.id)),
        cat_phone,
    )
    # What the set-up is for: Bea's first case and Cat's open one were opened in the shared
    # pool and are still there, while both clients now belong to Standish.
    standish = clients[BEA].practice_id
    assert standish is not None and cat.practice_id == standish and dan.practice_id is None
    assert cases[int(world.bea_pool_case)].practice_id is None
    assert cases[int(world.bea_pool_case)].status == "closed"
    assert cases[int(world.cat_case)].practice_id is None
    assert cases[int(world.bea_case)].practice_id == standish
    return bot, world


async def _ids(bot: Bot, token: str, status: str) -> set[str]:
    code, listed = await bot.api("GET", f"/api/v1/cases?status={status}&limit=200", token)
    assert code == 200, listed
    return {c["id"] for c in listed["items"]}


async def _audit_rows(bot: Bot) -> list[tuple[int | None, str, str | None]]:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(AuditRow.user_id, AuditRow.action, AuditRow.subject).order_by(col(AuditRow.id))
        )
        return [(u, a, s) for u, a, s in rows.all()]


async def test_a_worker_gets_404_or_nothing_for_another_practices_client_by_every_api_route(
    make_bot: Any,
) -> None:
    bot, w = await _world(make_bot)
    a, b = w.worker_a, w.worker_b
    audited = await _audit_rows(bot)
    sent = len(bot.twilio.sent)

    for case in w.standish_cases:
        for method, path, body in (
            ("GET", "", None),
            ("POST", "/claim", None),
            ("POST", "/reply", {"text": "Hello from Pemberton"}),
            ("POST", "/close", CLOSED),
        ):
            status, answer = await bot.api(method, f"/api/v1/cases/{case}{path}", a, body)
            assert status == 404 and answer["error"]["code"] == "not_found", (case, path)
            assert "Bea" not in str(answer) and "1961" not in str(answer)
    for client in (w.bea, w.cat):
        status, _ = await bot.api("GET", f"/api/v1/clients/{client}", a)
        assert status == 404
        body = {"instrument": "swemwbs", "answers": [4] * 7}
        status, _ = await bot.api("POST", f"/api/v1/clients/{client}/scores", a, body)
        assert status == 404
    for query in ("phone=%2B447700900202", "phone=07700%20900202", f"telegram_chat_id={CAT_CHAT}"):
        status, found = await bot.api("GET", f"/api/v1/clients?{query}", a)
        assert status == 200 and found["items"] == [], query
    assert await _ids(bot, a, "open") == {w.ann_case, w.dan_case}
    assert await _ids(bot, a, "closed") == set()
    # Appointments: Bea's is not found, and booking for her answers as for nobody at all.
    for method, path, body in (
        ("POST", "/attendance", {"outcome": "dna"}),
        ("DELETE", "", None),
    ):
        status, _ = await bot.api(
            method, f"/api/v1/appointments/{w.bea_appointment}{path}", a, body
        )
        assert status == 404, path
    booking = {
        "starts_at": "2026-12-01T10:00:00+00:00",
        "duration_minutes": 30,
        "location": "Pemberton Surgery",
        "worker": "Sam",
    }
    theirs = await bot.api("POST", "/api/v1/appointments", a, {"client_id": w.bea, **booking})
    nobody = await bot.api("POST", "/api/v1/appointments", a, {"client_id": "999999", **booking})
    assert theirs == nobody and theirs[0] == 422
    # None of it did anything, or was logged as a view.
    await bot.services.outbox.send_due()
    assert len(bot.twilio.sent) == sent
    assert await _audit_rows(bot) == audited

    # Standish's own worker sees all of it.
    for case in w.standish_cases:
        status, shown = await bot.api("GET", f"/api/v1/cases/{case}", b)
        assert status == 200 and shown["client_id"] in (w.bea, w.cat)
    status, shown = await bot.api("GET", f"/api/v1/cases/{w.bea_pool_case}", b)
    assert shown["client"]["date_of_birth"] == "1961-07-02"
    assert any(m["text"] == "TALK" for m in shown["messages"])
    status, bea = await bot.api("GET", f"/api/v1/clients/{w.bea}", b)
    assert status == 200 and bea["practice"] == "P92002"
    assert [a["id"] for a in bea["appointments"]] == [w.bea_appointment] and len(bea["scores"]) == 1
    status, found = await bot.api("GET", "/api/v1/clients?phone=%2B447700900202", b)
    assert [c["id"] for c in found["items"]] == [w.bea]
    status, found = await bot.api("GET", f"/api/v1/clients?telegram_chat_id={CAT_CHAT}", b)
    assert [c["id"] for c in found["items"]] == [w.cat]
    assert await _ids(bot, b, "open") == {w.bea_case, w.cat_case, w.dan_case}
    assert await _ids(bot, b, "closed") == {w.bea_pool_case}
    status, claimed = await bot.api("POST", f"/api/v1/cases/{w.cat_case}/claim", b)
    assert status == 200 and claimed["assigned_to"] is not None
    status, _ = await bot.api("POST", f"/api/v1/cases/{w.cat_case}/reply", b, {"text": "Hi Cat"})
    assert status == 201
    # And the shared pool is still everyone's.
    for token in (a, b):
        status, _ = await bot.api("GET", f"/api/v1/cases/{w.dan_case}", token)
        assert status == 200


async def test_campaigns_and_figures_never_count_another_practices_clients(
    make_bot: Any,
) -> None:
    bot, w = await _world(make_bot)

    async def reached(token: str, cohort: dict[str, Any]) -> tuple[int, Any]:
        status, run = await bot.api(
            "POST",
            "/api/v1/campaigns",
            token,
            {
                "name": "Check-in",
                "send_on": "2026-11-25",
                "cohort": cohort,
                "message": "How are you getting on?",
                "dry_run": True,
            },
        )
        if status != 200:
            return status, run
        assert run["preview"]["text"] == "How are you getting on?"
        return status, run["eligible"] + sum(run["excluded"].values())

    # Ann and Bea each had a session; a worker's dry run counts only their own practice's.
    assert await reached(w.worker_a, {}) == (200, 1)
    assert await reached(w.worker_b, {}) == (200, 1)
    assert await reached(w.admin, {}) == (200, 2)
    assert await reached(w.admin, {"practice": "P92002"}) == (200, 1)
    status, refused = await reached(w.worker_a, {"practice": "P92002"})
    assert status == 422 and refused["error"]["message"].startswith("cohort.practice:")

    # The figures are for admins: no link worker gets Standish's (or anyone's).
    query = "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30&practice=P92002"
    for token in (w.worker_a, w.worker_b):
        status, answer = await bot.api("GET", query, token)
        assert status == 403 and "referrals" not in answer
    status, figures = await bot.api("GET", query, w.admin)
    assert status == 200 and figures["referrals"]["total"] == 1


async def _browsers(bot: Bot) -> tuple[Browser, Browser]:
    amy = await signed_in(bot, Role.LINK_WORKER, ["P92001"], email="amy@practice.nhs.uk")
    kim = await signed_in(bot, Role.LINK_WORKER, ["P92002"], email="kim@practice.nhs.uk")
    return amy, kim


def _cases_listed(page: str) -> set[str]:
    return set(re.findall(r'href="/cases/(\d+)"', page))


def _clients_found(page: str) -> set[str]:
    return set(re.findall(r'<td><a href="/clients/(\d+)">', page))


async def test_the_staff_pages_of_another_practices_client_are_not_found(make_bot: Any) -> None:
    bot, w = await _world(make_bot)
    amy, kim = await _browsers(bot)
    audited = await _audit_rows(bot)
    csrf = await amy.csrf("/queue")
    for case in w.standish_cases:
        response = await amy.get(f"/cases/{case}")
        assert response.status == 404 and "Bea" not in await response.text(), case
        for path, form in (
            ("claim", {}),
            ("reply", {"text": "Hello from Pemberton"}),
            ("close", {"outcome": "Done"}),
        ):
            response = await amy.post(f"/cases/{case}/{path}", csrf=csrf, **form)
            assert response.status == 404, (case, path)
    for client in (w.bea, w.cat):
        response = await amy.get(f"/clients/{client}")
        assert response.status == 404 and "Bea" not in await response.text()
        for path, form in (
            ("notes", {"text": "A note"}),
            ("appointments", {"date": "2026-12-01", "time": "10:00", "location": "Here"}),
            ("scores", {f"item{n}": "3" for n in range(1, 8)}),
        ):
            response = await amy.post(f"/clients/{client}/{path}", csrf=csrf, **form)
            assert response.status == 404, (client, path)
    for path in ("cancel", "attendance"):
        response = await amy.post(
            f"/appointments/{w.bea_appointment}/{path}", csrf=csrf, outcome="dna"
        )
        assert response.status == 404, path
    queue = await (await amy.get("/queue")).text()
    assert _cases_listed(queue) == {w.ann_case, w.dan_case} and "Bea" not in queue
    for typed in ("Bea", "07700900202", w.bea_reference, "02/07/1961"):
        found = await (await amy.get(f"/clients?q={typed}")).text()
        assert _clients_found(found) == set() and "Bea Moss" not in found, typed
    assert [
        r for r in await _audit_rows(bot) if r not in audited and r[1] != "search_clients"
    ] == []

    # Standish's worker finds and opens them all.
    for case in w.standish_cases:
        response = await kim.get(f"/cases/{case}")
        assert response.status == 200, case
    assert "Bea Moss" in await (await kim.get(f"/cases/{w.bea_pool_case}")).text()
    assert (await kim.get(f"/clients/{w.cat}")).status == 200
    queue = await (await kim.get("/queue")).text()
    assert _cases_listed(queue) == {w.bea_case, w.cat_case, w.dan_case}
    for typed in ("Bea", "07700900202", w.bea_reference, "02/07/1961"):
        found = await (await kim.get(f"/clients?q={typed}")).text()
        assert _clients_found(found) == {w.bea}, typed


async def _next_event(response: Any) -> str:
    """The data of the next event on a server-sent event stream."""
    async with asyncio.timeout(30):  # a guard against a hang, not a measure
        while True:
            line = (await response.content.readline()).decode().strip()
            if line == "event: changed":
                data = (await response.content.readline()).decode().strip()
                return data.removeprefix("data: ")


async def test_the_live_queue_counts_only_the_cases_a_worker_may_see(make_bot: Any) -> None:
    """Its events carry the number of open cases in the user's queue: Cat's, opened in the
    shared pool, is counted for Standish's worker and not for Pemberton's."""
    bot, w = await _world(make_bot)
    amy, kim = await _browsers(bot)
    streams = [await amy.get("/queue/events"), await kim.get("/queue/events")]
    try:
        for stream in streams:
            assert stream.status == 200
            assert (await stream.content.readline()).decode().startswith(": watching the queue")
        await w.cat_phone.say("Is anyone there?")  # in a case only Standish sees
        await bot.text(DAN, "Hello again")  # in a case both see
        assert await _next_event(streams[0]) == "2"  # Ann's case and Dan's
        assert await _next_event(streams[1]) == "3"  # Bea's, Cat's and Dan's
    finally:
        for stream in streams:
            stream.close()


async def test_every_view_is_audited_and_a_refused_one_is_not(make_bot: Any) -> None:
    bot, w = await _world(make_bot)
    amy, kim = await _browsers(bot)
    boss = await signed_in(bot, Role.ADMIN, email="boss@practice.nhs.uk")
    body = {"name": "Check-in", "send_on": "2026-11-25", "cohort": {}, "flow": "check_in"}
    status, campaign = await bot.api("POST", "/api/v1/campaigns", w.admin, body)
    assert status == 201, campaign
    async with bot.services.db.read() as session:
        ids = dict((await session.execute(select(StaffUserRow.email, StaffUserRow.id))).all())
    before = await _audit_rows(bot)
    await bot.api("GET", f"/api/v1/cases/{w.bea_case}", w.worker_b)
    await bot.api("GET", f"/api/v1/clients/{w.cat}", w.worker_b)
    await bot.api("GET", "/api/v1/clients?phone=%2B447700900202", w.worker_b)
    await bot.api("GET", "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30", w.admin)
    await kim.get(f"/cases/{w.bea_pool_case}")
    await kim.get(f"/clients/{w.cat}")
    await kim.get("/clients?q=Bea")
    assert (await boss.get(f"/campaigns/{campaign['id']}")).status == 200
    await bot.api("GET", f"/api/v1/campaigns/{campaign['id']}", w.admin)  # not a page: no row
    await amy.get(f"/cases/{w.bea_case}")  # refused: not audited as a view
    await bot.api("GET", f"/api/v1/clients/{w.bea}", w.worker_a)
    new = [(action, subject) for _, action, subject in (await _audit_rows(bot))[len(before) :]]
    assert new == [
        ("view_client", f"client:{w.bea}"),
        ("view_client", f"client:{w.cat}"),
        ("view_client", f"client:{w.bea}"),
        ("export_report", "report:2026-11-01..2026-11-30"),
        ("view_client", f"client:{w.bea}"),
        ("view_client", f"client:{w.cat}"),
        ("search_clients", "by:name:1"),
        ("view_campaign", f"campaign:{campaign['id']}"),
    ]
    by = {user for user, _, _ in (await _audit_rows(bot))[len(before) :]}
    assert ids["amy@practice.nhs.uk"] not in by and ids["kim@practice.nhs.uk"] in by


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("path", "table", "audited"),
    [
        ("/api/v1/cases/{case}", "message", "view_client"),
        ("/api/v1/clients/{client}", "appointment", "view_client"),
        ("/api/v1/reports/summary?from=2026-11-01&to=2026-11-30", "referral", "export_report"),
    ],
)
async def test_a_view_reads_while_another_write_holds_the_lock(
    make_bot: Any, path: str, table: str, audited: str
) -> None:
    """On SQLite one writer at a time holds the lock. While a write (an inbound message, say)
    holds it, a record or report is still read; only its audit row waits for the lock."""
    bot, w = await _world(make_bot)
    url = path.format(case=w.bea_case, client=w.bea)
    read = asyncio.Event()

    def reading(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not conn.get_execution_options().get("linkbot_write") and f"FROM {table}" in statement:
            read.set()

    engine = bot.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", reading)
    try:
        async with bot.services.db.write() as session:
            await session.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE: the lock is held
            viewing = asyncio.create_task(bot.api("GET", url, w.admin))
            async with asyncio.timeout(30):  # a guard against a hang, not a measure
                await read.wait()
            assert not viewing.done()  # the audit row waits for the lock
        status, _ = await viewing
    finally:
        event.remove(engine, "before_cursor_execute", reading)
    assert status == 200
    assert (await _audit_rows(bot))[-1][1] == audited
