"""The ``linkbot`` command line's commands, their arguments and their help."""

from __future__ import annotations

import argparse


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
