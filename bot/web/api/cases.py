"""``/api/v1/cases``: the queue, one case with the client's conversation, and claiming,
replying to and closing a case."""

from __future__ import annotations

from aiohttp import web

from bot.actions import cases, commands
from bot.web.api.base import PREFIX, body, limit, path_id, user
from bot.web.api.render import case_event_json, case_json, client_json, message_json
from bot.web.http import services_of


async def list_cases(request: web.Request) -> web.Response:
    lines, following = await cases.queue(
        services_of(request),
        user(request),
        request.query.get("status", "open"),
        limit(request),
        request.query.get("cursor"),
    )
    return web.json_response({"items": [case_json(line) for line in lines], "next": following})


async def get_case(request: web.Request) -> web.Response:
    view = await cases.view(services_of(request), user(request), path_id(request))
    answer = case_json(view.line)
    answer["client"] = client_json(view.client)
    answer["messages"] = [message_json(m) for m in view.client.messages]
    answer["history"] = [case_event_json(e) for e in view.history]
    return web.json_response(answer)


async def claim_case(request: web.Request) -> web.Response:
    line = await cases.assign(services_of(request), user(request), path_id(request))
    return web.json_response(case_json(line))


async def reply_case(request: web.Request) -> web.Response:
    reply = await body(request, commands.Reply)
    message = await cases.reply(services_of(request), user(request), path_id(request), reply)
    return web.json_response(message_json(message), status=201)


async def close_case(request: web.Request) -> web.Response:
    close = await body(request, commands.Close)
    line = await cases.close(services_of(request), user(request), path_id(request), close)
    return web.json_response(case_json(line))


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(f"{PREFIX}/cases", list_cases)
    r.add_get(f"{PREFIX}/cases/{{id}}", get_case)
    r.add_post(f"{PREFIX}/cases/{{id}}/claim", claim_case)
    r.add_post(f"{PREFIX}/cases/{{id}}/reply", reply_case)
    r.add_post(f"{PREFIX}/cases/{{id}}/close", close_case)
