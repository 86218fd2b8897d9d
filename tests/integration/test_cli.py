"""The command line, run as a person would run it."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.web.staff.auth import WRONG
from flows.model import Role
from tests.conftest import Bot
from tests.support.staff_web import NEW_PASSWORD, Browser, signed_in

COMMANDS = [
    ["serve"],
    ["db"],
    ["db", "upgrade"],
    ["practice"],
    ["practice", "add"],
    ["practice", "import"],
    ["user"],
    ["user", "add"],
    ["user", "disable"],
    ["token"],
    ["token", "create"],
    ["token", "revoke"],
    ["directory"],
    ["directory", "import"],
    ["directory", "export"],
    ["client"],
    ["client", "export"],
    ["client", "erase"],
]


def linkbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, typed: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command with no terminal, or with ``typed`` given at a terminal (a pty) as a
    person would type it there."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL",) and not k.startswith(("TWILIO_", "LINKBOT_"))
    }
    if typed is None:
        return subprocess.run(  # noqa: S603  (our own command line)
            [sys.executable, "-m", "bot.cli", *args],
            cwd=cwd,
            env={**clean, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    terminal, keyboard = pty.openpty()
    try:
        with subprocess.Popen(  # noqa: S603  (our own command line)
            [sys.executable, "-m", "bot.cli", *args],
            cwd=cwd,
            env={**clean, **(env or {})},
            stdin=keyboard,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            os.write(terminal, typed.encode() + b"\n")
            out, err = process.communicate(timeout=120)
    finally:
        os.close(terminal)
        os.close(keyboard)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = linkbot("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "db", "practice", "user", "token", "directory", "client"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_command_has_help(tmp_path: Path, command: list[str]) -> None:
    result = linkbot(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0 and "usage: linkbot" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SEND_WINDOW", "25:00-08:00"),
        ("TWILIO_FROM", "hello"),
        ("DATABASE_URL", "nonsense"),
        ("SERVICE_NATION", "atlantis"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = linkbot("db", "upgrade", cwd=tmp_path, env={variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"linkbot: {variable}: ")


def test_a_bad_setting_in_dotenv_is_named_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SEND_WINDOW=08:00-08:00\n")
    result = linkbot("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("linkbot: SEND_WINDOW: ")


def test_practices_users_and_tokens(tmp_path: Path) -> None:
    """Practices by hand and by CSV, a worker login, and a token for them."""
    result = linkbot("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "data" / "linkbot.db").exists()
    result = linkbot(
        "practice",
        "add",
        "--code",
        "P81001",
        "--name",
        "Millbrook Surgery",
        "--area",
        "Millbrook",
        cwd=tmp_path,
    )
    assert result.returncode == 0 and "Added practice P81001" in result.stdout
    csv = tmp_path / "practices.csv"
    csv.write_text(
        "code,name,area\nP81002,Canal Street,Townend\nP81001,Millbrook Surgery "
        "(renamed),Millbrook\n,No code,Nowhere\n"
    )
    result = linkbot("practice", "import", str(csv), cwd=tmp_path)
    assert result.returncode == 0
    assert "added: 1, updated: 1, rows with problems: 1" in result.stdout
    assert "row 4" in result.stdout

    result = linkbot(
        "user",
        "add",
        "--email",
        "sam@practice.nhs.uk",
        "--name",
        "Sam",
        "--role",
        "link_worker",
        "--practice",
        "P81001",
        cwd=tmp_path,
    )
    assert result.returncode == 0 and "One-time password: " in result.stdout
    result = linkbot(
        "user",
        "add",
        "--email",
        "sam@practice.nhs.uk",
        "--name",
        "Sam",
        "--role",
        "link_worker",
        "--practice",
        "P81001",
        cwd=tmp_path,
    )
    assert result.returncode == 1 and "already" in result.stderr
    result = linkbot(
        "user",
        "add",
        "--email",
        "jo@practice.nhs.uk",
        "--name",
        "Jo",
        "--role",
        "link_worker",
        "--practice",
        "NOPE",
        cwd=tmp_path,
    )
    assert result.returncode == 1 and "NOPE" in result.stderr
    result = linkbot("token", "create", "--email", "sam@practice.nhs.uk", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip().startswith("lb_")
    result = linkbot("token", "create", "--email", "nobody@x.org", cwd=tmp_path)
    assert result.returncode == 1 and "no user" in result.stderr


def test_practice_import_without_the_columns_says_so(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("id,title\n1,x\n")
    result = linkbot("practice", "import", str(csv), cwd=tmp_path)
    assert result.returncode == 1 and "code, name" in result.stderr
    result = linkbot("practice", "import", str(tmp_path / "missing.csv"), cwd=tmp_path)
    assert result.returncode == 1 and "missing.csv" in result.stderr


async def test_serve_demo_prints_a_login_and_the_simulator_answers(tmp_path: Path) -> None:
    """The README's first command: the demo starts on SQLite and the simulator replies."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    clean = {
        k: v
        for k, v in os.environ.items()
        if k != "DATABASE_URL" and not k.startswith(("TWILIO_", "LINKBOT_", "TELEGRAM_"))
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        "--demo",
        cwd=tmp_path,
        env={**clean, "LINKBOT_PORT": str(port)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        printed = ""
        async with asyncio.timeout(60):
            while "Demo API token" not in printed:
                line = await process.stdout.readline()
                assert line, f"linkbot serve --demo stopped: {printed}"
                printed += line.decode()
        assert re.search(r"Demo admin login: \S+@\S+\s+password: \S+", printed)
        token = re.search(r"Demo API token: (\S+)", printed)
        assert token
        assert (tmp_path / "data" / "linkbot-demo.db").exists()
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            await session.post(
                f"{base}/simulator/send", json={"from": "+447700900123", "text": "Hello"}
            )
            items: list[dict[str, str]] = []
            async with asyncio.timeout(20):
                while len(items) < 2:
                    async with session.get(
                        f"{base}/simulator/messages", params={"from": "+447700900123"}
                    ) as response:
                        items = (await response.json())["items"]
                    await asyncio.sleep(0.2)
            assert items[1]["direction"] == "out" and "Hi from the" in items[1]["text"]
            async with session.get(
                f"{base}/api/v1/cases", headers={"Authorization": f"Bearer {token.group(1)}"}
            ) as r:
                assert r.status == 200
            # The demo directory is there to search, marked as demo data.
            async with session.get(
                f"{base}/api/v1/services",
                params={"need": "caring"},
                headers={"Authorization": f"Bearer {token.group(1)}"},
            ) as r:
                found = (await r.json())["items"]
            assert [s["name"] for s in found] == ["Carers' Centre"]
            assert "Demo data" in found[0]["description"]
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()


async def _api_status(bot: Bot, token: str) -> int:
    response = await bot.client.get(
        "/api/v1/cases?status=open", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status


async def test_token_revoke_and_user_disable_refuse_a_leaver_at_once(
    bot: Bot, database_url: str, tmp_path: Path
) -> None:
    """The commands act on the database a running server uses (SQLite and PostgreSQL)."""
    email = "leaver@practice.nhs.uk"
    await bot.add_practice("P92001", "Pemberton Surgery")
    browser = await signed_in(bot, Role.LINK_WORKER, ["P92001"], email=email)
    first = await bot.staff_token(email="other@practice.nhs.uk")
    env = {"DATABASE_URL": database_url}

    async def run(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(linkbot, *args, cwd=tmp_path, env=env)

    made = await run("token", "create", "--email", email)
    token = made.stdout.strip()
    assert made.returncode == 0 and await _api_status(bot, token) == 200
    result = await run("token", "revoke", "--email", email)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Revoked 1 API token of {email}."
    assert await _api_status(bot, token) == 401
    assert await _api_status(bot, first) == 200  # another user's token is untouched
    assert (await browser.get("/queue")).status == 200  # and the sign-in stands

    token = (await run("token", "create", "--email", email)).stdout.strip()
    result = await run("user", "disable", "--email", email)
    assert result.returncode == 0, result.stderr
    assert f"Disabled {email}: signed out everywhere and 1 API token revoked." in result.stdout
    assert (await browser.get("/queue")).headers["Location"].startswith("/login")
    assert await _api_status(bot, token) == 401
    refused = await Browser(bot).sign_in(email, NEW_PASSWORD)
    assert refused.status == 401 and WRONG in await refused.text()

    result = await run("user", "disable", "--email", "nobody@practice.nhs.uk")
    assert result.returncode == 1 and "no user nobody@practice.nhs.uk" in result.stderr
