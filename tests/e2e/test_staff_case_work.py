"""Working a case from its page: assigning it, saved replies, internal notes, booking, moving
and cancelling sessions, attendance and wellbeing scores. All through the pages' forms."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import col, select

from flows.model import Role
from storage.tables import (
    AppointmentRow,
    AuditRow,
    CaseNoteRow,
    CaseRow,
    MessageRow,
    ScoreRow,
    StaffUserRow,
)
from tests.conftest import Bot
from tests.support.staff_web import Browser, add_user, referred_case, signed_in

PHONE = "+447700900201"


async def _worker(
    bot: Bot, practice: str = "P92001", email: str = "sam@practice.nhs.uk"
) -> Browser:
    return await signed_in(bot, role=Role.LINK_WORKER, practices=[practice], email=email)


async def _audited(bot: Bot) -> list[tuple[str, str | None]]:
    async with bot.services.db.read() as session:
        rows = (
            await session.execute(
                select(AuditRow.action, AuditRow.subject).order_by(col(AuditRow.id))
            )
        ).all()
    return [(a, s) for a, s in rows]


async def _local_tomorrow(bot: Bot) -> str:
    zone = bot.services.settings.zone
    return (bot.clock.now().astimezone(zone) + timedelta(days=1)).date().isoformat()


async def test_a_case_can_be_given_to_a_colleague_of_the_same_practice(bot: Bot) -> None:
    case_id = await referred_case(bot)
    await add_user(bot, Role.LINK_WORKER, ["P92001"], email="jo@practice.nhs.uk")
    await add_user(bot, Role.LINK_WORKER, ["P92002"], email="kim@practice.nhs.uk")
    browser = await _worker(bot)
    page = await (await browser.get(f"/cases/{case_id}")).text()
    select_box = re.search(r'<select id="assign-to".*?</select>', page, re.DOTALL)
    assert select_box
    options = dict(re.findall(r'<option value="(\d+)">([^<]+)</option>', select_box[0]))
    async with bot.services.db.read() as session:
        ids = {u.email: u.id for u in (await session.execute(select(StaffUserRow))).scalars()}
    assert str(ids["jo@practice.nhs.uk"]) in options  # the colleague can be chosen
    assert str(ids["kim@practice.nhs.uk"]) not in options  # another practice's worker cannot
    csrf = await browser.csrf(f"/cases/{case_id}")
    refused = await browser.post(
        f"/cases/{case_id}/assign", csrf=csrf, user=str(ids["kim@practice.nhs.uk"])
    )
    assert refused.status == 422 and "does not work for" in await refused.text()
    given = await browser.post(
        f"/cases/{case_id}/assign", csrf=csrf, user=str(ids["jo@practice.nhs.uk"])
    )
    assert given.status == 302
    async with bot.services.db.read() as session:
        case = await session.get(CaseRow, int(case_id))
    assert case is not None and case.assigned_to == ids["jo@practice.nhs.uk"]
    assert (f"assign_case_to:{ids['jo@practice.nhs.uk']}", f"case:{case_id}") in await _audited(bot)


async def test_a_saved_reply_fills_the_reply_box_with_its_counter(bot: Bot) -> None:
    case_id = await referred_case(bot)
    browser = await _worker(bot)
    page = await (await browser.get(f"/cases/{case_id}")).text()
    found = re.search(r'<option value="(\d+)">Tried to ring</option>', page)
    assert found, "the starter saved replies come with the database"
    page = await (await browser.get(f"/cases/{case_id}?template={found[1]}")).text()
    draft = re.search(r'<textarea id="text"[^>]*>([^<]*)</textarea>', page)
    assert draft and draft[1].startswith("Hello, I tried to ring you today")
    assert f"{len(draft[1])} characters, 1 SMS" in page


async def test_a_note_is_kept_for_staff_and_never_sent(bot: Bot) -> None:
    case_id = await referred_case(bot)
    browser = await _worker(bot)
    csrf = await browser.csrf(f"/cases/{case_id}")
    before = len(bot.twilio.sent)
    empty = await browser.post("/clients/1/notes", csrf=csrf, case=case_id, text="  ")
    assert empty.status == 422 and "write the note" in await empty.text()
    response = await browser.post(
        "/clients/1/notes",
        csrf=csrf,
        case=case_id,
        text="Prefers calls after 10. Daughter helps with forms.",
    )
    assert response.status == 302
    assert response.headers["Location"] == f"/cases/{case_id}#notes"
    await bot.services.outbox.send_due()
    assert len(bot.twilio.sent) == before
    async with bot.services.db.read() as session:
        notes = list((await session.execute(select(CaseNoteRow))).scalars())
        texts = [m.text for m in (await session.execute(select(MessageRow))).scalars()]
    assert [(n.case_id, n.text) for n in notes] == [
        (int(case_id), "Prefers calls after 10. Daughter helps with forms.")
    ]
    assert not any("Daughter" in t for t in texts)
    page = await (await browser.get("/clients/1")).text()  # on the client's page too
    assert "Daughter helps with forms." in page and "Sam Jones" in page


async def test_booking_moving_and_cancelling_a_session_from_the_case_page(bot: Bot) -> None:
    case_id = await referred_case(bot)
    browser = await _worker(bot)
    csrf = await browser.csrf(f"/cases/{case_id}")
    tomorrow = await _local_tomorrow(bot)
    bad = await browser.post(
        "/clients/1/appointments",
        csrf=csrf,
        case=case_id,
        date=tomorrow,
        time="",
        duration_minutes="45",
        location="Room 2",
        worker="Sam",
    )
    assert bad.status == 422 and "date and time" in await bad.text()
    before = len(bot.twilio.to(PHONE))
    booked = await browser.post(
        "/clients/1/appointments",
        csrf=csrf,
        case=case_id,
        date=tomorrow,
        time="10:30",
        duration_minutes="45",
        location="Pemberton Surgery, room 2",
        worker="Sam Jones",
    )
    assert booked.status == 302 and booked.headers["Location"].endswith("#appointments")
    await bot.services.outbox.send_due()
    confirmation = bot.twilio.to(PHONE)[before:]
    assert len(confirmation) == 1 and "10:30" in confirmation[0]
    assert "Pemberton Surgery, room 2" in confirmation[0] and "lonely" not in confirmation[0]
    async with bot.services.db.read() as session:
        row = (await session.execute(select(AppointmentRow))).scalars().one()
    zone = bot.services.settings.zone
    assert row.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") == f"{tomorrow} 10:30"
    assert row.duration_minutes == 45 and row.status == "booked"

    later = (row.starts_at.astimezone(zone) + timedelta(days=2)).date().isoformat()
    moved = await browser.post(
        f"/appointments/{row.id}/move", csrf=csrf, case=case_id, date=later, time="14:00"
    )
    assert moved.status == 302
    async with bot.services.db.read() as session:
        again = await session.get(AppointmentRow, row.id)
    assert again is not None
    assert again.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") == f"{later} 14:00"

    cancelled = await browser.post(f"/appointments/{row.id}/cancel", csrf=csrf, case=case_id)
    assert cancelled.status == 302
    twice = await browser.post(f"/appointments/{row.id}/cancel", csrf=csrf, case=case_id)
    assert twice.status == 422 and "already cancelled" in await twice.text()
    actions = [a for a, _ in await _audited(bot)]
    assert {"book_appointment", "move_appointment", "cancel_appointment"} <= set(actions)


async def test_attendance_is_recorded_once_the_session_has_started(bot: Bot) -> None:
    case_id = await referred_case(bot)
    browser = await _worker(bot)
    csrf = await browser.csrf(f"/cases/{case_id}")
    await browser.post(
        "/clients/1/appointments",
        csrf=csrf,
        case=case_id,
        date=await _local_tomorrow(bot),
        time="10:30",
        duration_minutes="45",
        location="Pemberton Surgery",
        worker="Sam Jones",
    )
    page = await (await browser.get(f"/cases/{case_id}")).text()
    assert 'value="attended"' not in page  # not before it starts
    async with bot.services.db.read() as session:
        row = (await session.execute(select(AppointmentRow))).scalars().one()
    early = await browser.post(f"/appointments/{row.id}/attendance", csrf=csrf, outcome="dna")
    assert early.status == 422 and "not started" in await early.text()
    bot.clock.advance(timedelta(days=2))
    browser = await _worker(bot, email="jo@practice.nhs.uk")  # the first sign-in has ended
    csrf = await browser.csrf(f"/cases/{case_id}")
    page = await (await browser.get(f"/cases/{case_id}")).text()
    assert 'value="attended"' in page
    done = await browser.post(
        f"/appointments/{row.id}/attendance", csrf=csrf, case=case_id, outcome="attended"
    )
    assert done.status == 302
    async with bot.services.db.read() as session:
        again = await session.get(AppointmentRow, row.id)
    assert again is not None and again.status == "attended"


async def test_a_swemwbs_score_is_recorded_from_the_page(bot: Bot) -> None:
    case_id = await referred_case(bot)
    browser = await _worker(bot)
    csrf = await browser.csrf(f"/cases/{case_id}")
    answers = {f"item{n}": str(a) for n, a in enumerate([3, 4, 2, 5, 3, 4, 3], start=1)}
    partial = await browser.post(
        "/clients/1/scores", csrf=csrf, case=case_id, **(answers | {"item7": ""})
    )
    assert partial.status == 422 and "every statement" in await partial.text()
    saved = await browser.post("/clients/1/scores", csrf=csrf, case=case_id, **answers)
    assert saved.status == 302 and saved.headers["Location"].endswith("#scores")
    async with bot.services.db.read() as session:
        score = (await session.execute(select(ScoreRow))).scalars().one()
    assert (score.instrument, score.raw, score.metric, score.via) == (
        "swemwbs",
        24,
        21.54,
        "session",
    )
    assert "SWEMWBS" in await (await browser.get(f"/cases/{case_id}")).text()
    out_of_range = await browser.post("/clients/1/scores", csrf=csrf, **(answers | {"item1": "9"}))
    assert out_of_range.status == 422


async def test_another_practices_client_cannot_be_changed_through_the_forms(bot: Bot) -> None:
    await referred_case(bot, practice="P92002")
    browser = await _worker(bot, practice="P92001")
    csrf = await browser.csrf("/queue")
    assert (await browser.get("/clients/1")).status == 404
    for path, form in (
        ("/clients/1/notes", {"text": "x"}),
        ("/clients/1/scores", {f"item{n}": "3" for n in range(1, 8)}),
        (
            "/clients/1/appointments",
            {
                "date": await _local_tomorrow(bot),
                "time": "10:00",
                "duration_minutes": "30",
                "location": "Room",
                "worker": "Sam",
            },
        ),
    ):
        response = await browser.post(path, csrf=csrf, **form)
        assert response.status == 404, path
    async with bot.services.db.read() as session:
        assert not list((await session.execute(select(CaseNoteRow))).scalars())
        assert not list((await session.execute(select(ScoreRow))).scalars())
        assert not list((await session.execute(select(AppointmentRow))).scalars())
