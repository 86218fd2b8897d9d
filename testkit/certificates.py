"""Self-signed certificates for the fakes that speak TLS on loopback (SMTP, Vonage).

Each is made at start-up by the ``openssl`` command line (the ``cryptography`` package is not
installed), for ``127.0.0.1`` and ``localhost``, valid for two days. A client trusts it with
``ssl.create_default_context(cadata=pem)`` and otherwise verifies as usual.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import tempfile
from pathlib import Path


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` (P-256) into ``folder``; returns their paths."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments, our own files
        [  # noqa: S607 - openssl from PATH, as a developer would run it
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def server_certificate() -> tuple[str, ssl.SSLContext]:
    """A fresh certificate: its PEM, for clients to trust, and a server context serving it."""
    with tempfile.TemporaryDirectory() as folder:
        cert, key = await asyncio.to_thread(make_certificate, Path(folder))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return cert.read_text(), context
