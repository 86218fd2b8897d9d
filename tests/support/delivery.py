"""Queue outgoing messages of every kind, run the outbox through fake time, and account for
every message afterwards: sent once, or failed past its deadline with a case for a person."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from flows.delivery import HANDED_OVER, Delivery
from flows.messages import Address, OutgoingDraft, Priority
from storage import claims
from storage.tables import CaseRow, MessageRow, ReferralRow
from storage.unit import SqlUnit
from tests.conftest import Bot

# (kind, priority, deadline from when it is written, or None for DELIVERY_DEADLINE)
KINDS: list[tuple[str, Priority, timedelta | None]] = [
    ("crisis", Priority.CRISIS, None),
    ("acknowledge", Priority.REPLY, None),
    ("staff_reply", Priority.REPLY, None),
    ("reminder", Priority.SCHEDULED, timedelta(minutes=50)),  # a session this morning
    ("reminder", Priority.SCHEDULED, timedelta(hours=5)),
    ("reminder", Priority.SCHEDULED, timedelta(days=2)),
    ("check_in", Priority.SCHEDULED, timedelta(days=3)),
    ("campaign", Priority.BULK, timedelta(days=3)),
    ("confirmation", Priority.SCHEDULED, None),
    ("referrer_update", Priority.REPLY, None),
]


@dataclass
class Tally:
    """What became of the messages: the figures a fault test prints."""

    sent: int = 0
    failed_with_case: int = 0
    duplicated: int = 0
    kinds_failed: Counter[str] = field(default_factory=Counter)

    def line(self, fault: str) -> str:
        return (
            f"{fault}: {self.sent} sent, {self.failed_with_case} failed with a case, "
            f"{self.duplicated} duplicated"
        )


async def queue_every_kind(bot: Bot, count: int) -> None:
    """``count`` messages, cycling through every kind, each to its own person."""
    now = bot.clock.now()
    async with bot.services.db.write() as session:
        uow = SqlUnit(session, bot.services.directory, bot.services.calendar)
        for n in range(count):
            kind, priority, within = KINDS[n % len(KINDS)]
            phone = f"+4477009{n:05d}"
            client = await uow.clients.add(Address(f"tel:{phone}"), phone, now)
            referral_id = None
            if kind == "referrer_update":
                referral_id = await _referral(uow.session, client.id, now)
            await uow.messages.add_outgoing(
                OutgoingDraft(
                    None if referral_id else client.id,
                    Address(f"tel:{phone}"),
                    f"Message {n} ({kind})",
                    kind,
                    priority,
                    now,
                    allowed_when_opted_out=kind == "crisis",
                    expires_at=now + within if within else None,
                    referral_id=referral_id,
                )
            )


async def _referral(session: AsyncSession, client_id: int, now: datetime) -> int:
    row = ReferralRow(
        client_id=client_id,
        source="professional",
        status="received",
        reference=f"R{client_id:06d}",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def claim_as(
    bot: Bot, claim: str, *, limit: int = 10, lease: timedelta = timedelta(seconds=60)
) -> list[claims.Claimed]:
    """Claim what is due as a sender named ``claim`` would, and do nothing more with it (a
    sender that dies, or one that is about to record a result by hand)."""
    async with bot.services.db.write() as session:
        taken = await claims.claim_due(
            session,
            bot.clock.now(),
            window_open=True,
            limit=limit,
            lease=lease,
            claim=claim,
            deadline=bot.services.settings.delivery_deadline_delta,
        )
    return taken.messages


async def run_for(bot: Bot, duration: timedelta, step: timedelta) -> None:
    """The outbox as it runs in production, with time moving by ``step`` between passes."""
    end = bot.clock.now() + duration
    while bot.clock.now() < end:
        await bot.services.outbox.send_due()
        bot.clock.advance(step)
    await bot.services.outbox.send_due()


async def unsent(bot: Bot) -> int:
    async with bot.services.db.read() as session:
        rows = await session.execute(
            select(MessageRow.id).where(
                MessageRow.direction == "out",
                col(MessageRow.status).in_((Delivery.PENDING.value, Delivery.SENDING.value)),
            )
        )
        return len(list(rows))


async def drain(bot: Bot, *, within: timedelta = timedelta(hours=12)) -> None:
    """Run until nothing is waiting (at most ``within`` of fake time)."""
    end = bot.clock.now() + within
    while await unsent(bot) and bot.clock.now() < end:
        await bot.services.outbox.send_due()
        bot.clock.advance(timedelta(minutes=1))
    assert await unsent(bot) == 0


async def account(bot: Bot, sent: list[tuple[str, str]], in_flight: set[str]) -> Tally:
    """Check every outgoing message: handed over and sent exactly once (more only if one of
    its sends was in flight when a fault hit: ``in_flight`` bodies), or failed and a case
    open for a person about its client. ``sent``: (to, body) of every send the provider saw."""
    copies = Counter(sent)
    tally = Tally()
    async with bot.services.db.read() as session:
        rows = list(
            (
                await session.execute(select(MessageRow).where(MessageRow.direction == "out"))
            ).scalars()
        )
        open_cases = {
            case.client_id: case
            for case in (
                await session.execute(select(CaseRow).where(CaseRow.status == "open"))
            ).scalars()
        }
        referral_clients = {
            referral_id: client_id
            for referral_id, client_id in await session.execute(
                select(ReferralRow.id, ReferralRow.client_id)
            )
        }
    for row in rows:
        key = (row.address.removeprefix("tel:"), row.text)
        if Delivery.of(row.status) in HANDED_OVER:
            assert copies[key] >= 1, f"{row.kind} recorded as sent but never sent"
            assert copies[key] == 1 or row.text in in_flight, f"{row.text} sent {copies[key]}x"
            tally.sent += 1
            tally.duplicated += copies[key] - 1
            continue
        assert row.status == Delivery.FAILED.value, f"{row.text}: {row.status}"
        assert copies[key] == 0, f"{row.text} failed but was sent"
        client_id = row.client_id or referral_clients.get(row.referral_id or 0)
        case = open_cases.get(client_id)
        assert case is not None, f"{row.text} failed with no case"
        if row.priority == Priority.CRISIS:
            assert case.priority == "urgent"
        tally.failed_with_case += 1
        tally.kinds_failed[row.kind] += 1
    return tally
