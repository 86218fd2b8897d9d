"""A fake SMTP server on loopback that speaks real (E)SMTP to the real ``smtplib`` client.

Built on aiosmtpd's ``SMTP`` protocol, served on the running event loop. It offers STARTTLS
with a self-signed certificate made at start-up (``testkit.certificates``), accepts AUTH
LOGIN/PLAIN for one fixed user only once TLS is up, records what arrives, and can refuse the
next recipient with a 550.

Modes: ``tls="starttls"`` (the usual submission port), ``tls="implicit"`` (smtps://, TLS from
the first byte) and ``tls="none"`` (no STARTTLS offered; AUTH is then allowed in clear, so a
client that wrongly carries on would be caught logging in and sending).
"""

from __future__ import annotations

import asyncio
import email.policy
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Literal
from urllib.parse import quote

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from testkit.certificates import server_certificate

USER = "linkbot@practice.example"
PASSWORD = "s3cret p@ss/w:rd%"  # needs URL-encoding; smtplib only sends ASCII passwords
TlsMode = Literal["starttls", "implicit", "none"]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool  # the connection was encrypted when the message came
    login: str | None  # the authenticated user, if any


@dataclass
class AuthAttempt:
    login: str
    tls: bool
    success: bool


@dataclass
class FakeSmtp:
    tls: TlsMode = "starttls"
    user: str = USER
    password: str = PASSWORD
    received: list[Received] = field(default_factory=list)
    auth_attempts: list[AuthAttempt] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    require_auth: bool = True  # MAIL FROM before a successful AUTH gets a 530
    _refuse_recipients: int = 0
    _cert_pem: str = ""
    _server_context: ssl.SSLContext | None = None
    _server: asyncio.Server | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        """``smtp://`` (or ``smtps://``) with the user and password, URL-encoded."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        credentials = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        return f"{scheme}://{credentials}@{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate, and verifies as usual."""
        return ssl.create_default_context(cadata=self._cert_pem)

    def refuse_next_recipient(self, times: int = 1) -> None:
        self._refuse_recipients += times

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]

    async def start(self, port: int = 0) -> None:
        self._cert_pem, context = await server_certificate()
        self._server_context = context
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol,
            self.host,
            port,
            ssl=context if self.tls == "implicit" else None,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _protocol(self) -> SMTP:
        self.connections += 1
        return SMTP(
            _Handler(self),
            hostname="fake-smtp.test",
            tls_context=self._server_context if self.tls == "starttls" else None,
            # Implicit TLS is encrypted from the start, which aiosmtpd cannot see; with no
            # TLS at all, let a careless client log in so that the tests can catch it.
            auth_require_tls=self.tls == "starttls",
            authenticator=self._authenticate,
            timeout=10,
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if mechanism not in ("LOGIN", "PLAIN") or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = data.login.decode("utf-8", "replace")
        ok = data.login == self.user.encode() and data.password == self.password.encode()
        self.auth_attempts.append(AuthAttempt(login, _encrypted(server), ok))
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


def _encrypted(server: SMTP) -> bool:
    transport = server.transport
    return transport is not None and transport.get_extra_info("ssl_object") is not None


class _Handler:
    def __init__(self, fake: FakeSmtp) -> None:
        self.fake = fake

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.fake.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.fake._refuse_recipients > 0:
            self.fake._refuse_recipients -= 1
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # Stored as a mailbox would: lines end in \n, not the wire's \r\n.
        content = (envelope.original_content or b"").replace(b"\r\n", b"\n")
        parsed = BytesParser(policy=email.policy.default).parsebytes(content)
        assert isinstance(parsed, EmailMessage)
        self.fake.received.append(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                message=parsed,
                tls=_encrypted(server),
                login=session.auth_data if session.authenticated else None,
            )
        )
        return "250 2.0.0 Message accepted"
