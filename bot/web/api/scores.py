"""``POST /api/v1/clients/{id}/scores``: a wellbeing questionnaire taken in a session."""

from __future__ import annotations

from aiohttp import web

from bot.actions import commands, scores
from bot.web.api.base import PREFIX, body, path_id, user
from bot.web.api.render import score_json
from bot.web.http import services_of


async def record(request: web.Request) -> web.Response:
    score = await body(request, commands.Score)
    row = await scores.record(services_of(request), user(request), path_id(request), score)
    return web.json_response(score_json(row), status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/clients/{{id}}/scores", record)
