"""A client's record for staff: reading it (always audited), finding a client by contact or by
the search box, the staff page's whole view, and internal notes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.actions.cases import found as found_case
from bot.actions.errors import Invalid, NotFound
from bot.actions.unit import change, look, viewed
from bot.bootstrap import Services
from flows import phones
from flows.model import StaffUser
from services_directory.search import Hit
from storage import access, notes, queries, records
from storage.audit import audit
from storage.records import ClientRecord
from storage.tables import (
    CaseEventRow,
    CaseNoteRow,
    CaseRow,
    ClientRow,
    PracticeRow,
    ReplyTemplateRow,
    StaffUserRow,
)
from storage.unit import SqlUnit

REFERENCE = re.compile(r"LB-[A-Z0-9]{4,10}", re.IGNORECASE)
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y")
SUGGESTED = 8  # services offered for onward referral on the case page


@dataclass(frozen=True, slots=True)
class ClientPage:
    """Everything the staff page shows of a client, and of the case when there is one."""

    record: ClientRecord
    case: CaseRow | None
    notes: list[CaseNoteRow]
    cases: list[CaseRow]
    names: dict[int, str]
    assignable: list[StaffUserRow]
    templates: list[ReplyTemplateRow]
    suggestions: list[Hit] = field(default_factory=list)
    suggested_for: str | None = None
    history: list[CaseEventRow] = field(default_factory=list)  # of the case, when one is shown


@dataclass(frozen=True, slots=True)
class Found:
    """What the search box found, and how it read what was typed."""

    kind: str | None
    clients: list[ClientRow]
    practice_codes: dict[int, str]
    open_cases: dict[int, CaseRow]


async def visible(uow: SqlUnit, user: StaffUser, client_id: int | None) -> ClientRow:
    row = await access.client(uow.session, user, client_id)
    if row is None:
        raise NotFound(f"There is no client {client_id}.")
    return row


async def view(services: Services, user: StaffUser, client_id: int | None) -> ClientRecord:
    async with viewed(services, user.id, "view_client") as viewing:
        row = await visible(viewing.uow, user, client_id)
        record = await records.client_record(viewing.uow.session, row)
        viewing.saw(f"client:{row.id}")
    return record


async def find(
    services: Services, user: StaffUser, phone: str | None, telegram_chat_id: str | None
) -> list[ClientRecord]:
    """The client with this phone number (in any usual form) or Telegram chat."""
    if not (phone or telegram_chat_id):
        raise Invalid("phone: give phone or telegram_chat_id to search by.")
    async with viewed(services, user.id, "view_client") as viewing:
        session = viewing.uow.session
        rows = await queries.find_clients(
            session,
            user,
            phone=phones.normalise(phone) if phone else None,
            telegram_chat_id=telegram_chat_id.strip() if telegram_chat_id else None,
        )
        found = [await records.client_record(session, row) for row in rows]
        for row in rows:
            viewing.saw(f"client:{row.id}")
    return found


def search_terms(text: str) -> dict[str, str]:
    """What a search box entry is: a referral reference, a date of birth, a phone number, or
    else part of a name."""
    text = text.strip()[:100]
    if not text:
        return {}
    if REFERENCE.fullmatch(text):
        return {"reference": text.upper()}
    if (born := _as_date(text)) is not None:
        return {"date_of_birth": born}
    if (phone := phones.as_search_term(text)) is not None:
        return {"phone": phone}
    return {"name": text}


def _as_date(text: str) -> str | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()  # noqa: DTZ007 a date only
        except ValueError:
            continue
    return None


async def search(services: Services, user: StaffUser, text: str) -> Found:
    """Clients the user may see matching the search box; audited by how, never by what."""
    terms = search_terms(text)
    kind = next(iter(terms), None)
    async with viewed(services, user.id, "search_clients") as viewing:
        session = viewing.uow.session
        rows = await queries.search_clients(session, user, **terms)
        codes = await queries.practice_codes(session, {c.practice_id or 0 for c in rows})
        open_cases = await queries.open_cases_of(session, {c.id or 0 for c in rows})
        if kind is not None:
            # What was looked for is itself personal data: the log says how, not what.
            viewing.saw(f"by:{kind}:{len(rows)}")
    return Found(kind, rows, codes, open_cases)


async def page(
    services: Services,
    user: StaffUser,
    client_id: int | None,
    case_id: int | None = None,
    services_wanted: str = "",
) -> ClientPage:
    """The staff page of a client, or of one of their cases; audited as a view."""
    async with viewed(services, user.id, "view_client") as viewing:
        uow = viewing.uow
        case: CaseRow | None = None
        if case_id is not None:
            case, row = await found_case(uow, user, case_id)
        else:
            row = await visible(uow, user, client_id)
        assert row.id is not None
        record = await records.client_record(uow.session, row, messages=True)
        client_notes = await records.notes_of(uow.session, row.id)
        cases = await records.cases_of(uow.session, row.id)
        authors = {n.author_id for n in client_notes} | {c.assigned_to or 0 for c in cases}
        shown = ClientPage(
            record=record,
            case=case,
            notes=client_notes,
            cases=cases,
            names=await queries.user_names(uow.session, authors),
            # Who the case can be given to: only asked when there is a case to give.
            assignable=await _assignable(uow, case, row),
            templates=await notes.templates(uow.session),
            history=await records.history_of(uow.session, case.id or 0) if case else [],
        )
        if case is not None:
            shown = await _with_suggestions(uow, shown, services_wanted)
        viewing.saw(f"client:{row.id}")
    return shown


async def _assignable(uow: SqlUnit, case: CaseRow | None, client: ClientRow) -> list[StaffUserRow]:
    if case is None:
        return []
    people = await access.who_may_see(uow.session, client.practice_id)
    return [s for s in people if s.id != case.assigned_to]


async def _with_suggestions(uow: SqlUnit, shown: ClientPage, words: str) -> ClientPage:
    """Services to pick onward referrals from: those meeting the client's needs near their
    practice, or what the link worker searched the directory for."""
    client = shown.record.row
    practice = (
        await uow.session.get(PracticeRow, client.practice_id) if client.practice_id else None
    )
    area = (practice.area if practice else None) or ""
    index = await uow.directory.cache.index(uow.session)
    words = words.strip()[:100]
    if words:
        hits = index.search(text=words, area=area, limit=SUGGESTED)
        described: str | None = f"matching {words!r}"
    else:
        needs = {n for r in shown.record.referrals for n in json.loads(r.needs or "[]")}
        needs -= {"other"}
        hits = index.search(needs=sorted(needs), area=area, limit=SUGGESTED)
        described = ("for their needs" + (f" near {area}" if area else "")) if needs else None
    return replace(shown, suggestions=hits if described else [], suggested_for=described)


async def add_note(
    services: Services, user: StaffUser, client_id: int | None, case_id: int | None, text: str
) -> tuple[int, int | None]:
    """An internal note on the client, for staff: never sent. Kept on the case it was written
    on when that case is one of theirs. Returns the client's id and that case's."""
    text, now = text.strip(), services.clock.now()
    async with change(services) as uow:
        row = await visible(uow, user, client_id)
        assert row.id is not None
        if not text:
            raise Invalid("text: please write the note first.")
        if len(text) > notes.MAX_NOTE:
            raise Invalid(f"text: a note can be at most {notes.MAX_NOTE} characters.")
        on_case = await case_of(uow, row, case_id)
        await notes.add_note(uow.session, row.id, on_case, user.id, text, now)
        await audit(uow.session, user.id, "add_note", f"client:{row.id}", now)
        return row.id, on_case


async def where(
    services: Services, user: StaffUser, client_id: int | None, case_id: int | None
) -> tuple[int, int | None]:
    """The client (who must be one the user may see) and the case of theirs a form came from,
    if it is one of theirs."""
    async with look(services) as uow:
        row = await visible(uow, user, client_id)
        assert row.id is not None
        return row.id, await case_of(uow, row, case_id)


async def case_of(uow: SqlUnit, client: ClientRow, case_id: int | None) -> int | None:
    """``case_id`` when it is one of the client's cases, else None."""
    row = await uow.session.get(CaseRow, case_id) if case_id is not None else None
    return case_id if row is not None and row.client_id == client.id else None
