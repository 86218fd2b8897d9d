"""``linkbot``: the command line. Each command parses its arguments, calls an action on the
services (``bot.runtime.opened``) and prints what happened; ``serve`` runs ``bot.runtime``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot import logs, report_files, runtime
from bot.actions import admin, directory, reports, rights
from bot.actions.errors import ActionError
from bot.config import ConfigError, Settings, load_settings
from bot.demo import DEMO_DATABASE_URL
from services_directory.readers import DirectoryFileError
from storage.db import Database, upgrade


class CommandError(ValueError):
    """A command given wrongly; the message says how."""


async def _db_upgrade(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()
    print("The database is up to date.")


async def _practices(settings: Settings, args: argparse.Namespace) -> None:
    async with runtime.opened(settings) as services:
        if args.action == "add":
            practice, new = await admin.add_practice(
                services, None, args.code, args.name, args.area
            )
            print(f"{'Added' if new else 'Updated'} practice {practice.code}: {practice.name}")
            return
        text = await asyncio.to_thread(Path(args.csv).read_text, encoding="utf-8-sig")
        result = await admin.import_practices(services, text)
        print(
            f"Practices added: {result.added}, updated: {result.updated}, "
            f"rows with problems: {len(result.problems)}"
        )
        for problem in result.problems:
            print(f"  {problem}")


async def _user_add(settings: Settings, args: argparse.Namespace) -> None:
    async with runtime.opened(settings) as services:
        user, password = await admin.add_user(
            services, None, args.email, args.name, args.role, args.practice or []
        )
    print(f"Created {user.role} {user.email}. One-time password: {password}")
    print("They will be asked to choose a new password when they first log in.")


async def _token(settings: Settings, args: argparse.Namespace) -> None:
    async with runtime.opened(settings) as services:
        if args.action == "create":
            print(await admin.create_token(services, args.email))
            return
        user, revoked = await admin.revoke_tokens(services, None, args.email)
    print(f"Revoked {revoked} API token{'' if revoked == 1 else 's'} of {user.email}.")


async def _user_disable(settings: Settings, args: argparse.Namespace) -> None:
    async with runtime.opened(settings) as services:
        user, revoked = await admin.disable_user(services, None, args.email)
    print(
        f"Disabled {user.email}: signed out everywhere and {revoked} API "
        f"token{'' if revoked == 1 else 's'} revoked. They can no longer sign in."
    )


async def _directory(settings: Settings, args: argparse.Namespace) -> None:
    path = Path(args.path)
    async with runtime.opened(settings) as services:
        if args.action == "export":
            count = await directory.export_file(services, path, everything=args.all)
            print(f"Wrote {count} services to {path} (Open Referral UK 3.0 JSON).")
            return
        found = await asyncio.to_thread(directory.read_file, path)
        started = services.clock.now()
        counts = await directory.save(services, found, args.source)
        seconds = (services.clock.now() - started).total_seconds()
    print(
        f"Read {len(found.services)} services from {path.name} in source {args.source!r}: "
        f"{counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{counts.deactivated} no longer listed (now inactive); "
        f"{len(found.problems)} problems ({seconds:.1f} s to save)."
    )
    for problem in found.problems:
        print(f"  {problem}")


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


async def _client(settings: Settings, args: argparse.Namespace) -> None:
    async with runtime.opened(settings) as services:
        if args.action == "export":
            data, text = await rights.export_client(services, args.id, Path(args.out))
            print(f"Wrote {data} and {text}.")
            return
        done, at_provider = await rights.erase_client(services, args.id, "command_line")
    print(
        f"Erased client {args.id}'s personal data: {done.messages} messages blanked, "
        f"{done.notes} notes removed, {done.sessions} session locations blanked, "
        f"{done.scheduled_stopped} scheduled items stopped. "
        "The anonymous counts behind the figures are kept."
    )
    if at_provider.deleted:
        print(f"Twilio deleted its copies of {at_provider.deleted} texts.")
    if at_provider.not_deleted:
        shown = ", ".join(str(message_id) for message_id in at_provider.not_deleted)
        print(
            f"Twilio still holds {len(at_provider.not_deleted)} texts (messages {shown}); "
            "each is in the audit log as provider_delete_failed. Delete them in Twilio's "
            "console, or run the erasure again later.",
            file=sys.stderr,
        )


async def _report(settings: Settings, args: argparse.Namespace) -> None:
    """The figures for a period as CSV, Excel or JSON, small counts suppressed."""
    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError:
        raise CommandError("--from and --to are dates like 2026-04-01") from None
    if end < start:
        raise CommandError("--to is before --from")
    if args.format == "xlsx" and not args.out:
        raise CommandError("an xlsx report needs --out FILE")
    chosen = reports.Chosen(start, end, args.practice or "", args.pathway or "", args.worker or "")
    async with runtime.opened(settings) as services:
        figures = await reports.export(services, None, chosen, "export_report:command_line")
    content = report_files.render(figures, args.format)
    if args.out:
        await asyncio.to_thread(Path(args.out).write_bytes, content)
        print(f"Wrote the figures for {start} to {end} to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(content.decode("utf-8"))


def _run(args: argparse.Namespace, settings: Settings) -> None:
    match args.command, getattr(args, "action", None):
        case "serve", _:
            if args.demo:
                settings = settings.model_copy(update={"database_url": DEMO_DATABASE_URL})
            asyncio.run(runtime.serve(settings, with_demo=args.demo))
        case "db", "upgrade":
            asyncio.run(_db_upgrade(settings))
        case "practice", _:
            asyncio.run(_practices(settings, args))
        case "user", "add":
            asyncio.run(_user_add(settings, args))
        case "user", "disable":
            asyncio.run(_user_disable(settings, args))
        case "token", _:
            asyncio.run(_token(settings, args))
        case "directory", _:
            asyncio.run(_directory(settings, args))
        case "client", "erase" if not args.yes and sys.stdin.isatty() and not _confirmed(args.id):
            print("Nothing was erased.", file=sys.stderr)
            raise SystemExit(1)
        case "client", _:
            asyncio.run(_client(settings, args))
        case "report", _:
            asyncio.run(_report(settings, args))


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

    udisable = user_actions.add_parser(
        "disable",
        help="a leaver: end the user's sessions and revoke their API tokens; they can no "
        "longer sign in",
    )
    udisable.add_argument("--email", required=True)

    token = commands.add_parser("token", help="API tokens")
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    tcreate = token_actions.add_parser("create", help="print a new API token for a user")
    tcreate.add_argument("--email", required=True)
    trevoke = token_actions.add_parser(
        "revoke", help="revoke every API token of a user: they are refused at once"
    )
    trevoke.add_argument("--email", required=True)

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
    except (ActionError, CommandError, DirectoryFileError, OSError) as exc:
        print(f"linkbot: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
