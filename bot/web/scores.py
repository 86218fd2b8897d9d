"""``POST /api/v1/clients/{id}/scores``: a wellbeing questionnaire taken in a session."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.bootstrap import Services
from bot.web.api import PREFIX, ApiError, _body, _path_id, _user, score_json
from bot.web.keys import SERVICES
from flows.model import StaffUser
from flows.questionnaires import InvalidAnswers, score
from storage import access
from storage.tables import ScoreRow
from storage.web_sessions import audit


def _taken_at(body: dict[str, Any], now: datetime) -> datetime:
    raw = body.get("taken_at")
    if raw is None:
        return now
    try:
        value = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(422, "invalid", "taken_at: an ISO 8601 time with an offset.")
    if value > now:
        raise ApiError(422, "invalid", "taken_at: not in the future.")
    return value


async def record_score(
    services: Services, user: StaffUser, client_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    """A questionnaire taken in a session, from the API or the staff web app."""
    known = services.settings.questionnaires
    instrument = body.get("instrument")
    if not isinstance(instrument, str) or instrument.lower() not in known:
        raise ApiError(422, "invalid", f"instrument: one of {', '.join(sorted(known))}.")
    questionnaire = known[instrument.lower()]
    answers = body.get("answers")
    if not isinstance(answers, list):
        raise ApiError(422, "invalid", f"answers: a list of {questionnaire.item_count} numbers.")
    try:
        scored = score(questionnaire, answers)
    except InvalidAnswers as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    now = services.clock.now()
    taken_at = _taken_at(body, now)
    async with services.db.write() as session:
        client = await access.client(session, user, client_id)
        if client is None:
            raise ApiError(404, "not_found", f"There is no client {client_id}.")
        row = ScoreRow(
            client_id=client_id,
            instrument=questionnaire.instrument,
            answers=json.dumps(answers),
            raw=scored.raw,
            metric=scored.metric,
            via="session",
            recorded_by=user.id,
            taken_at=taken_at,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        await audit(session, user.id, "record_score", f"client:{client_id}", now)
        return score_json(row)


async def record(request: web.Request) -> web.Response:
    body = await _body(request)
    result = await record_score(request.app[SERVICES], _user(request), _path_id(request), body)
    return web.json_response(result, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/clients/{{id}}/scores", record)
