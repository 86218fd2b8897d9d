"""``GET /api/v1/services?need=&text=&area=``: searching the services directory, a page at a
time, best match first (need, then words, then nearness to the area)."""

from __future__ import annotations

from aiohttp import web

from bot.actions import directory
from bot.actions.errors import Invalid
from bot.web.api.base import PREFIX, limit
from bot.web.api.render import hit_json
from bot.web.http import services_of

DEFAULT_PAGE, MAX_PAGE = 20, 100


async def list_services(request: web.Request) -> web.Response:
    query = request.query
    needs = [w.strip() for w in query.getall("need", []) for w in w.split(",") if w.strip()]
    text, area = query.get("text", "").strip(), query.get("area", "").strip()
    size, cursor = limit(request, DEFAULT_PAGE), query.get("cursor", "0")
    hits = await directory.search(services_of(request), needs, text, area)
    if not 1 <= size <= MAX_PAGE:
        raise Invalid(f"limit: a whole number from 1 to {MAX_PAGE}.")
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 9:
        raise Invalid("cursor: the next value from the previous page.")
    start = int(cursor)
    more = start + size < len(hits)
    return web.json_response(
        {
            "items": [hit_json(h) for h in hits[start : start + size]],
            "total": len(hits),
            "next": str(start + size) if more else None,
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/services", list_services)
