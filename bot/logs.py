"""Logging that keeps personal data out.

Every line is redacted: phone numbers, e-mail addresses and tokens become ``[number]``,
``[email]`` and ``[token]``. Tracebacks keep their frames (file, line, function, the line of
code) but not what an exception says: a database error can quote the row it failed on (a
PostgreSQL DETAIL, a trigger's message), and a library's error can quote its input, so an
exception's text is shown only for errors that speak of the network or the machine (a refused
connection, a timeout) or of a provider's answer, and then redacted too. The database engine
never puts bound parameters into its errors (``hide_parameters``, storage/db.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from types import TracebackType
from typing import IO, TypeAlias

import aiohttp
import sqlalchemy.exc
import telegram.error
import twilio.base.exceptions

_PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")
_TOKEN = re.compile(r"(lb_[A-Za-z0-9_-]{8,}|bot\d+:[A-Za-z0-9_-]{20,}|Bearer\s+\S+)")
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}")
# Errors whose words are about the network, the machine or a provider's refusal, not a person.
_SPEAKS_OF_THE_WORLD = (
    OSError,
    asyncio.TimeoutError,
    aiohttp.ClientError,
    telegram.error.TelegramError,
    twilio.base.exceptions.TwilioException,
)
_MAX_SQL = 300

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]


def redact(text: str) -> str:
    """The text with phone numbers, e-mail addresses and tokens replaced."""
    # Tokens first: a bot token starts with digits that would otherwise pass for a number.
    return _PHONE.sub("[number]", _EMAIL.sub("[email]", _TOKEN.sub("[token]", text)))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _said(exc: BaseException) -> str:
    """What a traceback shows an exception saying."""
    if isinstance(exc, _SPEAKS_OF_THE_WORLD):
        return redact(str(exc))
    hidden = "[what it said is hidden: it may hold personal data]"
    if isinstance(exc, sqlalchemy.exc.StatementError) and exc.statement:
        # The statement is the code's own SQL; its values are bound parameters, never shown.
        sql = " ".join(str(exc.statement).split())
        return f"{hidden} while running: {redact(sql[:_MAX_SQL])}"
    return hidden


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones it arose from, oldest first, as Python prints them."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return chain[::-1]


def format_exception(exc: BaseException) -> str:
    parts = []
    for number, link in enumerate(_chain(exc)):
        if number:
            parts.append("\nwhich led to:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(redact(frame) for frame in traceback.format_tb(link.__traceback__))
        name = f"{type(link).__module__}.{type(link).__qualname__}".removeprefix("builtins.")
        parts.append(f"{name}: {_said(link)}\n")
    return "".join(parts).rstrip("\n")


class RedactingFormatter(logging.Formatter):
    """Redacts a traceback and a stack; the message itself is redacted by ``RedactingFilter``."""

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        return format_exception(ei[1]) if ei[1] is not None else ""

    def formatStack(self, stack_info: str) -> str:
        return redact(stack_info)

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # another handler's formatting is not to be reused
        return super().format(record)


def setup(level: str, stream: IO[str] | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # These libraries log request bodies and URLs (with numbers and tokens) at INFO or DEBUG,
    # or every scheduler tick.
    for noisy in (
        "twilio.http_client",
        "vonage",
        "vonage_http_client",
        "urllib3",
        "httpx",
        "httpcore",
        "telegram",
        "asyncio",
        "sqlalchemy.engine",
        "alembic",
        "apscheduler",
        "mail.log",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
