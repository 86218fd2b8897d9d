"""A throwaway PostgreSQL server for the tests, run as an unprivileged user in a temp folder.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user (made by
Debian's package) or ``nobody``. A server that cannot start fails the tests: it is never skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found: install the postgresql package (.ci/run does)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    port: int
    folder: Path
    process: subprocess.Popen[bytes]
    user: str = "linkbot"

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> PostgresServer:
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="linkbot-pg-"))
    data = folder / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        owner = "postgres"
        try:
            pwd.getpwnam(owner)
        except KeyError:
            owner = "nobody"
        entry = pwd.getpwnam(owner)
        os.chmod(folder, 0o755)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        prefix = ["runuser", "-u", owner, "--"]
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "linkbot",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = folder / "server.log"
    process = subprocess.Popen(
        [
            *prefix,
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-k",
            str(folder),
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(log, "wb"),  # noqa: SIM115  (closed with the process)
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PostgresUnavailable(f"PostgreSQL stopped at start: {log.read_text()[-2000:]}")
        # Accepting TCP is not enough: a server still starting up refuses logins. pg_isready
        # answers 0 only once it accepts them.
        ready = subprocess.run(
            [
                str(bindir / "pg_isready"),
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "linkbot",
                "-d",
                "postgres",
            ],
            check=False,
            capture_output=True,
        )
        if ready.returncode == 0:
            return PostgresServer(port, folder, process)
        time.sleep(0.1)
    process.kill()
    raise PostgresUnavailable("PostgreSQL did not start within 30 seconds")
