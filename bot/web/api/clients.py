"""``/api/v1/clients``: finding a client by phone or Telegram chat, and one client's record."""

from __future__ import annotations

from aiohttp import web

from bot.actions import clients
from bot.web.api.base import PREFIX, path_id, user
from bot.web.api.render import client_json
from bot.web.http import services_of


async def find_clients(request: web.Request) -> web.Response:
    query = request.query
    found = await clients.find(
        services_of(request), user(request), query.get("phone"), query.get("telegram_chat_id")
    )
    return web.json_response({"items": [client_json(r) for r in found], "next": None})


async def get_client(request: web.Request) -> web.Response:
    record = await clients.view(services_of(request), user(request), path_id(request))
    return web.json_response(client_json(record))


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/clients", find_clients)
    app.router.add_get(f"{PREFIX}/clients/{{id}}", get_client)
