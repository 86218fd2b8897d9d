"""The service's figures for a period: the summary (API, command line, downloads) and the
dashboard's series. Every export is audited; the figures are for admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.actions.errors import Forbidden, Invalid
from bot.actions.unit import look, viewed
from bot.bootstrap import Services
from flows.model import StaffUser
from storage import queries, reports
from storage.tables import PracticeRow, StaffUserRow
from storage.unit import SqlUnit

MAX_DAYS = 366 * 5


@dataclass(frozen=True, slots=True)
class Chosen:
    """The period and what it is narrowed to, as a person gave them."""

    start: date
    end: date
    practice: str = ""
    pathway: str = ""
    worker: str = ""


@dataclass(frozen=True, slots=True)
class Dashboard:
    figures: dict[str, Any]
    weeks: list[tuple[date, dict[str, int]]]
    monthly: list[tuple[reports.Period, float | None, float | None]]
    practices: list[PracticeRow]
    staff: list[StaffUserRow]


def _allowed(user: StaffUser | None) -> None:
    if user is not None and not user.is_admin:
        # The figures cover every practice; a link worker's view is the queue.
        raise Forbidden("The service's figures are for admins.")


def _period(chosen: Chosen) -> reports.Period:
    if chosen.end < chosen.start:
        raise Invalid("to: on or after from.")
    if (chosen.end - chosen.start).days > MAX_DAYS:
        raise Invalid("to: at most five years after from.")
    return reports.Period(chosen.start, chosen.end)


async def _summary(
    uow: SqlUnit, services: Services, chosen: Chosen, period: reports.Period
) -> tuple[dict[str, Any], reports.Narrowing]:
    try:
        narrowing = await reports.narrowing(
            uow.session, chosen.practice, chosen.pathway, chosen.worker
        )
    except reports.BadNarrowing as exc:
        raise Invalid(str(exc)) from None
    index = await uow.directory.cache.index(uow.session)
    figures = await reports.summary(uow.session, period, services.settings.zone, index, narrowing)
    return figures, narrowing


async def export(
    services: Services, user: StaffUser | None, chosen: Chosen, how: str
) -> dict[str, Any]:
    """The summary, audited as exported ``how`` (by ``None``: the command line)."""
    _allowed(user)
    period = _period(chosen)
    async with viewed(services, user.id if user else None, how) as viewing:
        figures, _ = await _summary(viewing.uow, services, chosen, period)
        viewing.saw(f"report:{chosen.start}..{chosen.end}")
    return figures


async def dashboard(services: Services, user: StaffUser, chosen: Chosen) -> Dashboard:
    """The summary with the series the dashboard charts, and its filters' choices."""
    _allowed(user)
    period, zone = _period(chosen), services.settings.zone
    async with look(services) as uow:
        figures, narrowing = await _summary(uow, services, chosen, period)
        return Dashboard(
            figures,
            await reports.weekly_referrals(uow.session, period, zone, narrowing),
            await reports.monthly_rates(uow.session, period, zone, narrowing),
            await queries.all_practices(uow.session),
            [u for u, _ in await queries.all_staff(uow.session)],
        )
