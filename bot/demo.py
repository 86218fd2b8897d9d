"""The demo database: fictional practices, a fictional services directory and one admin
login, for trying linkbot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from services_directory.readers import read_path
from storage import directory, staff
from storage.db import Database
from storage.tables import StaffUserRow

DEMO_DATABASE_URL = "sqlite:///data/linkbot-demo.db"
DEMO_ADMIN = "admin@demo.linkbot.invalid"
DEMO_DIRECTORY = Path(__file__).parent / "data" / "demo_directory.json"

# Fictional practices in a fictional borough; codes follow the shape of real ODS codes.
PRACTICES = [
    ("P99001", "Millbrook Surgery", "Millbrook"),
    ("P99002", "Canal Street Medical Centre", "Townend"),
    ("P99003", "Hollins Lane Family Practice", "Hollins"),
    ("P99004", "Westfield Health Centre", "Westfield"),
]


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    password: str
    token: str


async def seed(db: Database, now: datetime) -> DemoLogin:
    """Add the demo practices and admin if missing; give the admin a fresh password and token."""
    async with db.write() as session:
        for code, name, area in PRACTICES:
            await staff.add_practice(session, code, name, area)
        exists = (
            await session.execute(select(StaffUserRow).where(StaffUserRow.email == DEMO_ADMIN))
        ).first()
        if exists:
            password = await staff.reset_password(session, DEMO_ADMIN)
        else:
            _, password = await staff.add_user(session, DEMO_ADMIN, "Demo Admin", "admin", [], now)
        token = await staff.create_token(session, DEMO_ADMIN, now)
        # A fictional borough's services, clearly marked as demo data in each description.
        await directory.save_services(session, read_path(DEMO_DIRECTORY).services, "demo", now)
    return DemoLogin(DEMO_ADMIN, password, token)
