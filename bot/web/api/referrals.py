"""``POST /api/v1/referrals``: referrals from GPs, nurses, social care and hospital staff."""

from __future__ import annotations

from aiohttp import web

from bot.actions import commands, referrals
from bot.web.api.base import PREFIX, body, user
from bot.web.http import services_of


async def create_referral(request: web.Request) -> web.Response:
    referral = await body(request, commands.Referral)
    accepted = await referrals.refer(services_of(request), user(request), referral)
    made = {
        "id": str(accepted.referral_id),
        "reference": accepted.reference,
        "client_id": str(accepted.client_id),
        "case_id": str(accepted.case_id),
    }
    return web.json_response(made, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/referrals", create_referral)
