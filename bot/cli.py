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
from bot.cli_arguments import parser
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
