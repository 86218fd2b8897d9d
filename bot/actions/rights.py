"""People's rights over their data: everything held about a client (subject access), erasing
their personal data, and the retention rule that erases clients quiet for too long."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.actions.errors import NotFound
from bot.actions.unit import change, viewed
from bot.bootstrap import Services
from bot.channels import KeepsCopies, SendError
from flows.messages import Channel
from storage import clients, rights
from storage.audit import audit

log = logging.getLogger(__name__)


def _write(files: dict[Path, str]) -> None:
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


async def export_client(services: Services, client_id: int, folder: Path) -> tuple[Path, Path]:
    """A JSON file of everything held, and the same in plain words; audited."""
    async with viewed(services, None, "export_client:command_line") as viewing:
        try:
            record = await rights.client_record(viewing.uow.session, client_id)
        except rights.NoSuchClient as exc:
            raise NotFound(str(exc)) from None
        data, text = folder / f"client-{client_id}.json", folder / f"client-{client_id}.txt"
        files = {
            data: json.dumps(record, indent=2, ensure_ascii=False),
            text: rights.summary_text(record, services.settings.service_name),
        }
        await asyncio.to_thread(_write, files)
        viewing.saw(f"client:{client_id}")
    return data, text


@dataclass(frozen=True, slots=True)
class AtProvider:
    """What became of the copies of a client's texts that Twilio holds."""

    deleted: int
    not_deleted: tuple[int, ...]  # our message ids, each with an audit row saying so


async def _delete_copies(services: Services, erased: list[rights.Erased]) -> AtProvider:
    """Ask Twilio to delete its copy of each erased text. One it will not delete is recorded
    (an audit row ``provider_delete_failed`` naming the message) for a person to follow up."""
    copies = [copy for done in erased for copy in done.sms_copies]
    sender = services.senders.get(Channel.SMS)
    failed = []
    for message_id, sid in copies:
        if not isinstance(sender, KeepsCopies):  # SMS is no longer set up on this service
            failed.append(message_id)
            continue
        try:
            await sender.delete_copy(sid)
        except SendError as exc:
            log.warning("Twilio did not delete message %d: %s", message_id, exc)
            failed.append(message_id)
    if failed:
        now = services.clock.now()
        async with change(services) as uow:
            for message_id in failed:
                await audit(
                    uow.session, None, "provider_delete_failed", f"message:{message_id}", now
                )
    return AtProvider(len(copies) - len(failed), tuple(failed))


async def erase_client(
    services: Services, client_id: int, why: str
) -> tuple[rights.Erased, AtProvider]:
    """Erase the client's personal data, audited as done ``why`` (command_line, retention),
    then have Twilio delete its copies of their texts."""
    now = services.clock.now()
    async with change(services) as uow:
        await clients.lock(uow.session, [client_id])  # the lock order: client, then the rest
        try:
            done = await rights.erase_client(uow.session, client_id, now)
        except rights.NoSuchClient as exc:
            raise NotFound(str(exc)) from None
        await audit(uow.session, None, f"erase_client:{why}", f"client:{client_id}", now)
    return done, await _delete_copies(services, [done])


async def apply_retention(services: Services) -> int:
    """Erase the personal data of clients with no activity for ``RETENTION_YEARS``."""
    years = services.settings.retention_years
    if not years:
        return 0
    now = services.clock.now()
    leap_day = now.month == 2 and now.day == 29
    cutoff = now.replace(year=now.year - years, day=28 if leap_day else now.day)
    erased = []
    async with change(services) as uow:
        due = await rights.inactive_since(uow.session, cutoff)
        for client_id in due:
            erased.append(await rights.erase_client(uow.session, client_id, now))
            await audit(uow.session, None, "erase_client:retention", f"client:{client_id}", now)
    at_provider = await _delete_copies(services, erased)
    if due:
        log.info("retention: erased the personal data of %d clients", len(due))
    if at_provider.not_deleted:
        log.warning(
            "retention: Twilio did not delete %d texts; the audit log names them",
            len(at_provider.not_deleted),
        )
    return len(due)
