"""The real ``SmtpEmail`` against a fake SMTP server speaking real SMTP, STARTTLS and AUTH."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import quote

import pytest

from bot.channels import SendError
from bot.channels.email import SmtpEmail
from flows.messages import Address, Channel
from testkit.fake_smtp import PASSWORD, USER, FakeSmtp, TlsMode

FROM = "Linkbot <noreply@linkbot.example>"
SUBJECT = "Referral update – Wigan"
TO = "gp.surgery@practice.example"
BODY = "Dear colleague,\nSam attended on 3 March — café group, £5.\nThanks"

MakeServer = Callable[..., Awaitable[FakeSmtp]]


@pytest.fixture
async def smtp_server() -> AsyncIterator[MakeServer]:
    started: list[FakeSmtp] = []

    async def make(tls: TlsMode = "starttls", **options: object) -> FakeSmtp:
        fake = FakeSmtp(tls=tls, **options)  # type: ignore[arg-type]
        await fake.start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        await fake.stop()


def email_to(fake: FakeSmtp, **options: object) -> SmtpEmail:
    return SmtpEmail(fake.url, FROM, SUBJECT, ssl_context=fake.ssl_context(), **options)  # type: ignore[arg-type]


def mailto(handle: str) -> Address:
    return Address.of(Channel.EMAIL, handle)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_sends_over_tls_after_logging_in(smtp_server: MakeServer, tls: TlsMode) -> None:
    fake = await smtp_server(tls)
    sender = email_to(fake)

    sent = await sender.send(mailto(TO), BODY, validity_seconds=3600)
    await sender.close()

    assert fake.url.startswith("smtps://" if tls == "implicit" else "smtp://")
    assert sent.status == "sent"
    [received] = fake.received
    assert received.tls
    assert received.login == USER
    assert [a.tls for a in fake.auth_attempts] == [True]
    assert received.mail_from == "noreply@linkbot.example"
    assert received.rcpt_tos == [TO]
    message = received.message
    assert message["From"] == FROM
    assert message["To"] == TO
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"] == sent.provider_id
    assert sent.provider_id is not None and sent.provider_id.endswith("@linkbot.example>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().rstrip("\n") == BODY


async def test_each_send_has_its_own_message_id(smtp_server: MakeServer) -> None:
    fake = await smtp_server()
    sender = email_to(fake)
    first = await sender.send(mailto(TO), "one", validity_seconds=None)
    second = await sender.send(mailto("other@practice.example"), "two", validity_seconds=None)
    assert first.provider_id != second.provider_id
    assert [r.message.get_content().strip() for r in fake.received] == ["one", "two"]
    assert [r.rcpt_tos for r in fake.received] == [[TO], ["other@practice.example"]]


async def test_refuses_a_server_without_starttls(smtp_server: MakeServer) -> None:
    # This server would take the login and the message in clear; the sender must not offer them.
    fake = await smtp_server("none")
    with pytest.raises(SendError) as caught:
        await email_to(fake).send(mailto(TO), BODY, validity_seconds=None)
    assert caught.value.transient is False
    assert caught.value.code == "no_starttls"
    assert fake.connections == 1
    assert fake.auth_attempts == []
    assert fake.received == []


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_an_untrusted_certificate_stops_the_send(
    smtp_server: MakeServer, tls: TlsMode
) -> None:
    fake = await smtp_server(tls)
    sender = SmtpEmail(fake.url, FROM, SUBJECT)  # the system's trust store: not our test cert
    with pytest.raises(SendError) as caught:
        await sender.send(mailto(TO), BODY, validity_seconds=None)
    assert caught.value.code == "tls"
    assert fake.connections == 1
    assert fake.auth_attempts == []
    assert fake.received == []


async def test_a_refused_recipient_is_final_with_the_smtp_code(smtp_server: MakeServer) -> None:
    fake = await smtp_server()
    fake.refuse_next_recipient()
    sender = email_to(fake)
    with pytest.raises(SendError) as caught:
        await sender.send(mailto(TO), BODY, validity_seconds=None)
    assert caught.value.transient is False
    assert caught.value.code == "550"
    assert fake.received == []
    # Only that one was refused: the next send goes through.
    await sender.send(mailto(TO), BODY, validity_seconds=None)
    assert len(fake.received) == 1


async def test_a_wrong_password_is_final_and_not_echoed(smtp_server: MakeServer) -> None:
    fake = await smtp_server()
    sender = SmtpEmail(
        fake.url.replace(quote(PASSWORD, safe=""), "wrong-guess"),
        FROM,
        SUBJECT,
        ssl_context=fake.ssl_context(),
    )
    with pytest.raises(SendError) as caught:
        await sender.send(mailto(TO), BODY, validity_seconds=None)
    assert caught.value.transient is False
    assert caught.value.code == "535"
    assert "wrong-guess" not in str(caught.value)
    # smtplib tries PLAIN, then LOGIN: each one refused, over TLS.
    assert fake.auth_attempts
    assert {(a.login, a.success, a.tls) for a in fake.auth_attempts} == {(USER, False, True)}
    assert fake.received == []


async def test_a_server_that_is_down_is_transient() -> None:
    sender = SmtpEmail(f"smtp://{USER}:pw@127.0.0.1:{closed_port()}", FROM, SUBJECT, timeout=2.0)
    with pytest.raises(SendError) as caught:
        await sender.send(mailto(TO), BODY, validity_seconds=None)
    assert caught.value.transient is True


async def test_a_server_that_never_answers_times_out_as_transient() -> None:
    connected = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        await reader.read()  # no greeting, ever; returns when the client hangs up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        sender = SmtpEmail(f"smtp://127.0.0.1:{port}", FROM, SUBJECT, timeout=0.5)
        with pytest.raises(SendError) as caught:
            await asyncio.wait_for(sender.send(mailto(TO), BODY, validity_seconds=None), 10)
    finally:
        server.close()
        await server.wait_closed()
    assert connected.is_set()
    assert caught.value.transient is True


@pytest.mark.parametrize(
    "handle",
    [
        "not-an-address",
        "gp@localhost",
        "gp@@practice.example",
        "@practice.example",
        "a@b.example,c@d.example",
        "gp surgery@practice.example",
        "gp@practice.example\r\nBcc: all@practice.example",
        "<gp@practice.example>",
    ],
)
async def test_a_bad_address_is_final_and_nothing_connects(
    smtp_server: MakeServer, handle: str
) -> None:
    fake = await smtp_server()
    with pytest.raises(SendError) as caught:
        await email_to(fake).send(mailto(handle), BODY, validity_seconds=None)
    assert caught.value.transient is False
    assert caught.value.code == "bad_address"
    assert fake.connections == 0


async def test_a_non_email_address_is_refused(smtp_server: MakeServer) -> None:
    fake = await smtp_server()
    with pytest.raises(SendError) as caught:
        await email_to(fake).send(
            Address.of(Channel.SMS, "+447700900123"), BODY, validity_seconds=None
        )
    assert caught.value.code == "bad_address"
    assert fake.connections == 0


async def test_neither_password_nor_body_reach_the_logs(
    smtp_server: MakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = await smtp_server()
    sender = email_to(fake)
    await sender.send(mailto(TO), BODY, validity_seconds=None)
    fake.refuse_next_recipient()
    with pytest.raises(SendError) as caught:
        await sender.send(mailto(TO), BODY, validity_seconds=None)
    bad_login = SmtpEmail(
        fake.url.replace(quote(PASSWORD, safe=""), "x"),
        FROM,
        SUBJECT,
        ssl_context=fake.ssl_context(),
    )
    with pytest.raises(SendError) as refused:
        await bad_login.send(mailto(TO), BODY, validity_seconds=None)
    logging.getLogger("bot.outbox").warning("failed: %s", caught.value)  # as the outbox would
    logging.getLogger("bot.outbox").warning("failed: %s", refused.value)

    # aiosmtpd's own ("mail.log") records are the fake server's, not ours.
    ours = [r for r in caplog.records if not r.name.startswith("mail.")]
    assert any(r.name == "bot.channels.email" for r in ours)  # the capture does see us
    text = "\n".join(r.getMessage() for r in ours) + repr(sender) + repr(bad_login)
    for secret in (PASSWORD, quote(PASSWORD, safe=""), "Sam attended", "café"):
        assert secret not in text


def test_a_bad_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as caught:
        SmtpEmail(f"http://{USER}:{quote(PASSWORD, safe='')}@mail.example", FROM, SUBJECT)
    assert quote(PASSWORD, safe="") not in str(caught.value)
    assert PASSWORD not in str(caught.value)
