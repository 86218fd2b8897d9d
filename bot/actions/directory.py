"""The services directory: searching it, and importing or exporting an Open Referral UK
dataset."""

from __future__ import annotations

from pathlib import Path

from bot.actions.errors import Invalid
from bot.actions.unit import change, look
from bot.bootstrap import Services
from flows.needs import need_codes_from_words
from services_directory.export import write_json
from services_directory.readers import ReadResult, read_path
from services_directory.search import Hit
from storage import directory

MAX_QUERY = 200


async def search(services: Services, needs: list[str], text: str, area: str) -> list[Hit]:
    """Every matching active service, ranked: needs met first, then words, then nearness."""
    codes, unknown = need_codes_from_words(needs)
    if unknown:
        raise Invalid(f"need: {unknown[0][:40]!r} is not a need we know.")
    if len(text) > MAX_QUERY or len(area) > MAX_QUERY:
        raise Invalid(f"text, area: at most {MAX_QUERY} characters.")
    async with look(services) as uow:
        index = await services.directory.index(uow.session)
    return index.search(needs=codes, text=text, area=area)


def read_file(path: Path) -> ReadResult:
    """Read a whole dataset first: a bad row is listed and never stops the rest. A file that
    cannot be read at all raises ``DirectoryFileError``, naming it."""
    return read_path(path)


async def save(services: Services, found: ReadResult, source: str) -> directory.SaveCounts:
    """Add or update every service read; the source's others become inactive."""
    async with change(services) as uow:
        return await directory.save_services(
            uow.session, found.services, source, services.clock.now()
        )


async def export_file(services: Services, path: Path, *, everything: bool) -> int:
    """Write the directory as Open Referral UK 3.0 JSON; how many services were written."""
    async with look(services) as uow:
        found = await directory.all_services(uow.session, active_only=not everything)
    write_json(found, path)
    return len(found)
