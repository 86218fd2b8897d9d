"""The queue and what a link worker does with a case: read it, take it or give it to a
colleague, reply on the client's own channel, close it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import commands
from bot.actions.errors import Invalid, NotFound
from bot.actions.unit import change, look, viewed
from bot.bootstrap import Services
from flows import engine
from flows.model import CaseStatus, StaffUser
from storage import access, directory, queries, records, staff
from storage.audit import audit
from storage.cases import to_case
from storage.records import CaseLine, ClientRecord
from storage.tables import CaseEventRow, CaseRow, ClientRow, MessageRow, StaffUserRow
from storage.unit import SqlUnit

STATUSES = (CaseStatus.OPEN, CaseStatus.CLOSED)
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class CaseView:
    line: CaseLine
    client: ClientRecord
    history: list[CaseEventRow]


async def queue(
    services: Services, user: StaffUser, status: str, limit: int, cursor: str | None
) -> tuple[list[CaseLine], str | None]:
    """Cases the user may see, most urgent first, then oldest; a page and the next cursor."""
    if status not in STATUSES:
        raise Invalid("status: open or closed.")
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit: a whole number from 1 to {MAX_PAGE}.")
    async with look(services) as uow:
        try:
            page = await queries.list_cases(uow.session, user, status, limit, cursor)
        except queries.BadCursor:
            raise Invalid("cursor: not a cursor this API gave.") from None
        return await records.case_lines(uow.session, page.rows), page.next


async def found(uow: SqlUnit, user: StaffUser, case_id: int | None) -> tuple[CaseRow, ClientRow]:
    """The case and its client, or ``NotFound`` when the user may not see it."""
    seen = await access.case(uow.session, user, case_id)
    if seen is None:
        raise NotFound(f"There is no case {case_id}.")
    return seen


async def view(services: Services, user: StaffUser, case_id: int | None) -> CaseView:
    """The case with the client's whole record and conversation; the view is audited."""
    async with viewed(services, user.id, "view_client") as viewing:
        uow = viewing.uow
        case, client = await found(uow, user, case_id)
        [line] = await records.case_lines(uow.session, [case])
        record = await records.client_record(uow.session, client, messages=True)
        shown = CaseView(line, record, await records.history_of(uow.session, case.id or 0))
        viewing.saw(f"client:{client.id}")
    return shown


async def assign(
    services: Services, user: StaffUser, case_id: int | None, to: int | None = None
) -> CaseLine:
    """Give the case to ``to`` (the user themself when None: they take it), who must be one
    who may see the client (``storage.access``). A professional referrer hears who has it."""
    now = services.clock.now()
    async with change(services) as uow:
        case, client = await found(uow, user, case_id)
        taker = user if to is None or to == user.id else await _staff(uow, to)
        if taker is None or not access.may_see(taker, client.practice_id):
            raise Invalid("user: that person does not work for this client's practice.")
        if case.status != CaseStatus.OPEN:
            raise Invalid("This case is closed.", "case_closed")
        await engine.claim_case(uow, to_case(case), taker, services.settings.service, now)
        action = "claim_case" if taker.id == user.id else f"assign_case_to:{taker.id}"
        await audit(uow.session, user.id, action, f"case:{case.id}", now)
        await uow.session.refresh(case)
        [line] = await records.case_lines(uow.session, [case])
        return line


async def _staff(uow: SqlUnit, user_id: int) -> StaffUser | None:
    """A user a case can be given to: none for a leaver (disabled)."""
    row = await uow.session.get(StaffUserRow, user_id)
    if row is None or row.disabled_at is not None:
        return None
    return await staff.staff_user(uow.session, row)


async def reply(
    services: Services, user: StaffUser, case_id: int | None, body: commands.Reply
) -> MessageRow:
    """Queue the text for the client on their own channel; the conversation with the bot, if
    one was under way, gives way to the person."""
    now = services.clock.now()
    async with change(services) as uow:
        case, _ = await found(uow, user, case_id)
        if case.status != CaseStatus.OPEN:
            raise Invalid("This case is closed: open a new one to reply.", "case_closed")
        try:
            message_id = await engine.reply_from_staff(
                uow, to_case(case), user, body.text, services.settings.service, now
            )
        except engine.OptedOut:
            raise Invalid(
                "text: the client has opted out of messages, so it was not sent.", "opted_out"
            ) from None
        await audit(uow.session, user.id, "reply", f"case:{case.id}", now)
        message = await uow.session.get(MessageRow, message_id)
        assert message is not None
        return message


async def close(
    services: Services, user: StaffUser, case_id: int | None, body: commands.Close
) -> CaseLine:
    """Close the case with its outcome and the services the client was referred on to."""
    now = services.clock.now()
    async with change(services) as uow:
        case, _ = await found(uow, user, case_id)
        wanted = body.services
        missing = set(wanted) - set(await directory.service_names(uow.session, wanted))
        if missing:
            first = sorted(missing)[0][:60]
            raise Invalid(f"onward_referrals: the directory has no service {first!r}.")
        try:
            await engine.close_case(
                uow, to_case(case), user, body.outcome, wanted, services.settings.service, now
            )
        except engine.CaseClosed:
            raise Invalid("This case is already closed.", "case_closed") from None
        await audit(uow.session, user.id, "close_case", f"case:{case.id}", now)
        await uow.session.refresh(case)
        [line] = await records.case_lines(uow.session, [case])
        return line
