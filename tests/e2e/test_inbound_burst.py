"""A burst of messages on SQLite: more arrive than the database can take at once. Ordinary ones
are kept in the inbound spool and answered at once, then handled in the order they came, each
once; a message that suggests a risk of harm is never kept back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import sqlalchemy as sa

from bot.actions.inbound import BURST_REASON, BURST_WAITING, drain_backlog
from tests.conftest import Bot

# Writers queue in the process only on SQLite; PostgreSQL has no such queue to be behind.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@asynccontextmanager
async def _database_busy(bot: Bot) -> AsyncIterator[None]:
    """Another write holds the database for the length of the block."""
    holding, let_go = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with bot.services.db.write():
            holding.set()
            await let_go.wait()

    held = asyncio.create_task(hold())
    await holding.wait()
    try:
        yield
    finally:
        let_go.set()
        await held


async def _scalar(bot: Bot, query: str, **values: str) -> object:
    async with bot.services.db.read() as session:
        return (await session.execute(sa.text(query), values)).scalar()


async def _messages_of(bot: Bot, phone: str) -> object:
    return await _scalar(bot, "SELECT count(*) FROM message WHERE address = :a", a=f"tel:{phone}")


async def _drain(bot: Bot) -> None:
    """What ``linkbot serve`` runs beside the outbox, until it has caught up."""
    stop = asyncio.Event()
    draining = asyncio.create_task(drain_backlog(bot.services, stop))
    async with asyncio.timeout(30):
        while bot.services.inbound_backlog.behind:  # noqa: ASYNC110  (set by the drain task)
            await asyncio.sleep(0.01)
    stop.set()
    await draining
    await bot.services.outbox.send_due()


async def _until_waiting(bot: Bot, writes: int) -> None:
    while bot.services.db.writes_waiting() < writes:  # noqa: ASYNC110  (webhooks in other tasks)
        await asyncio.sleep(0.01)


async def _queue_full(bot: Bot) -> list[asyncio.Task[object]]:
    """``BURST_WAITING`` people's texts waiting for the busy database: the queue is full."""
    people = [_phone(n) for n in range(BURST_WAITING)]
    waiting = [asyncio.create_task(bot.webhooks.sms(p, "Hello")) for p in people]
    await _until_waiting(bot, BURST_WAITING)
    return waiting


def _phone(n: int) -> str:
    return f"+4477009007{n:02d}"


async def test_a_burst_is_kept_answered_first_then_each_message_handled_once(bot: Bot) -> None:
    """Past ``BURST_WAITING`` writes waiting, a message is kept in the spool, which is quick
    and goes first: it is answered before those waiting to be handled in full."""
    people = [_phone(n) for n in range(BURST_WAITING + 8)]
    answered: list[str] = []

    async def text(phone: str) -> int:
        response = await bot.webhooks.sms(phone, "Hello")
        answered.append(phone)
        return int(response.status)

    async with _database_busy(bot):
        first = [asyncio.create_task(text(p)) for p in people[:BURST_WAITING]]
        await _until_waiting(bot, BURST_WAITING)
        later = [asyncio.create_task(text(p)) for p in people[BURST_WAITING:]]
        await _until_waiting(bot, len(people))
    assert await asyncio.gather(*first, *later) == [200] * len(people)
    assert set(answered[: len(later)]) == set(people[BURST_WAITING:])  # kept: answered first
    kept = await _scalar(
        bot, "SELECT count(*) FROM inbound_spool WHERE error = :why", why=BURST_REASON
    )
    assert kept == len(people) - BURST_WAITING

    await _drain(bot)
    for phone in people:
        assert len(bot.twilio.to(phone)) == 1, phone  # one welcome each
    assert await _scalar(bot, "SELECT count(*) FROM message WHERE direction = 'in'") == len(people)
    assert await _scalar(bot, "SELECT count(*) FROM inbound_spool WHERE status != 'done'") == 0


async def test_while_behind_a_persons_next_message_waits_behind_their_kept_one(bot: Bot) -> None:
    """Once one of a person's messages is kept, the next ones are kept too until the backlog
    has been handled, so none overtakes it."""
    async with _database_busy(bot):
        first = await _queue_full(bot)
        kept = asyncio.create_task(bot.webhooks.sms(_phone(90), "Hello"))
        await _until_waiting(bot, BURST_WAITING + 1)
    assert (await kept).status == 200
    await asyncio.gather(*first)
    assert bot.services.db.writes_waiting() == 0
    assert (await bot.webhooks.sms(_phone(90), "3")).status == 200  # quiet now, yet still behind
    assert await _messages_of(bot, _phone(90)) == 0
    await _drain(bot)
    async with bot.services.db.read() as session:
        said = (
            await session.execute(
                sa.text(
                    "SELECT text FROM message WHERE direction = 'in' "
                    "AND address = 'tel:+447700900790' ORDER BY id"
                )
            )
        ).scalars()
        assert list(said) == ["Hello", "3"]
    assert not bot.services.inbound_backlog.behind
    # Caught up: the next message is handled at once again.
    await bot.webhooks.sms(_phone(91), "Hello")
    assert await _messages_of(bot, _phone(91)) == 2


async def test_a_crisis_message_in_a_burst_is_never_kept_back(bot: Bot) -> None:
    async with _database_busy(bot):
        first = await _queue_full(bot)
        kept = asyncio.create_task(bot.webhooks.sms(_phone(92), "Hello"))
        crisis = asyncio.create_task(bot.webhooks.sms(_phone(93), "I want to end my life"))
        await _until_waiting(bot, BURST_WAITING + 2)
    assert (await kept).status == 200 and (await crisis).status == 200
    await asyncio.gather(*first)
    await bot.services.outbox.send_due()
    [contacts] = bot.twilio.to(_phone(93))  # handled at once, not kept: before any drain
    assert "999" in contacts
    assert await _scalar(bot, "SELECT count(*) FROM inbound_spool WHERE status = 'pending'") == 1
