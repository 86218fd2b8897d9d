"""Wellbeing questionnaires taken in a session and recorded by staff."""

from __future__ import annotations

import json

from bot.actions import commands
from bot.actions.clients import visible
from bot.actions.errors import Invalid
from bot.actions.unit import change
from bot.bootstrap import Services
from flows.model import StaffUser
from flows.questionnaires import InvalidAnswers, score
from storage.audit import audit
from storage.tables import ScoreRow


async def record(
    services: Services, user: StaffUser, client_id: int | None, body: commands.Score
) -> ScoreRow:
    known = services.settings.questionnaires
    questionnaire = known.get(body.instrument.lower())
    if questionnaire is None:
        raise Invalid(f"instrument: one of {', '.join(sorted(known))}.")
    try:
        scored = score(questionnaire, body.answers)
    except InvalidAnswers as exc:
        raise Invalid(str(exc)) from None
    now = services.clock.now()
    taken_at = body.taken_at or now
    if taken_at > now:
        raise Invalid("taken_at: not in the future.")
    async with change(services) as uow:
        client = await visible(uow, user, client_id)
        assert client.id is not None
        row = ScoreRow(
            client_id=client.id,
            instrument=questionnaire.instrument,
            answers=json.dumps(body.answers),
            raw=scored.raw,
            metric=scored.metric,
            via="session",
            recorded_by=user.id,
            taken_at=taken_at,
            created_at=now,
        )
        uow.session.add(row)
        await uow.session.flush()
        await audit(uow.session, user.id, "record_score", f"client:{client.id}", now)
        return row
