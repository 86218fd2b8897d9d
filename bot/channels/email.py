"""E-mail to professional referrers through SMTP: the standard library's ``smtplib`` in a thread.

``smtp://`` connects (port 587 unless given) and must upgrade with STARTTLS: a server that does
not offer it gets nothing, neither the password nor the message. ``smtps://`` speaks TLS from
the start (port 465 unless given). Certificates are verified. Each send is one connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from bot.channels import SEND_TIMEOUT_SECONDS, SendError, Sent
from flows.delivery import Delivery
from flows.messages import Address, Button, Channel

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
_NOT_IN_ADDRESS = set('<>()[],;:"\\')


def looks_like_email(text: str) -> bool:
    """One ``@``, something before it and a dot inside the domain; no spaces or odd characters."""
    if not text.isprintable() or any(ch.isspace() or ch in _NOT_IN_ADDRESS for ch in text):
        return False
    local, at, domain = text.partition("@")
    if not at or not local or "@" in domain:
        return False
    return "." in domain.strip(".")


class _NoStartTls(Exception):
    """The server did not offer STARTTLS, so nothing may be sent."""


class SmtpEmail:
    """Sends plain-text e-mail from ``email_from`` with a fixed ``subject``."""

    name = "email"

    def __init__(
        self,
        smtp_url: str,
        email_from: str,
        subject: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = SEND_TIMEOUT_SECONDS,
    ) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            # Never echo the URL: it may hold the password.
            raise ValueError("the SMTP URL must be smtp://user:password@host:587 or smtps://...")
        sender = parseaddr(email_from)[1]
        if not looks_like_email(sender):
            raise ValueError("the sender is not an e-mail address")
        if any(ch in subject for ch in "\r\n"):
            raise ValueError("the subject must be one line")
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else ""
        self._from_header = email_from.strip()
        self._sender = sender
        self._domain = sender.rpartition("@")[2]
        self._subject = subject
        self._ssl = ssl_context if ssl_context is not None else ssl.create_default_context()
        self._timeout = timeout

    def __repr__(self) -> str:
        scheme = "smtps" if self._implicit_tls else "smtp"
        return f"SmtpEmail({scheme}://{self._host}:{self._port}, from {self._sender})"

    async def send(
        self,
        to: Address,
        text: str,
        *,
        validity_seconds: int | None,
        buttons: tuple[Button, ...] = (),
    ) -> Sent:
        # validity_seconds has no meaning for e-mail: a message cannot expire in a mailbox.
        recipient = to.handle
        if to.channel is not Channel.EMAIL or not looks_like_email(recipient):
            raise SendError("not an e-mail address", code="bad_address", transient=False)
        message = EmailMessage()
        message["From"] = self._from_header
        message["To"] = recipient
        message["Subject"] = self._subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message_id = make_msgid(domain=self._domain)
        message["Message-ID"] = message_id
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text, charset="utf-8")
        try:
            await asyncio.to_thread(self._deliver, message, recipient)
        except Exception as exc:
            error = _send_error(exc)
            if error is None:
                raise
            raise error from None
        log.info("e-mail %s accepted by %s", message_id, self._host)
        return Sent(message_id, Delivery.SENT)

    def _deliver(self, message: EmailMessage, recipient: str) -> None:
        """Runs in a worker thread; smtplib blocks."""
        client: smtplib.SMTP
        if self._implicit_tls:
            client = smtplib.SMTP_SSL(
                self._host, self._port, timeout=self._timeout, context=self._ssl
            )
        else:
            client = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            client.ehlo()
            if not self._implicit_tls:
                if not client.has_extn("starttls"):
                    raise _NoStartTls
                client.starttls(context=self._ssl)
                client.ehlo()
            if self._user is not None:
                client.login(self._user, self._password)
            client.send_message(message, from_addr=self._sender, to_addrs=[recipient])
        finally:
            # The message was handed over (or not) already; a failed QUIT changes nothing.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
            client.close()

    async def close(self) -> None:
        """Nothing is held open between sends."""


def _by_code(code: int, what: str) -> SendError:
    # 4xx is "try again later"; 5xx is final. Anything else (-1 for a broken reply) is the line.
    transient = not 500 <= code < 600
    return SendError(f"{what}: SMTP {code}", code=str(code), transient=transient)


def _send_error(exc: Exception) -> SendError | None:
    """The ``SendError`` for what smtplib raised. Messages carry codes only, never server text
    (which may quote what we sent) nor the credentials."""
    if isinstance(exc, _NoStartTls):
        return SendError(
            "the SMTP server does not offer STARTTLS; refusing to send in clear",
            code="no_starttls",
            transient=False,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return _by_code(codes[0] if codes else -1, "recipient refused")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _by_code(exc.smtp_code, "SMTP login failed")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _by_code(exc.smtp_code, "sender refused")
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, "SMTP server refused")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SendError("SMTP server disconnected", transient=True)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return SendError(
            "SMTP server lacks a needed extension", code="unsupported", transient=False
        )
    if isinstance(exc, smtplib.SMTPException):
        return SendError(f"SMTP: {type(exc).__name__}", code="smtp", transient=False)
    if isinstance(exc, ssl.SSLError):
        # A certificate the context does not trust, or a broken handshake: not sent, and no
        # credentials went out. Retried, as a renewed certificate or a fixed server cures it.
        return SendError(f"TLS: {type(exc).__name__}", code="tls", transient=True)
    if isinstance(exc, OSError):  # refused, unreachable, timed out, name not found
        return SendError(f"network: {type(exc).__name__}", transient=True)
    if isinstance(exc, UnicodeError):  # e.g. a non-ASCII password smtplib cannot send
        return SendError("cannot encode for SMTP", code="encoding", transient=False)
    return None
