"""A client's rights, through the command line as an operator would use it: everything held
about them exported, and their personal data erased with the figures unchanged."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select

from bot.actions.rights import apply_retention, erase_client
from bot.actions.timers import fire_due
from flows.model import Role
from storage.tables import AppointmentRow, AuditRow, ClientRow, MessageRow, TimerRow
from tests.conftest import Bot
from tests.integration.test_cli import linkbot
from tests.support.dialog import converse, phone
from tests.support.staff_web import signed_in

NUMBER = "+447700900123"
OTHER = "+447700900456"
# What identifies Mary, or what she told us, in the forms it is stored in.
HERS = [
    "Mary",
    "Oakes",
    "447700900123",
    "07700900123",
    "1952-03-14",
    "14/3/52",
    "since my husband died",
    "walk with a stick",
    "prefers mornings",
]


async def _mary(bot: Bot) -> str:
    """Mary refers herself by SMS, a link worker replies, notes and books a session; she has a
    wellbeing score. Returns her client id."""
    await bot.add_practice("P92001", "Pemberton Surgery")
    person = phone(bot, "sms", NUMBER)
    await converse(
        person,
        [
            ("Hello", ["Reply 1"]),
            ("1", ["YES or NO"]),
            ("yes", ["What is your name"]),
            ("Mary Oakes", ["date of birth"]),
            ("14/3/52", ["Which GP practice"]),
            ("pemberton", ["What would you like help with"]),
            ("1 I have been so lonely since my husband died", ["anything else"]),
            ("I walk with a stick", ["How should the link worker contact you"]),
            ("1", ["YES"]),
            ("yes", ["Your referral is sent"]),
        ],
    )
    token = await bot.staff_token(Role.ADMIN)
    status, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{NUMBER[1:]}", token)
    client_id = found["items"][0]["id"]
    status, cases = await bot.api("GET", "/api/v1/cases", token)
    case_id = cases["items"][0]["id"]
    await bot.api(
        "POST",
        f"/api/v1/cases/{case_id}/reply",
        token,
        {"text": "Hello Mary, I can ring you on Tuesday."},
    )
    browser = await signed_in(bot)
    csrf = await browser.csrf(f"/cases/{case_id}")
    await browser.post(
        f"/clients/{client_id}/notes", csrf=csrf, case=case_id, text="Mary prefers mornings."
    )
    starts = (bot.clock.now() + timedelta(days=5)).isoformat()
    status, booked = await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": client_id,
            "starts_at": starts,
            "duration_minutes": 45,
            "location": "Pemberton Surgery",
            "worker": "Sam",
        },
    )
    assert status == 201, booked
    status, _ = await bot.api(
        "POST",
        f"/api/v1/clients/{client_id}/scores",
        token,
        {"instrument": "swemwbs", "answers": [3, 3, 3, 3, 3, 3, 3]},
    )
    assert status == 201
    await bot.services.outbox.send_due()
    return str(client_id)


async def _other(bot: Bot) -> None:
    """Someone else, who must be left as they are."""
    await converse(phone(bot, "sms", OTHER), [("Hello", ["Reply 1"]), ("TALK", ["link worker"])])


async def _everything(bot: Bot) -> list[str]:
    """Every text value in every table of the database."""
    values: list[str] = []
    async with bot.services.db.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(sa.select(table))).all():
                values += [v for v in row if isinstance(v, str)]
    return values


async def _report(bot: Bot) -> dict[str, Any]:
    token = await bot.staff_token(Role.ADMIN)
    day = bot.clock.now().date().isoformat()
    status, body = await bot.api("GET", f"/api/v1/reports/summary?from={day}&to={day}", token)
    assert status == 200
    return dict(body)


async def test_export_writes_everything_held_and_is_audited(bot: Bot, tmp_path: Path) -> None:
    client_id = await _mary(bot)
    env = {"DATABASE_URL": bot.services.settings.database_url}
    result = linkbot("client", "export", client_id, "--out", str(tmp_path), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / f"client-{client_id}.json").read_text())
    assert record["client"]["name"] == "Mary Oakes"
    assert record["client"]["date_of_birth"] == "1952-03-14"
    assert record["referrals"][0]["needs"] == ["loneliness", "bereavement"]
    texts = [m["text"] for m in record["messages"]]
    assert "Hello Mary, I can ring you on Tuesday." in texts
    assert record["notes"][0]["text"] == "Mary prefers mornings."
    assert record["scores"][0]["raw"] == 21 and record["appointments"][0]["status"] == "booked"
    summary = (tmp_path / f"client-{client_id}.txt").read_text()
    assert "Name: Mary Oakes" in summary and "Hello Mary, I can ring you on Tuesday." in summary
    async with bot.services.db.read() as session:
        actions = (
            (
                await session.execute(
                    select(AuditRow.action).where(AuditRow.subject == f"client:{client_id}")
                )
            )
            .scalars()
            .all()
        )
    assert "export_client:command_line" in actions
    missing = linkbot("client", "export", "999", cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "there is no client 999" in missing.stderr


async def test_erasure_leaves_nothing_of_theirs_and_the_figures_unchanged(
    bot: Bot, tmp_path: Path
) -> None:
    client_id = await _mary(bot)
    await _other(bot)
    before = await _report(bot)
    assert any(h in v for v in await _everything(bot) for h in HERS)  # the scan can find them
    env = {"DATABASE_URL": bot.services.settings.database_url}
    result = linkbot("client", "erase", client_id, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    left = [(h, v) for v in await _everything(bot) for h in HERS if h in v]
    assert left == []
    assert await _report(bot) == before
    async with bot.services.db.read() as session:
        pending = (
            await session.execute(
                select(TimerRow).where(
                    TimerRow.client_id == int(client_id), col(TimerRow.status) == "pending"
                )
            )
        ).all()
        other = (await session.execute(select(ClientRow).where(ClientRow.phone == OTHER))).one()
    assert pending == []  # the reminders will not fire
    assert other[0].erased_at is None
    sent = len(bot.twilio.to(NUMBER))
    bot.clock.advance(timedelta(days=6))
    await fire_due(bot.services)
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(NUMBER)) == sent  # nothing more goes to her
    async with bot.services.db.read() as session:
        actions = (
            (
                await session.execute(
                    select(AuditRow.action).where(AuditRow.subject == f"client:{client_id}")
                )
            )
            .scalars()
            .all()
        )
    assert "erase_client:command_line" in actions


async def test_at_a_terminal_erasure_waits_for_the_id_typed_again(bot: Bot, tmp_path: Path) -> None:
    client_id = await _mary(bot)
    env = {"DATABASE_URL": bot.services.settings.database_url}
    wrong = linkbot("client", "erase", client_id, cwd=tmp_path, env=env, typed=f"{client_id}0")
    assert wrong.returncode == 1 and "Type the client's id again" in wrong.stdout
    assert "Nothing was erased." in wrong.stderr
    assert any("Mary" in v for v in await _everything(bot))
    right = linkbot("client", "erase", client_id, cwd=tmp_path, env=env, typed=client_id)
    assert right.returncode == 0, right.stderr
    assert f"Erased client {client_id}" in right.stdout
    assert not any("Mary" in v for v in await _everything(bot))


async def test_retention_erases_only_clients_inactive_for_eight_years(bot: Bot) -> None:
    await converse(phone(bot, "sms", OTHER), [("Hello", ["Reply 1"])])
    bot.clock.advance(timedelta(days=365 * 8 - 30))
    await converse(phone(bot, "sms", "+447700900789"), [("Hello", ["Reply 1"])])
    assert await apply_retention(bot.services) == 0  # nobody is eight years quiet yet
    bot.clock.advance(timedelta(days=40))
    assert await apply_retention(bot.services) == 1
    async with bot.services.db.read() as session:
        rows = {r.id: r for r in (await session.execute(select(ClientRow))).scalars()}
    erased = [r for r in rows.values() if r.erased_at is not None]
    assert len(erased) == 1 and erased[0].phone is None
    assert any(r.phone == "+447700900789" for r in rows.values())


async def test_erasure_blanks_session_locations_and_has_twilio_delete_its_copies(
    bot: Bot,
) -> None:
    """A session's location can be a home address; Twilio keeps every text's body until asked
    to delete it. One it will not delete is named in the audit log for a person to follow up."""
    client_id = int(await _mary(bot))
    await _other(bot)
    async with bot.services.db.read() as session:
        hers = (
            await session.execute(
                select(MessageRow.id, MessageRow.provider_id).where(
                    MessageRow.client_id == client_id, col(MessageRow.provider_id).is_not(None)
                )
            )
        ).all()
        theirs = (
            await session.execute(
                select(MessageRow.provider_id).where(
                    MessageRow.client_id != client_id, col(MessageRow.provider_id).is_not(None)
                )
            )
        ).scalars()
        others = set(theirs)
    assert {sid for _, sid in hers} >= {m.sid for m in bot.twilio.sent if m.to == NUMBER}
    refused_id, refused_sid = hers[0]
    bot.twilio.refuse_delete.add(refused_sid)  # Twilio is still sending this one

    done, at_provider = await erase_client(bot.services, client_id, "command_line")

    assert done.sessions == 1
    assert set(bot.twilio.deleted) == {sid for _, sid in hers} - {refused_sid}
    assert not others & set(bot.twilio.deleted)  # nobody else's texts
    assert at_provider.deleted == len(hers) - 1 and at_provider.not_deleted == (refused_id,)
    async with bot.services.db.read() as session:
        locations = (
            await session.execute(
                select(AppointmentRow.location).where(AppointmentRow.client_id == client_id)
            )
        ).scalars()
        assert list(locations) == ["[erased]"]
        failed = (
            await session.execute(
                select(AuditRow.subject).where(AuditRow.action == "provider_delete_failed")
            )
        ).scalars()
        assert list(failed) == [f"message:{refused_id}"]

    bot.twilio.refuse_delete.clear()  # erasing again later deletes what was left
    _, again = await erase_client(bot.services, client_id, "command_line")
    assert refused_sid in bot.twilio.deleted and again.not_deleted == ()
