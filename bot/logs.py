"""Logging that keeps personal data out: phone numbers and tokens are redacted."""

from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")
_TOKEN = re.compile(r"(lb_[A-Za-z0-9_-]{8,}|bot\d+:[A-Za-z0-9_-]{20,}|Bearer\s+\S+)")


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # Tokens first: a bot token starts with digits that would otherwise pass for a number.
        redacted = _PHONE.sub("[number]", _TOKEN.sub("[token]", message))
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # These libraries log request bodies and URLs (with numbers and tokens) at INFO or DEBUG,
    # or every scheduler tick.
    for noisy in (
        "twilio.http_client",
        "httpx",
        "httpcore",
        "telegram",
        "aiosqlite",
        "asyncio",
        "sqlalchemy.engine",
        "alembic",
        "apscheduler",
        "mail.log",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
