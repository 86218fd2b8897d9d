"""Follow-up campaigns: a dry run (who it would reach, who is left out and why, what they get),
scheduling, reading one or a page of them, and pausing, resuming or cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import col, select

from bot.actions import commands
from bot.actions.errors import Invalid, NotFound
from bot.actions.unit import change, look, viewed
from bot.bootstrap import Services
from flows import texts
from flows.campaigns import CohortError, parse_cohort
from flows.engine.check_ins import CHECK_IN_FLOW
from flows.model import StaffUser
from storage import access, campaigns
from storage.audit import audit as record
from storage.tables import CampaignRow
from storage.unit import SqlUnit

BOOK_AHEAD = timedelta(days=366)
PAGE = 50


@dataclass(frozen=True, slots=True)
class DryRun:
    eligible: int
    excluded: dict[str, int]
    text: str
    send_at: datetime


@dataclass(frozen=True, slots=True)
class CampaignView:
    row: CampaignRow
    status: str  # as people read it: scheduled, sending, paused, cancelled or finished
    text: str  # what the clients get
    figures: dict[str, int]


def _checked(services: Services, body: commands.Campaign, now: datetime) -> None:
    if (body.message is None) == (body.flow is None):
        raise Invalid('message: give a message, or flow: "check_in", not both.')
    if body.message is None and body.flow != CHECK_IN_FLOW:
        raise Invalid("flow: the one flow a campaign can start is check_in.")
    today = now.astimezone(services.settings.zone).date()
    if body.send_on < today or body.send_on > today + BOOK_AHEAD:
        raise Invalid("send_on: today or a date in the coming year.")


async def plan(
    services: Services, user: StaffUser, body: commands.Campaign
) -> DryRun | CampaignView:
    """The dry run, or, unless ``dry_run``, the campaign scheduled for the cohort as it is now."""
    settings, now = services.settings, services.clock.now()
    _checked(services, body, now)
    text = body.message or texts.FU_CHECK_IN.format(service=settings.service_name)
    opening = datetime.combine(body.send_on, time(), tzinfo=settings.zone)
    send_at = settings.window.next_opening(max(opening, now))
    async with look(services) if body.dry_run else change(services) as uow:
        try:
            cohort = parse_cohort(body.cohort, await uow.practices.all())
        except CohortError as exc:
            raise Invalid(str(exc)) from None
        if not all(access.may_reach(user, p) for p in cohort.practice_ids):
            raise Invalid("cohort.practice: only your own practices.")
        audience = access.reachable_clients(user)
        found = await campaigns.reach(uow.session, cohort, now, settings.zone, audience)
        if body.dry_run:
            return DryRun(len(found.eligible), found.excluded, text, send_at)
        row = await campaigns.create(
            uow.session,
            name=body.name,
            cohort=body.cohort,
            message=body.message,
            flow=None if body.message else CHECK_IN_FLOW,
            send_on=body.send_on.isoformat(),
            send_at=send_at,
            clients=found.eligible,
            per_second=settings.twilio_max_rate,
            window=settings.window,
            by=user.id,
            now=now,
        )
        await record(uow.session, user.id, "create_campaign", f"campaign:{row.id}", now)
        return await _view(uow, services, row, now)


async def _view(uow: SqlUnit, services: Services, row: CampaignRow, now: datetime) -> CampaignView:
    assert row.id is not None
    figures = await campaigns.counts(uow.session, row.id)
    status = row.status
    if status == "scheduled":
        if figures["waiting"] == 0:
            status = "finished"
        elif now >= row.send_at:
            status = "sending"
    text = row.message or texts.FU_CHECK_IN.format(service=services.settings.service_name)
    return CampaignView(row, status, text, figures)


async def _found(uow: SqlUnit, user: StaffUser, campaign_id: int | None) -> CampaignRow:
    row = await access.campaign(uow.session, user, campaign_id)
    if row is None:
        raise NotFound("There is no such campaign.")
    return row


async def get(
    services: Services, user: StaffUser, campaign_id: int | None, *, audit: bool = False
) -> CampaignView:
    """One campaign with its figures; the staff page's viewing of it is audited."""
    now = services.clock.now()
    async with viewed(services, user.id, "view_campaign") as viewing:
        row = await _found(viewing.uow, user, campaign_id)
        shown = await _view(viewing.uow, services, row, now)
        if audit:
            viewing.saw(f"campaign:{row.id}")
    return shown


async def page(services: Services, user: StaffUser, before: str) -> tuple[list[CampaignView], bool]:
    """Newest first, those the user may see; whether there are more before the last."""
    stmt: Any = select(CampaignRow).where(access.visible_campaigns(user))
    if before:
        if not (before.isascii() and before.isdigit() and len(before) <= 18):
            raise Invalid("before: the next value from the previous page.")
        stmt = stmt.where(col(CampaignRow.id) < int(before))
    stmt = stmt.order_by(col(CampaignRow.id).desc()).limit(PAGE + 1)
    now = services.clock.now()
    async with look(services) as uow:
        rows = list((await uow.session.execute(stmt)).scalars())
        views = [await _view(uow, services, row, now) for row in rows[:PAGE]]
    return views, len(rows) > PAGE


async def change_status(
    services: Services, user: StaffUser, campaign_id: int | None, status: str
) -> CampaignView:
    """``paused``, ``scheduled`` (resume) or ``cancelled``."""
    now = services.clock.now()
    async with change(services) as uow:
        row = await _found(uow, user, campaign_id)
        if row.status == "cancelled":
            raise Invalid("status: the campaign is cancelled.")
        if status == "scheduled" and row.status != "paused":
            raise Invalid("status: only a paused campaign can resume.")
        await campaigns.set_status(
            uow.session,
            row,
            status,
            now,
            per_second=services.settings.twilio_max_rate,
            window=services.settings.window,
        )
        await record(uow.session, user.id, f"campaign_{status}", f"campaign:{row.id}", now)
        return await _view(uow, services, row, now)
