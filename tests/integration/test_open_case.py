"""``open_case``'s rule on a client who already has an open case, on both databases: a request
at least as urgent relabels the case (raising it when higher), a less urgent one is recorded
in its history and changes nothing, and a plain message joins the case as it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from flows.calendar import WorkingDays
from flows.engine.cases import open_case
from flows.messages import Address
from flows.model import CasePriority, due_by
from flows.texts import Nation
from storage.db import Database, upgrade, upgrade_to
from storage.directory import DirectoryCache
from storage.tables import CaseEventRow, CaseRow, ClientRow
from storage.unit import SqlUnit

OPENED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday
LATER = OPENED + timedelta(days=1)
DAYS = WorkingDays(Nation.ENGLAND, ZoneInfo("Europe/London"))
URGENT, HIGH, NORMAL = CasePriority.URGENT, CasePriority.HIGH, CasePriority.NORMAL

Step = tuple[str, CasePriority, bool]


@pytest.mark.parametrize(
    ("first", "then", "shows", "history"),
    [
        # A NO to a reminder on a referral: the queue shows the rearrange request, due sooner.
        (
            ("referral", NORMAL),
            ("rearrange", HIGH),
            ("rearrange", HIGH, LATER),
            [("referral", NORMAL, True), ("rearrange", HIGH, True)],
        ),
        # The same priority: the newer request's reason, the due time it had.
        (
            ("dna", HIGH),
            ("rearrange", HIGH),
            ("rearrange", HIGH, OPENED),
            [("dna", HIGH, True), ("rearrange", HIGH, True)],
        ),
        # An undelivered crisis reply on a crisis case says so: a person must phone them.
        (
            ("crisis", URGENT),
            ("crisis_reply_undelivered", URGENT),
            ("crisis_reply_undelivered", URGENT, OPENED),
            [("crisis", URGENT, True), ("crisis_reply_undelivered", URGENT, True)],
        ),
        # Less urgent: a crisis is never relabelled, but the request is recorded.
        (
            ("crisis", URGENT),
            ("rearrange", HIGH),
            ("crisis", URGENT, OPENED),
            [("crisis", URGENT, True), ("rearrange", HIGH, False)],
        ),
        (
            ("rearrange", HIGH),
            ("referral", NORMAL),
            ("rearrange", HIGH, OPENED),
            [("rearrange", HIGH, True), ("referral", NORMAL, False)],
        ),
        # The same reason, more urgent: raised.
        (
            ("follow_up", NORMAL),
            ("follow_up", HIGH),
            ("follow_up", HIGH, LATER),
            [("follow_up", NORMAL, True), ("follow_up", HIGH, True)],
        ),
        # The same reason again, or a plain message: nothing changes and nothing is added.
        (
            ("rearrange", HIGH),
            ("rearrange", HIGH),
            ("rearrange", HIGH, OPENED),
            [("rearrange", HIGH, True)],
        ),
        (
            ("referral", NORMAL),
            ("message", NORMAL),
            ("referral", NORMAL, OPENED),
            [("referral", NORMAL, True)],
        ),
    ],
)
async def test_a_second_request_on_an_open_case(
    database_url: str,
    first: tuple[str, CasePriority],
    then: tuple[str, CasePriority],
    shows: tuple[str, CasePriority, datetime],
    history: list[Step],
) -> None:
    db = Database(database_url)
    try:
        async with db.write() as session:
            uow = SqlUnit(session, DirectoryCache(), DAYS)
            client = await uow.clients.add(Address("tel:+447700900123"), "+447700900123", OPENED)
            opened = await open_case(uow, client, first[0], OPENED, first[1])
            case = await open_case(uow, client, then[0], LATER, then[1])
            assert case.id == opened.id  # one open case
            reason, priority, due_from = shows
            assert (case.reason, case.priority) == (reason, priority)
            assert case.due_by == due_by(priority, due_from, DAYS)
            stmt = select(CaseEventRow).where(CaseEventRow.case_id == case.id)
            events = list((await session.execute(stmt.order_by(CaseEventRow.id))).scalars())
        assert [(e.reason, CasePriority(e.priority), e.taken) for e in events] == history
        assert [e.at for e in events] == [OPENED, LATER][: len(events)]
    finally:
        await db.dispose()


async def test_cases_held_before_there_was_a_history_start_it_from_what_they_hold(
    tmp_path: Path,
) -> None:
    """Migration 0018 gives each case already held one entry: its reason and priority now, at
    its opening (SQLite here; the same SQL runs on PostgreSQL in the suite's migrations)."""
    db = Database(f"sqlite:///{tmp_path}/before.db")
    try:
        await upgrade_to(db, "0017")
        async with db.write() as session:
            client = ClientRow(address="tel:+447700900123", created_at=OPENED, last_seen_at=OPENED)
            session.add(client)
            await session.flush()
            assert client.id is not None
            session.add(
                CaseRow(
                    client_id=client.id,
                    reason="dna",
                    priority="high",
                    priority_rank=HIGH.rank,
                    status="open",
                    created_at=OPENED,
                    due_by=due_by(HIGH, OPENED, DAYS),
                )
            )
        await upgrade(db)
        async with db.read() as session:
            [event] = (await session.execute(select(CaseEventRow))).scalars()
        assert (event.reason, event.priority, event.at) == ("dna", "high", OPENED)
        assert event.taken
    finally:
        await db.dispose()
