"""Running the service: practices, staff logins and API tokens, saved replies, and reading the
audit log. The admin pages and the command line both come here; what a signed-in admin
changes is audited (the command line is run by whoever holds the server)."""

from __future__ import annotations

from bot.actions.errors import Invalid, NotFound
from bot.actions.unit import change
from bot.bootstrap import Services
from flows.model import StaffUser
from storage import notes, queries, staff
from storage.audit import audit
from storage.queries import Page
from storage.tables import PracticeRow, StaffUserRow
from storage.unit import SqlUnit


async def _audit(
    services: Services, uow: SqlUnit, by: StaffUser | None, action: str, subject: str
) -> None:
    if by is not None:
        await audit(uow.session, by.id, action, subject, services.clock.now())


async def add_practice(
    services: Services, by: StaffUser | None, code: str, name: str, area: str | None
) -> tuple[PracticeRow, bool]:
    """Add a practice, or update the name and area of the one with that code; whether new."""
    async with change(services) as uow:
        try:
            practice, new = await staff.add_practice(uow.session, code, name, area)
        except staff.StaffError as exc:
            raise Invalid(str(exc)) from None
        await _audit(services, uow, by, "save_practice", f"practice:{practice.id}")
        return practice, new


async def import_practices(services: Services, text: str) -> staff.ImportResult:
    async with change(services) as uow:
        try:
            return await staff.import_practices(uow.session, text)
        except staff.StaffError as exc:
            raise Invalid(str(exc)) from None


async def add_user(
    services: Services,
    by: StaffUser | None,
    email: str,
    name: str,
    role: str,
    practices: list[str],
) -> tuple[StaffUserRow, str]:
    """A new staff login and its one-time password."""
    async with change(services) as uow:
        try:
            row, password = await staff.add_user(
                uow.session, email, name, role, practices, services.clock.now()
            )
        except staff.StaffError as exc:
            raise Invalid(str(exc)) from None
        await _audit(services, uow, by, "add_user", f"user:{row.id}")
        return row, password


async def reset_password(
    services: Services, by: StaffUser, user_id: int | None
) -> tuple[StaffUserRow, str]:
    """A new one-time password: the account is unlocked and signed out everywhere."""
    async with change(services) as uow:
        row = await uow.session.get(StaffUserRow, user_id) if user_id is not None else None
        if row is None:
            raise NotFound("There is no such user.")
        password = await staff.reset_password(uow.session, row.email)
        await _audit(services, uow, by, "reset_password", f"user:{row.id}")
    services.sessions_ended.announce()
    return row, password


async def revoke_tokens(
    services: Services, by: StaffUser | None, who: int | str
) -> tuple[StaffUserRow, int]:
    """Revoke every API token of a user (by id or e-mail address); how many were in use.
    They are refused from the next call on."""
    async with change(services) as uow:
        row = await _staff_user(uow, who)
        assert row.id is not None
        revoked = await staff.revoke_tokens(uow.session, row.id)
        await _audit(services, uow, by, "revoke_tokens", f"user:{row.id}")
    return row, revoked


async def disable_user(
    services: Services, by: StaffUser | None, who: int | str
) -> tuple[StaffUserRow, int]:
    """A leaver (by id or e-mail address): they can no longer sign in, every session of theirs
    ends and every token is revoked (how many). Their name stays on what they did."""
    async with change(services) as uow:
        row = await _staff_user(uow, who)
        if by is not None and row.id == by.id:
            raise Invalid("You cannot disable your own account: ask another admin.")
        revoked = await staff.disable_user(uow.session, row, services.clock.now())
        await _audit(services, uow, by, "disable_user", f"user:{row.id}")
    services.sessions_ended.announce()
    return row, revoked


async def _staff_user(uow: SqlUnit, who: int | str) -> StaffUserRow:
    try:
        return await staff.find_user(uow.session, who)
    except staff.StaffError as exc:
        raise NotFound(str(exc)[:1].upper() + str(exc)[1:] + ".") from None


async def create_token(services: Services, email: str) -> str:
    async with change(services) as uow:
        try:
            return await staff.create_token(uow.session, email, services.clock.now())
        except staff.StaffError as exc:
            raise Invalid(str(exc)) from None


async def save_reply(
    services: Services, by: StaffUser, reply_id: int | None, title: str, text: str
) -> None:
    """Add a saved reply, or change one."""
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise Invalid("A saved reply needs a title and some text.")
    if len(title) > notes.MAX_TITLE or len(text) > notes.MAX_TEMPLATE:
        raise Invalid(f"A title can be {notes.MAX_TITLE} characters, a reply {notes.MAX_TEMPLATE}.")
    async with change(services) as uow:
        problem = await notes.save_template(
            uow.session, reply_id, title, text, services.clock.now()
        )
        if problem:
            raise Invalid(problem)
        await _audit(services, uow, by, "save_saved_reply", f"reply:{reply_id or 'new'}")


async def delete_reply(services: Services, by: StaffUser, reply_id: int) -> None:
    async with change(services) as uow:
        await notes.delete_template(uow.session, reply_id)
        await _audit(services, uow, by, "delete_saved_reply", f"reply:{reply_id}")


async def audit_log(
    services: Services,
    by: StaffUser,
    *,
    before: int | None,
    user_id: int | None,
    action: str,
    subject: str,
) -> tuple[Page, dict[int | None, str]]:
    """A page of the log, newest first, with the staff's names; reading it is audited too."""
    async with change(services) as uow:
        found = await queries.audit_page(
            uow.session, before=before, user_id=user_id, action=action, subject=subject
        )
        names = {u.id: u.name for u, _ in await queries.all_staff(uow.session)}
        await audit(uow.session, by.id, "read_audit_log", None, services.clock.now())
    return found, names
