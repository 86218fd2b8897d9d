"""Redaction of personal data and secrets in logs (bot/logs.py)."""

from __future__ import annotations

import logging
import sys

import pytest
import sqlalchemy.exc

from bot.logs import RedactingFilter, RedactingFormatter


def _filtered(msg: str, *args: object) -> str:
    record = logging.LogRecord("linkbot", logging.INFO, __file__, 1, msg, args or None, None)
    assert RedactingFilter().filter(record) is True
    return record.getMessage()


@pytest.mark.parametrize(
    ("msg", "args", "secret"),
    [
        ("sending to %s", ("+447700900123",), "7700900123"),
        ("inbound from %s", ("07700 900123",), "900123"),
        ("number +44 7700 900123 opted out", (), "900123"),
        ("caller (01942) 000000 rang", (), "000000"),
    ],
)
def test_phone_numbers_are_redacted(msg: str, args: tuple[object, ...], secret: str) -> None:
    """Phone numbers are personal data and must not reach the logs."""
    out = _filtered(msg, *args)
    assert secret not in out
    assert "[number]" in out


@pytest.mark.parametrize(
    ("msg", "secret"),
    [
        ("api token lb_AbCdEfGhIjKlMnOp_qR-sT created", "AbCdEfGhIjKlMnOp"),
        ("Authorization: Bearer xyz", "xyz"),
        ("header Bearer eyJhbGciOi.JIUzI1NiJ9.abc rejected", "eyJhbGciOi"),
        ("POST /bot123456:ABCdefGHIjklMNOpqrSTUvwx/sendMessage", "ABCdefGHIjklMNOpqrSTUvwx"),
    ],
)
def test_tokens_are_redacted(msg: str, secret: str) -> None:
    """Staff API tokens, bearer tokens and Telegram bot tokens are credentials."""
    out = _filtered(msg)
    assert secret not in out
    assert "[token]" in out


def test_a_real_length_telegram_bot_token_is_redacted() -> None:
    """Telegram bot ids are 8-10 digits; the secret after the colon must still be hidden."""
    secret = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    out = _filtered(f"https://api.telegram.org/bot1234567890:{secret}/sendMessage")
    assert secret not in out


def test_a_staff_token_containing_a_run_of_digits_is_fully_redacted() -> None:
    """token_urlsafe may produce digit runs; no part of the token may remain."""
    out = _filtered("token lb_Ab12345678901cdEFghIJ used")
    assert "cdEFghIJ" not in out
    assert "lb_Ab" not in out


def test_a_message_without_personal_data_is_left_alone() -> None:
    """Ordinary log lines keep their format arguments untouched."""
    record = logging.LogRecord("linkbot", logging.INFO, __file__, 1, "sent %d messages", (3,), None)
    RedactingFilter().filter(record)
    assert record.msg == "sent %d messages"
    assert record.args == (3,)
    assert record.getMessage() == "sent 3 messages"


def test_redaction_keeps_the_record_printable_after_args_are_merged() -> None:
    """After redaction the record has no args left, so formatting it again cannot fail."""
    record = logging.LogRecord(
        "linkbot", logging.INFO, __file__, 1, "to %s: %d%%", ("+447700900123", 5), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "to [number]: 5%"
    assert record.args is None


def _logged(exc: BaseException) -> str:
    """What the product's log prints for a failure raised as ``exc``."""
    try:
        raise exc
    except BaseException:
        record = logging.LogRecord(
            "linkbot", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    return RedactingFormatter("%(message)s").format(record)


def test_a_traceback_keeps_its_frames_but_not_what_the_exception_said() -> None:
    """An exception's words may quote a person's message: the traceback shows where it came
    from and its type, not its text."""
    out = _logged(ValueError("I want to end it all, Margaret, 07700 900123"))
    assert "Traceback" in out and "test_logs.py" in out and "ValueError" in out
    assert "end it all" not in out and "Margaret" not in out and "900123" not in out


def test_a_network_error_keeps_its_words_with_numbers_and_addresses_redacted() -> None:
    """A refused connection is about the machine, so it is shown, still redacted."""
    out = _logged(ConnectionRefusedError(111, "Connect call failed for ann@example.org"))
    assert "Connect call failed" in out
    assert "ann@example.org" not in out and "[email]" in out


def test_a_database_error_shows_its_statement_and_never_its_values() -> None:
    """The SQL is the code's own; the values bound into it, and the driver's words, are not."""
    error = sqlalchemy.exc.IntegrityError(
        "INSERT INTO message (text) VALUES (?)", ("I feel hopeless",), Exception("DETAIL: Ann")
    )
    out = _logged(error)
    assert "INSERT INTO message (text) VALUES (?)" in out
    assert "hopeless" not in out and "Ann" not in out


def test_the_chain_of_causes_is_kept_and_each_is_hidden() -> None:
    """An error raised while handling another shows both, each without its words."""
    phone, name = "+447700900123", "Margaret"  # as the code holds them: in variables
    try:
        try:
            raise KeyError(phone)
        except KeyError as first:
            raise RuntimeError(name) from first
    except RuntimeError as second:
        out = _logged(second)
    assert "KeyError" in out and "RuntimeError" in out and "which led to" in out
    assert "7700900123" not in out and "Margaret" not in out
