"""A request made while the client already has an open case shows in the queue as what it is:
a NO to a reminder, a DNA and a check-in answered "worse" each relabel a normal referral case
and raise its priority, and its history keeps both. A less urgent request never relabels a
more urgent case (a crisis stays a crisis), but its history still records it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.actions.timers import fire_due
from flows import texts
from flows.model import Role
from storage import rights
from storage.tables import CaseRow, ClientRow, PracticeRow
from tests.conftest import Bot
from tests.support.referrals import referral_body

CLIENT, OTHER = "+447700900123", "+447700900456"
# The fake clock starts on Tuesday 24 November 2026 at 10:00 in London (GMT).
THURSDAY_2PM = "2026-11-26T14:00:00+00:00"
REMINDER_48H = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
# For the check-in: a session on Monday 23 November; ten weeks on, the window opens at 08:00.
SESSION = "2026-11-23T21:00:00+00:00"
CHECK_IN_SENT = datetime(2027, 2, 2, 8, 0, tzinfo=UTC)


async def _bot(make_bot: Any) -> tuple[Bot, str]:
    bot: Bot = await make_bot()
    await bot.add_practice("P92001", "Pemberton Surgery")
    return bot, await bot.staff_token(Role.LINK_WORKER, ["P92001"])


async def _older_case(bot: Bot) -> None:
    """Someone else of the practice waiting longer, at normal priority."""
    await bot.text(OTHER, "Hello")
    await bot.text(OTHER, "TALK")
    async with bot.services.db.write() as session:  # they are of the same practice
        practice = (await session.execute(select(PracticeRow))).scalars().one()
        other = (
            (await session.execute(select(ClientRow).where(ClientRow.phone == OTHER)))
            .scalars()
            .one()
        )
        other.practice_id = practice.id
        for case in (await session.execute(select(CaseRow))).scalars():
            case.practice_id = practice.id
    bot.clock.advance(timedelta(minutes=5))


async def _referred(bot: Bot, token: str) -> tuple[str, str]:
    """A professional referral: the client and their open normal "referral" case."""
    status, made = await bot.api("POST", "/api/v1/referrals", token, referral_body())
    assert status == 201, made
    await bot.services.outbox.send_due()
    _, case = await bot.api("GET", f"/api/v1/cases/{made['case_id']}", token)
    assert (case["reason"], case["priority"]) == ("referral", "normal")
    return str(made["client_id"]), str(made["case_id"])


async def _book(bot: Bot, token: str, client_id: str) -> dict[str, Any]:
    body = {
        "client_id": client_id,
        "starts_at": THURSDAY_2PM,
        "duration_minutes": 45,
        "location": "Pemberton Library, Room 2",
        "worker": "Sam Jones",
    }
    status, made = await bot.api("POST", "/api/v1/appointments", token, body)
    assert status == 201, made
    await bot.services.outbox.send_due()
    return dict(made)


async def _reminded(bot: Bot) -> None:
    """The 48-hour reminder goes out."""
    bot.clock.set(REMINDER_48H)
    await fire_due(bot.services)
    await bot.services.outbox.send_due()
    assert "a reminder of your session" in bot.twilio.to(CLIENT)[-1]


async def _case(bot: Bot, token: str, case_id: str) -> dict[str, Any]:
    status, case = await bot.api("GET", f"/api/v1/cases/{case_id}", token)
    assert status == 200, case
    return dict(case)


def _steps(case: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(e["reason"], e["priority"], e["taken"]) for e in case["history"]]


async def _queue(bot: Bot, token: str) -> list[tuple[str, str]]:
    _, cases = await bot.api("GET", "/api/v1/cases?status=open", token)
    return [(c["reason"], c["priority"]) for c in cases["items"]]


async def test_no_to_a_reminder_makes_the_referral_case_a_high_rearrange_request(
    make_bot: Any,
) -> None:
    bot, token = await _bot(make_bot)
    await _older_case(bot)
    client_id, case_id = await _referred(bot, token)
    assert await _queue(bot, token) == [("talk", "normal"), ("referral", "normal")]
    await _book(bot, token, client_id)
    await _reminded(bot)
    await bot.text(CLIENT, "no")
    assert "A link worker will be in touch to find a better time" in bot.twilio.to(CLIENT)[-1]
    case = await _case(bot, token, case_id)
    assert (case["reason"], case["priority"], case["status"]) == ("rearrange", "high", "open")
    assert _steps(case) == [("referral", "normal", True), ("rearrange", "high", True)]
    first, then = case["history"]
    assert datetime.fromisoformat(then["at"]) == REMINDER_48H
    assert datetime.fromisoformat(first["at"]) < datetime.fromisoformat(then["at"])
    # Due sooner, as high cases are, and first in the queue although newer.
    assert datetime.fromisoformat(case["due_by"]) < datetime(2026, 11, 27, tzinfo=UTC)
    assert await _queue(bot, token) == [("rearrange", "high"), ("talk", "normal")]


async def test_a_dna_makes_the_referral_case_a_high_dna(make_bot: Any) -> None:
    bot, token = await _bot(make_bot)
    await _older_case(bot)
    client_id, case_id = await _referred(bot, token)
    made = await _book(bot, token, client_id)
    bot.clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    status, body = await bot.api(
        "POST", f"/api/v1/appointments/{made['id']}/attendance", token, {"outcome": "dna"}
    )
    assert status == 200 and body["status"] == "dna"
    await bot.services.outbox.send_due()
    assert bot.twilio.to(CLIENT)[-1] == texts.APPT_DNA
    case = await _case(bot, token, case_id)
    assert (case["reason"], case["priority"]) == ("dna", "high")
    assert _steps(case) == [("referral", "normal", True), ("dna", "high", True)]
    assert await _queue(bot, token) == [("dna", "high"), ("talk", "normal")]


async def test_worse_at_a_check_in_makes_the_referral_case_a_high_follow_up(
    make_bot: Any,
) -> None:
    """The check-in went while they had no case; a referral came before they answered it."""
    bot, token = await _bot(make_bot)
    await bot.text(CLIENT, "Hello")
    admin = await bot.staff_token()
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{CLIENT[1:]}", admin)
    client_id = str(found["items"][0]["id"])
    _, opened = await bot.api("GET", "/api/v1/cases", admin)
    for case in opened["items"]:  # the welcome's message case, closed
        await bot.api("POST", f"/api/v1/cases/{case['id']}/close", admin, {"outcome": "done"})
    session = {
        "client_id": client_id,
        "starts_at": SESSION,
        "duration_minutes": 45,
        "location": "Pemberton Library",
        "worker": "Sam Jones",
        "outcome": "attended",
    }
    status, made = await bot.api("POST", "/api/v1/appointments", admin, session)
    assert status == 201, made
    bot.clock.set(CHECK_IN_SENT)
    await fire_due(bot.services)
    await bot.services.outbox.send_due()
    assert bot.twilio.to(CLIENT)[-1] == texts.FU_CHECK_IN.format(
        service=bot.services.settings.service_name
    )
    bot.clock.advance(timedelta(hours=1))
    _, case_id = await _referred(bot, token)
    bot.clock.advance(timedelta(hours=1))
    await bot.text(CLIENT, "3")
    assert bot.twilio.to(CLIENT)[-1] == texts.FU_WORSE
    case = await _case(bot, token, case_id)
    assert (case["reason"], case["priority"]) == ("follow_up", "high")
    assert _steps(case) == [("referral", "normal", True), ("follow_up", "high", True)]
    assert await _queue(bot, token) == [("follow_up", "high")]


async def test_a_no_after_a_crisis_leaves_the_urgent_case_a_crisis_and_is_recorded(
    make_bot: Any,
) -> None:
    bot, token = await _bot(make_bot)
    client_id, case_id = await _referred(bot, token)
    await _book(bot, token, client_id)
    await bot.text(CLIENT, "I want to kill myself")
    case = await _case(bot, token, case_id)
    assert (case["reason"], case["priority"]) == ("crisis", "urgent")
    due = case["due_by"]
    await _reminded(bot)
    await bot.text(CLIENT, "no")
    assert "find a better time" in bot.twilio.to(CLIENT)[-1]
    case = await _case(bot, token, case_id)
    assert (case["reason"], case["priority"], case["due_by"]) == ("crisis", "urgent", due)
    assert _steps(case) == [
        ("referral", "normal", True),
        ("crisis", "urgent", True),
        ("rearrange", "high", False),
    ]
    assert await _queue(bot, token) == [("crisis", "urgent")]


async def test_a_second_no_changes_nothing_more(make_bot: Any) -> None:
    """The same request again at the same priority: the case already says it."""
    bot, token = await _bot(make_bot)
    client_id, case_id = await _referred(bot, token)
    await _book(bot, token, client_id)
    await bot.text(CLIENT, "no")
    await _book(bot, token, client_id)
    await bot.text(CLIENT, "no")
    case = await _case(bot, token, case_id)
    assert _steps(case) == [("referral", "normal", True), ("rearrange", "high", True)]


async def test_the_history_is_in_the_subject_access_export_and_kept_on_erasure(
    make_bot: Any,
) -> None:
    """It says no more than the case row does (a reason, a priority, a time), which erasure
    keeps for the figures."""
    bot, token = await _bot(make_bot)
    client_id, _ = await _referred(bot, token)
    await _book(bot, token, client_id)
    await bot.text(CLIENT, "no")
    async with bot.services.db.write() as session:
        before = await rights.client_record(session, int(client_id))
        await rights.erase_client(session, int(client_id), bot.clock.now())
    async with bot.services.db.read() as session:
        after = await rights.client_record(session, int(client_id))
    steps = [(e["reason"], e["priority"]) for e in before["case_history"]]
    assert steps == [("referral", "normal"), ("rearrange", "high")]
    assert after["case_history"] == before["case_history"]
