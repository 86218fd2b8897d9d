"""Seed many clients, each with a session and a due reminder, straight into the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database
from storage.tables import AppointmentRow, ClientAddressRow, ClientRow, TimerRow


def number(i: int) -> str:
    return f"+4477009{i:05d}"


async def seed_due_reminders(db: Database, count: int, now: datetime) -> list[str]:
    """``count`` clients with a session in an hour and its reminder due a minute ago."""
    numbers = [number(i) for i in range(count)]
    async with db.write() as session:
        clients = [
            ClientRow(address=f"tel:{n}", phone=n, created_at=now, last_seen_at=now)
            for n in numbers
        ]
        session.add_all(clients)
        await session.flush()
        for client in clients:
            assert client.id is not None
            session.add(ClientAddressRow(address=client.address, client_id=client.id))
        appointments = [
            AppointmentRow(
                client_id=c.id or 0,
                starts_at=now + timedelta(hours=1),
                duration_minutes=45,
                location="Millbrook Library",
                worker="Sam",
                status="confirmed",
                created_at=now,
            )
            for c in clients
        ]
        session.add_all(appointments)
        await session.flush()
        session.add_all(
            TimerRow(
                client_id=a.client_id,
                kind="reminder",
                subject=f"{a.id}:2h",
                due_at=now - timedelta(minutes=1),
                created_at=now,
            )
            for a in appointments
        )
    return numbers
