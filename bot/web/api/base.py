"""What every API handler uses: who is calling, the body as a model, the path's id."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from bot.actions import commands
from bot.actions.errors import NotFound
from bot.web.http import parse_id
from flows.model import StaffUser

PREFIX = "/api/v1"
USER = web.RequestKey("api_user", StaffUser)
DEFAULT_PAGE = 50
M = TypeVar("M", bound=commands.Body)


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def user(request: web.Request) -> StaffUser:
    return request[USER]


async def body(request: web.Request, model: type[M]) -> M:
    return commands.parse(model, await request.read())


def path_id(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    found = parse_id(raw)
    if found is None:
        raise NotFound(f"There is nothing with the id {raw[:40]!r}.")
    return found


def limit(request: web.Request, default: int = DEFAULT_PAGE) -> int:
    """The page size asked for; the action says what it allows."""
    text = request.query.get("limit", str(default))
    return int(text) if text.isdigit() and len(text) <= 6 else -1
