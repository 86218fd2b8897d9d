"""No phone number, name or message text reaches the log, even when the database fails on a
message that holds them and the error quotes the row (bot/logs.py, storage/db.py)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bot import logs
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


async def test_a_database_error_on_a_risk_message_logs_no_number_name_or_words(
    bot: Bot, log_lines: io.StringIO
) -> None:
    """The webhook fails and says so in the log, with its traceback, but nothing the person
    wrote or their number is in any line."""
    await _refuse_messages(bot)
    response = await bot.webhooks.sms(PHONE, WORDS)
    assert response.status == 500
    written = log_lines.getvalue()
    assert "Traceback" in written, written  # the failure is in the log...
    assert "hidden" in written
    for secret in SECRETS:  # ...and nothing of the person is
        assert secret not in written, f"{secret!r} reached the log:\n{written}"


async def test_without_the_redaction_the_same_error_would_leak(bot: Bot) -> None:
    """The error the database raises really does quote what the person wrote, so the test above
    can fail: formatted the standard way, the exception holds their words or their number."""
    await _refuse_messages(bot)
    seen = io.StringIO()
    handler = logging.StreamHandler(seen)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        response = await bot.webhooks.sms(PHONE, WORDS)
    finally:
        root.removeHandler(handler)
    assert response.status == 500
    raw = seen.getvalue()
    if bot.services.db.is_sqlite:
        assert "INSERT INTO message" in raw and "message refused" in raw
    else:
        assert "kill myself" in raw
