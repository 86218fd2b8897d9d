"""``GET /api/v1/services?need=&text=&area=``: searching the services directory, a page at a
time, best match first (need, then words, then nearness to the area)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web.api import PREFIX, ApiError
from bot.web.keys import SERVICES
from flows.needs import need_codes_from_words
from services_directory.model import Address, Service
from services_directory.search import Hit

DEFAULT_PAGE, MAX_PAGE = 20, 100
MAX_QUERY = 200


def _address(address: Address | None) -> str | None:
    if address is None:
        return None
    return ", ".join(p for p in (address.address_1, address.city, address.postal_code) if p)


def service_json(service: Service, needs: frozenset[str] | None = None) -> dict[str, Any]:
    """The parts of a service a link worker or a client needs, in brief."""
    location = next((loc for loc in service.locations if loc.address), None)
    address = location.address if location else None
    return {
        "id": service.id,
        "name": service.name,
        "description": service.description,
        "organization": service.organization.name if service.organization else None,
        "phone": service.phone,
        "email": service.email,
        "url": service.url,
        "address": _address(address),
        "schedule": next((s.description for s in service.schedules if s.description), None),
        "free": service.is_free,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "active": service.active,
        "needs": sorted(needs) if needs is not None else None,
    }


async def find(request: web.Request, *, needs: list[str], text: str, area: str) -> list[Hit]:
    """Every matching active service, ranked."""
    async with request.app[SERVICES].db.read() as session:
        index = await request.app[SERVICES].directory.index(session)
    return index.search(needs=needs, text=text, area=area)


async def list_services(request: web.Request) -> web.Response:
    query = request.query
    words = [w.strip() for w in query.getall("need", []) for w in w.split(",") if w.strip()]
    needs, unknown = need_codes_from_words(words)
    if unknown:
        raise ApiError(422, "invalid", f"need: {unknown[0][:40]!r} is not a need we know.")
    text, area = query.get("text", "").strip(), query.get("area", "").strip()
    if len(text) > MAX_QUERY or len(area) > MAX_QUERY:
        raise ApiError(422, "invalid", f"text, area: at most {MAX_QUERY} characters.")
    limit_text, cursor = query.get("limit", str(DEFAULT_PAGE)), query.get("cursor", "0")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_PAGE:
        raise ApiError(422, "invalid", f"limit: a whole number from 1 to {MAX_PAGE}.")
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 9:
        raise ApiError(422, "invalid", "cursor: the next value from the previous page.")
    start, limit = int(cursor), int(limit_text)
    hits = await find(request, needs=needs, text=text, area=area)
    page = hits[start : start + limit]
    more = start + limit < len(hits)
    return web.json_response(
        {
            "items": [service_json(h.service, h.needs) for h in page],
            "total": len(hits),
            "next": str(start + limit) if more else None,
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/services", list_services)
