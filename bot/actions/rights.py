"""People's rights over their data: everything held about a client (subject access), erasing
their personal data, and the retention rule that erases clients quiet for too long."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from bot.actions.errors import NotFound
from bot.actions.unit import change, viewed
from bot.bootstrap import Services
from storage import rights
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


async def erase_client(services: Services, client_id: int, why: str) -> rights.Erased:
    """Erase the client's personal data, audited as done ``why`` (command_line, retention)."""
    now = services.clock.now()
    async with change(services) as uow:
        try:
            done = await rights.erase_client(uow.session, client_id, now)
        except rights.NoSuchClient as exc:
            raise NotFound(str(exc)) from None
        await audit(uow.session, None, f"erase_client:{why}", f"client:{client_id}", now)
    return done


async def apply_retention(services: Services) -> int:
    """Erase the personal data of clients with no activity for ``RETENTION_YEARS``."""
    years = services.settings.retention_years
    if not years:
        return 0
    now = services.clock.now()
    leap_day = now.month == 2 and now.day == 29
    cutoff = now.replace(year=now.year - years, day=28 if leap_day else now.day)
    async with change(services) as uow:
        due = await rights.inactive_since(uow.session, cutoff)
        for client_id in due:
            await rights.erase_client(uow.session, client_id, now)
            await audit(uow.session, None, "erase_client:retention", f"client:{client_id}", now)
    if due:
        log.info("retention: erased the personal data of %d clients", len(due))
    return len(due)
