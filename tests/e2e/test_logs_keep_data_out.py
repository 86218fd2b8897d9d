"""No phone number, name or message text reaches the log, even when the database fails on a
message that holds them and the error quotes the row (bot/logs.py, storage/db.py, and the
inbound spool's reasons: a class name only, bot/actions/inbound.py)."""

from __future__ import annotations

import io
import logging
import traceback
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bot import logs
from bot.actions.unit import change
from bot.channels import sms
from flows import engine
from storage.tables import InboundSpoolRow
from tests.conftest import Bot

PHONE = "+447700900123"
# A risk phrase, a name and a second number, as a person in trouble might write them.
WORDS = "I want to kill myself. This is Margaret Oduya, ring my sister on 07700 900456"
SECRETS = ("7700900123", "900 123", "kill myself", "Margaret", "Oduya", "900456", "sister")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The product's own log set-up, writing to a buffer; the test's handlers come back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    logs.setup("INFO", buffer)
    yield buffer
    root.handlers[:] = handlers
    root.setLevel(level)


async def _refuse_messages(bot: Bot) -> None:
    """A trigger that fails every new message row with an error quoting the row's text."""
    async with bot.services.db.write() as session:
        if bot.services.db.is_sqlite:
            # SQLite's RAISE takes a fixed message; the leak there would be the bound values.
            await session.execute(
                sa.text(
                    "CREATE TRIGGER refuse_messages BEFORE INSERT ON message "
                    "BEGIN SELECT RAISE(ABORT, 'message refused'); END"
                )
            )
        else:
            await session.execute(
                sa.text(
                    "CREATE FUNCTION refuse_message() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'message refused: % from %', NEW.text, NEW.client_id "
                    "USING DETAIL = NEW.text; END $$ LANGUAGE plpgsql"
                )
            )
            await session.execute(
                sa.text(
                    "CREATE TRIGGER refuse_messages BEFORE INSERT ON message "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_message()"
                )
            )


async def _refuse_spooling(bot: Bot) -> None:
    """A trigger that fails every row kept in the inbound spool too."""
    async with bot.services.db.write() as session:
        if bot.services.db.is_sqlite:
            await session.execute(
                sa.text(
                    "CREATE TRIGGER refuse_spooling BEFORE INSERT ON inbound_spool "
                    "BEGIN SELECT RAISE(ABORT, 'spooling refused'); END"
                )
            )
        else:
            await session.execute(
                sa.text(
                    "CREATE TRIGGER refuse_spooling BEFORE INSERT ON inbound_spool "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_message()"
                )
            )


def _no_secrets(written: str) -> None:
    for secret in SECRETS:
        assert secret not in written, f"{secret!r} reached the log:\n{written}"


async def test_a_database_error_on_a_risk_message_logs_no_number_name_or_words(
    bot: Bot, log_lines: io.StringIO
) -> None:
    """The message is kept in the inbound spool and the log says so, naming the error's class,
    but nothing the person wrote or their number is in any line, nor in the reason kept."""
    await _refuse_messages(bot)
    response = await bot.webhooks.sms(PHONE, WORDS)
    assert response.status == 200
    written = log_lines.getvalue()
    assert "kept in the spool" in written, written  # the failure is in the log...
    _no_secrets(written)  # ...and nothing of the person is
    async with bot.services.db.read() as session:
        reasons = list((await session.execute(sa.select(InboundSpoolRow.error))).scalars())
    assert len(reasons) == 1
    _no_secrets(str(reasons))


async def test_when_the_spool_fails_too_the_log_still_holds_nothing_of_the_person(
    bot: Bot, log_lines: io.StringIO
) -> None:
    await _refuse_messages(bot)
    await _refuse_spooling(bot)
    response = await bot.webhooks.sms(PHONE, WORDS)
    assert response.status == 503
    written = log_lines.getvalue()
    assert "could not be handled" in written, written
    _no_secrets(written)


async def test_without_the_redaction_the_same_error_would_leak(bot: Bot) -> None:
    """The error the database raises really does quote what the person wrote, so the tests
    above can fail: formatted the standard way, the exception holds their words or their
    number."""
    await _refuse_messages(bot)
    inbound = sms.to_inbound(
        {"From": PHONE, "Body": WORDS, "MessageSid": "SM" + "c" * 32}, bot.clock.now()
    )
    with pytest.raises(sa.exc.DBAPIError) as raised:
        async with change(bot.services) as uow:
            await engine.handle_inbound(
                uow, inbound, bot.services.settings.service, bot.clock.now()
            )
    raw = "".join(traceback.format_exception(raised.value))
    if bot.services.db.is_sqlite:
        assert "INSERT INTO message" in raw and "message refused" in raw
    else:
        assert "kill myself" in raw
