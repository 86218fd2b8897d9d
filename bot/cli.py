"""``linkbot``: the command line."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot import logs
from bot.config import ConfigError, Settings, load_settings
from services_directory.readers import DirectoryFileError
from storage import staff
from storage.db import Database, upgrade
from storage.rights import NoSuchClient


def _now() -> datetime:
    return datetime.now(UTC)


async def _serve(settings: Settings, demo: bool) -> None:
    from aiohttp import web

    from bot import demo as demo_data
    from bot import scheduler
    from bot.bootstrap import build
    from bot.web.app import AccessLogger, create_app

    db = Database(settings.database_url)
    await upgrade(db)
    if demo:
        login = await demo_data.seed(db, _now())
    await db.dispose()

    services = build(settings)
    app = create_app(services)
    runner = web.AppRunner(app, access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, settings.linkbot_host, settings.linkbot_port)
    await site.start()
    services.start_background()
    ticks = scheduler.start(services)
    base = f"http://{settings.linkbot_host}:{settings.linkbot_port}"
    print(f"linkbot is listening on {base}", flush=True)
    if settings.simulator_enabled:
        print(f"Try it as a client: {base}/simulator", flush=True)
    if demo:
        print(f"Staff sign-in: {base}/login", flush=True)
        print(f"Demo admin login: {login.email}  password: {login.password}", flush=True)
        print(f"Demo API token: {login.token}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        ticks.shutdown(wait=False)
        await runner.cleanup()
        await services.close()


async def _db_upgrade(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    print("The database is up to date.")


async def _with_session(settings: Settings, work: Callable[..., Awaitable[None]]) -> None:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.write() as session:
            await work(session)
    finally:
        await db.dispose()


async def _directory_import(settings: Settings, path: Path, source: str) -> None:
    """Read the whole file first (a bad row is listed, never stops the rest), then save."""
    from services_directory.readers import read_path
    from storage import directory

    found = read_path(path)  # raises DirectoryFileError, naming the file
    started = _now()

    async def save(session: AsyncSession) -> None:
        counts = await directory.save_services(session, found.services, source, _now())
        seconds = (_now() - started).total_seconds()
        print(
            f"Read {len(found.services)} services from {path.name} in source {source!r}: "
            f"{counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged, "
            f"{counts.deactivated} no longer listed (now inactive); "
            f"{len(found.problems)} problems ({seconds:.1f} s to save)."
        )
        for problem in found.problems:
            print(f"  {problem}")

    await _with_session(settings, save)


async def _directory_export(settings: Settings, path: Path, everything: bool) -> None:
    from services_directory.export import write_json
    from storage import directory

    async def export(session: AsyncSession) -> None:
        services = await directory.all_services(session, active_only=not everything)
        write_json(services, path)
        print(f"Wrote {len(services)} services to {path} (Open Referral UK 3.0 JSON).")

    await _with_session(settings, export)


def _write(files: dict[Path, str]) -> None:
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


async def _client_export(settings: Settings, client_id: int, folder: Path) -> None:
    """Subject access: a JSON file of everything held, and the same in plain words."""
    import json

    from storage import rights, web_sessions

    async def export(session: AsyncSession) -> None:
        record = await rights.client_record(session, client_id)
        data, text = folder / f"client-{client_id}.json", folder / f"client-{client_id}.txt"
        await asyncio.to_thread(
            _write,
            {
                data: json.dumps(record, indent=2, ensure_ascii=False),
                text: rights.summary_text(record, settings.service_name),
            },
        )
        await web_sessions.audit(
            session, None, "export_client:command_line", f"client:{client_id}", _now()
        )
        print(f"Wrote {data} and {text}.")

    await _with_session(settings, export)


def _confirmed(client_id: int) -> bool:
    """A person at a terminal types the id again before anything is erased."""
    try:
        answer = input(
            f"This erases client {client_id}'s personal data for good. "
            "Type the client's id again to go on: "
        )
    except EOFError:
        return False
    return answer.strip() == str(client_id)


async def _client_erase(settings: Settings, client_id: int) -> None:
    from storage import rights, web_sessions

    async def erase(session: AsyncSession) -> None:
        done = await rights.erase_client(session, client_id, _now())
        await web_sessions.audit(
            session, None, "erase_client:command_line", f"client:{client_id}", _now()
        )
        print(
            f"Erased client {client_id}'s personal data: {done.messages} messages blanked, "
            f"{done.notes} notes removed, {done.scheduled_stopped} scheduled items stopped. "
            "The anonymous counts behind the figures are kept."
        )

    await _with_session(settings, erase)


async def _report(settings: Settings, args: argparse.Namespace) -> None:
    """The figures for a period as CSV, Excel or JSON, small counts suppressed."""
    from datetime import date

    from bot import report_files
    from storage import directory, reports, web_sessions

    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError:
        raise ReportError("--from and --to are dates like 2026-04-01") from None
    if end < start:
        raise ReportError("--to is before --from")
    if args.format == "xlsx" and not args.out:
        raise ReportError("an xlsx report needs --out FILE")

    async def report(session: AsyncSession) -> None:
        try:
            narrowing = await reports.narrowing(
                session, args.practice or "", args.pathway or "", args.worker or ""
            )
        except reports.BadNarrowing as exc:
            raise ReportError(str(exc)) from None
        index = await directory.DirectoryCache().index(session)
        body = await reports.summary(
            session, reports.Period(start, end), settings.zone, index, narrowing
        )
        content = report_files.render(body, args.format)
        await web_sessions.audit(
            session, None, "export_report:command_line", f"report:{start}..{end}", _now()
        )
        if args.out:
            await asyncio.to_thread(Path(args.out).write_bytes, content)
            print(f"Wrote the figures for {start} to {end} to {args.out}.", file=sys.stderr)
        else:
            sys.stdout.write(content.decode("utf-8"))

    await _with_session(settings, report)


class ReportError(ValueError):
    pass


def _run(args: argparse.Namespace, settings: Settings) -> None:
    match args.command, getattr(args, "action", None):
        case "serve", _:
            if args.demo:
                from bot.demo import DEMO_DATABASE_URL

                settings = settings.model_copy(update={"database_url": DEMO_DATABASE_URL})
            asyncio.run(_serve(settings, args.demo))
        case "db", "upgrade":
            asyncio.run(_db_upgrade(settings))
        case "practice", "add":

            async def add(session: AsyncSession) -> None:
                practice, new = await staff.add_practice(session, args.code, args.name, args.area)
                print(f"{'Added' if new else 'Updated'} practice {practice.code}: {practice.name}")

            asyncio.run(_with_session(settings, add))
        case "practice", "import":
            text = Path(args.csv).read_text(encoding="utf-8-sig")

            async def import_(session: AsyncSession) -> None:
                result = await staff.import_practices(session, text)
                print(
                    f"Practices added: {result.added}, updated: {result.updated}, "
                    f"rows with problems: {len(result.problems)}"
                )
                for problem in result.problems:
                    print(f"  {problem}")

            asyncio.run(_with_session(settings, import_))
        case "user", "add":

            async def add_user(session: AsyncSession) -> None:
                user, password = await staff.add_user(
                    session, args.email, args.name, args.role, args.practice or [], _now()
                )
                print(f"Created {user.role} {user.email}. One-time password: {password}")
                print("They will be asked to choose a new password when they first log in.")

            asyncio.run(_with_session(settings, add_user))
        case "directory", "import":
            asyncio.run(_directory_import(settings, Path(args.path), args.source))
        case "directory", "export":
            asyncio.run(_directory_export(settings, Path(args.path), args.all))
        case "client", "export":
            asyncio.run(_client_export(settings, args.id, Path(args.out)))
        case "client", "erase":
            if not args.yes and sys.stdin.isatty() and not _confirmed(args.id):
                print("Nothing was erased.", file=sys.stderr)
                raise SystemExit(1)
            asyncio.run(_client_erase(settings, args.id))
        case "report", _:
            asyncio.run(_report(settings, args))
        case "token", "create":

            async def token(session: AsyncSession) -> None:
                print(await staff.create_token(session, args.email, _now()))

            asyncio.run(_with_session(settings, token))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="linkbot",
        description="Chat and SMS bot for Community Link Worker (social prescribing) services.",
        epilog="Settings come from the environment and a .env file: see .env.example.",
    )
    commands = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the web server, channels and scheduler",
        description="Upgrade the database, then run the web server, "
        "channels and scheduler in one process.",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="use a separate demo database with fictional practices and an "
        "admin login, which is printed",
    )

    db = commands.add_parser("db", help="database commands")
    db_actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_actions.add_parser("upgrade", help="apply migrations")

    practice = commands.add_parser("practice", help="the GP practices the service covers")
    practice_actions = practice.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = practice_actions.add_parser("add", help="add or update a practice")
    add.add_argument("--code", required=True, help="the practice code, e.g. P81001")
    add.add_argument("--name", required=True)
    add.add_argument("--area")
    imp = practice_actions.add_parser(
        "import", help="add or update practices from a CSV file with the columns code, name, area"
    )
    imp.add_argument("csv", help="path of the CSV file")

    user = commands.add_parser("user", help="staff logins")
    user_actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    uadd = user_actions.add_parser("add", help="create a staff login; prints a one-time password")
    uadd.add_argument("--email", required=True)
    uadd.add_argument("--name", required=True)
    uadd.add_argument("--role", required=True, choices=["link_worker", "admin"])
    uadd.add_argument(
        "--practice",
        action="append",
        metavar="CODE",
        help="a practice the user works for (repeat for several)",
    )

    token = commands.add_parser("token", help="API tokens")
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    tcreate = token_actions.add_parser("create", help="print a new API token for a user")
    tcreate.add_argument("--email", required=True)

    report = commands.add_parser(
        "report",
        help="the service's figures for a period, as csv, xlsx or json (counts "
        "under 5 shown as <5)",
    )
    report.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
    report.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    report.add_argument("--out", help="the file to write (default: print csv or json)")
    report.add_argument("--practice", help="only referrals to this practice code")
    report.add_argument(
        "--pathway",
        help="only this pathway (primary_care, social_care, "
        "hospital, other) or source (self, friend, professional)",
    )
    report.add_argument("--worker", help="only cases this link worker has (their e-mail)")

    client = commands.add_parser("client", help="a client's rights: export and erasure")
    client_actions = client.add_subparsers(dest="action", required=True, metavar="ACTION")
    cexport = client_actions.add_parser(
        "export", help="write everything held about a client (JSON and a plain summary)"
    )
    cexport.add_argument("id", type=int, help="the client's id")
    cexport.add_argument("--out", default=".", help="the folder to write to (default: here)")
    cerase = client_actions.add_parser(
        "erase", help="erase a client's personal data, keeping anonymous counts; cannot be undone"
    )
    cerase.add_argument("id", type=int, help="the client's id")
    cerase.add_argument(
        "--yes",
        action="store_true",
        help="do not ask first (a person at a terminal is asked to type the id again)",
    )

    directory = commands.add_parser("directory", help="the services directory (Open Referral UK)")
    directory_actions = directory.add_subparsers(dest="action", required=True, metavar="ACTION")
    dimport = directory_actions.add_parser(
        "import",
        help="import or update services from Open Referral UK 3.0 / HSDS 3 JSON, or "
        "Open Referral UK 1.0 / HSDS 1.x CSV tables (a folder or .zip with datapackage.json)",
    )
    dimport.add_argument("path", help="a .json file, a folder of CSV files or a .zip")
    dimport.add_argument(
        "--source",
        default="directory",
        help="which directory this is (default: directory); services of the "
        "same source missing from the file become inactive",
    )
    dexport = directory_actions.add_parser(
        "export", help="write the directory as Open Referral UK 3.0 JSON"
    )
    dexport.add_argument("path", help="the .json file to write")
    dexport.add_argument(
        "--all", action="store_true", help="include services no longer listed (inactive)"
    )
    return p


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"linkbot: {exc}", file=sys.stderr)
        sys.exit(2)
    logs.setup(settings.log_level)
    try:
        _run(args, settings)
    except (staff.StaffError, DirectoryFileError, NoSuchClient, ReportError, OSError) as exc:
        print(f"linkbot: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
