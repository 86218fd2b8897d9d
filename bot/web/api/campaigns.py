"""``/api/v1/campaigns``: follow-up campaigns for a cohort, with a dry run, counts, pause,
resume and cancel."""

from __future__ import annotations

from aiohttp import web

from bot.actions import campaigns, commands
from bot.web.api.base import PREFIX, body, path_id, user
from bot.web.api.render import campaign_json, dry_run_json
from bot.web.http import Handler, services_of


async def create(request: web.Request) -> web.Response:
    planned = await campaigns.plan(
        services_of(request), user(request), await body(request, commands.Campaign)
    )
    if isinstance(planned, campaigns.DryRun):
        return web.json_response(dry_run_json(planned))
    return web.json_response(campaign_json(planned), status=201)


async def get(request: web.Request) -> web.Response:
    view = await campaigns.get(services_of(request), user(request), path_id(request))
    return web.json_response(campaign_json(view))


async def list_campaigns(request: web.Request) -> web.Response:
    """Newest first; ``next`` is the id to pass as ``?before=`` for the next page."""
    views, more = await campaigns.page(
        services_of(request), user(request), request.query.get("before", "")
    )
    items = [campaign_json(v) for v in views]
    return web.json_response({"items": items, "next": items[-1]["id"] if more else None})


def _change(status: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        view = await campaigns.change_status(
            services_of(request), user(request), path_id(request), status
        )
        return web.json_response(campaign_json(view))

    return handler


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post(f"{PREFIX}/campaigns", create)
    r.add_get(f"{PREFIX}/campaigns", list_campaigns)
    r.add_get(f"{PREFIX}/campaigns/{{id}}", get)
    r.add_post(f"{PREFIX}/campaigns/{{id}}/pause", _change("paused"))
    r.add_post(f"{PREFIX}/campaigns/{{id}}/resume", _change("scheduled"))
    r.add_post(f"{PREFIX}/campaigns/{{id}}/cancel", _change("cancelled"))
