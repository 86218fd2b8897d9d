"""People's rights over their data: everything held about a client (subject access), erasing
their personal data while the anonymous counts behind the figures stay, and which clients the
retention rule has come for.

Erasure removes what identifies the person or says what they told us: name, phone, Telegram
chat, date of birth, every address, the words of every message to and from them (and to their
referrer or a friend they suggested about them), referral details in their own words, case
outcomes, follow-up words and staff notes. It keeps what the figures count, with no one to
tie it to: the referral's source, pathway, practice and need codes; dates; appointment
statuses; scores; onward referrals; each case's reason and priority, and its history of
them. Anything still to be sent or to fire is stopped.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from storage.db import rows_changed
from storage.tables import (
    AppointmentRow,
    AuditRow,
    CaseEventRow,
    CaseNoteRow,
    CaseRow,
    ClientAddressRow,
    ClientRow,
    FollowUpRow,
    MessageRow,
    ReferralRow,
    ScoreRow,
    TimerRow,
)
from storage.timers import SqlTimers

ERASED = "[erased]"


class NoSuchClient(LookupError):
    def __str__(self) -> str:
        return f"there is no client {self.args[0]}"


def _plain(row: SQLModel) -> dict[str, Any]:
    """A row as JSON-ready values: times in ISO 8601 (UTC), JSON text columns opened."""
    out: dict[str, Any] = {}
    for key, value in row.model_dump().items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif key in ("needs", "flow_state", "answers", "onward_referrals", "buttons") and (
            isinstance(value, str)
        ):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out


async def _rows(session: AsyncSession, table: Any, *where: Any) -> list[Any]:
    stmt = select(table).where(*where).order_by(col(table.id) if hasattr(table, "id") else None)
    return list((await session.execute(stmt)).scalars())


async def client_record(session: AsyncSession, client_id: int) -> dict[str, Any]:
    """Everything held about the client, table by table."""
    client = await session.get(ClientRow, client_id)
    if client is None:
        raise NoSuchClient(client_id)
    referrals = await _rows(session, ReferralRow, col(ReferralRow.client_id) == client_id)
    referral_ids = [r.id for r in referrals]
    messages = await _rows(
        session,
        MessageRow,
        sa.or_(
            col(MessageRow.client_id) == client_id, col(MessageRow.referral_id).in_(referral_ids)
        ),
    )
    addresses = list(
        (
            await session.execute(
                select(ClientAddressRow).where(ClientAddressRow.client_id == client_id)
            )
        ).scalars()
    )
    sections: dict[str, list[Any]] = {
        "addresses": addresses,
        "referrals": referrals,
        "cases": await _rows(session, CaseRow, col(CaseRow.client_id) == client_id),
        "case_history": await _rows(
            session,
            CaseEventRow,
            col(CaseEventRow.case_id).in_(select(CaseRow.id).where(CaseRow.client_id == client_id)),
        ),
        "messages": messages,
        "appointments": await _rows(
            session, AppointmentRow, col(AppointmentRow.client_id) == client_id
        ),
        "scores": await _rows(session, ScoreRow, col(ScoreRow.client_id) == client_id),
        "follow_ups": await _rows(session, FollowUpRow, col(FollowUpRow.client_id) == client_id),
        "notes": await _rows(session, CaseNoteRow, col(CaseNoteRow.client_id) == client_id),
        "scheduled": await _rows(
            session,
            TimerRow,
            col(TimerRow.client_id) == client_id,
            col(TimerRow.status) == "pending",
        ),
        "record_viewed": await _rows(
            session, AuditRow, col(AuditRow.subject) == f"client:{client_id}"
        ),
    }
    return {"client": _plain(client), **{k: [_plain(r) for r in v] for k, v in sections.items()}}


def summary_text(record: dict[str, Any], service: str) -> str:
    """The record in plain words, for the person it is about."""
    c = record["client"]
    lines = [
        f"What {service} holds about you",
        "",
        f"Name: {c['name'] or 'not given'}",
        f"Phone: {c['phone'] or 'not given'}",
        f"Telegram: {'yes' if c['telegram_chat_id'] else 'no'}",
        f"Date of birth: {c['date_of_birth'] or 'not given'}",
        f"First in touch: {c['created_at'][:10]}; last: {c['last_seen_at'][:10]}",
        f"Messages: {'stopped at your request' if c['opted_out'] else 'allowed'}",
        "",
    ]
    for r in record["referrals"]:
        lines.append(
            f"Referral {r['reference']} ({r['source']}, {r['status']}), "
            f"made {(r['submitted_at'] or r['created_at'])[:10]}; "
            f"help with: {', '.join(r['needs']) or 'not said'}"
            + (f"; in your words: {r['needs_text']}" if r["needs_text"] else "")
            + (f"; notes: {r['notes']}" if r["notes"] else "")
        )
    for a in record["appointments"]:
        lines.append(
            f"Session {a['starts_at'][:16].replace('T', ' ')} UTC at {a['location']} "
            f"with {a['worker']}: {a['status']}"
        )
    for s in record["scores"]:
        lines.append(
            f"Wellbeing questionnaire {s['instrument']} on {s['taken_at'][:10]}: "
            f"{s['metric'] if s['metric'] is not None else s['status']}"
        )
    for n in record["notes"]:
        lines.append(f"Staff note {n['created_at'][:10]}: {n['text']}")
    lines += ["", f"Messages ({len(record['messages'])}):"]
    for m in record["messages"]:
        who = "You" if m["direction"] == "in" else "Us"
        lines.append(
            f"{m['created_at'][:16].replace('T', ' ')} {who} ({m['channel']}): {m['text']}"
        )
    lines += [
        "",
        f"Your record was looked at by staff {len(record['record_viewed'])} times.",
        "The JSON file beside this one holds all of it, field by field.",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Erased:
    messages: int
    scheduled_stopped: int
    notes: int
    # The SMS messages whose bodies Twilio still holds: (message id, Twilio's sid), to delete.
    sms_copies: tuple[tuple[int, str], ...] = ()
    sessions: int = 0  # sessions whose location (it can be a home address) was blanked


async def erase_client(session: AsyncSession, client_id: int, now: datetime) -> Erased:
    client = await session.get(ClientRow, client_id)
    if client is None:
        raise NoSuchClient(client_id)
    referral_ids = list(
        (
            await session.execute(select(ReferralRow.id).where(ReferralRow.client_id == client_id))
        ).scalars()
    )
    suggested = list(
        (
            await session.execute(  # friends they suggested: the invitation names them
                select(ReferralRow.id).where(ReferralRow.referred_by_client_id == client_id)
            )
        ).scalars()
    )
    about = sa.or_(
        col(MessageRow.client_id) == client_id,
        col(MessageRow.referral_id).in_(referral_ids + suggested),
    )
    await session.execute(
        sa.update(MessageRow)
        .where(about, col(MessageRow.status) == "pending")
        .values(status="cancelled")
    )
    copies = (
        await session.execute(
            select(MessageRow.id, MessageRow.provider_id).where(
                about, col(MessageRow.channel) == "sms", col(MessageRow.provider_id).is_not(None)
            )
        )
    ).all()
    messages = await session.execute(
        sa.update(MessageRow)
        .where(about)
        .values(text=ERASED, address=ERASED, buttons=None, error_message=None)
    )
    stopped = await SqlTimers(session).delete_pending(client_id)
    notes = await session.execute(
        sa.delete(CaseNoteRow).where(col(CaseNoteRow.client_id) == client_id)
    )
    await session.execute(
        sa.delete(ClientAddressRow).where(col(ClientAddressRow.client_id) == client_id)
    )
    await session.execute(
        sa.update(ReferralRow)
        .where(col(ReferralRow.id).in_(referral_ids))
        .values(
            needs_text=None,
            notes=None,
            practice_text=None,
            contact_times=None,
            referrer_name=None,
            referrer_role=None,
            referrer_phone=None,
            referrer_email=None,
            relationship=None,
            date_of_birth=None,
            mismatch=None,
        )
    )
    await session.execute(
        sa.update(ReferralRow).where(col(ReferralRow.id).in_(suggested)).values(relationship=None)
    )
    await session.execute(
        sa.update(CaseRow)
        .where(col(CaseRow.client_id) == client_id, col(CaseRow.outcome).is_not(None))
        .values(outcome=ERASED)
    )
    await session.execute(
        sa.update(FollowUpRow).where(col(FollowUpRow.client_id) == client_id).values(words=None)
    )
    sessions = await session.execute(
        sa.update(AppointmentRow)
        .where(col(AppointmentRow.client_id) == client_id)
        .values(location=ERASED)
    )
    client.name = client.phone = client.telegram_chat_id = client.date_of_birth = None
    client.came_from, client.flow, client.flow_state = None, None, "{}"
    client.address = f"erased:{client_id}"
    client.opted_out, client.opted_out_at = True, client.opted_out_at or now
    client.erased_at = now
    await session.flush()
    return Erased(
        rows_changed(messages),
        stopped,
        rows_changed(notes),
        tuple((message_id, sid) for message_id, sid in copies if sid),
        rows_changed(sessions),
    )


async def inactive_since(session: AsyncSession, cutoff: datetime) -> list[int]:
    """Clients not yet erased with no activity since ``cutoff``: nothing heard from them, no
    message, no session and no open case after it."""
    recent_message = select(MessageRow.client_id).where(col(MessageRow.created_at) >= cutoff)
    recent_session = select(AppointmentRow.client_id).where(col(AppointmentRow.starts_at) >= cutoff)
    open_case = select(CaseRow.client_id).where(col(CaseRow.status) == "open")
    stmt = select(ClientRow.id).where(
        col(ClientRow.erased_at).is_(None),
        col(ClientRow.last_seen_at) < cutoff,
        col(ClientRow.created_at) < cutoff,
        col(ClientRow.id).not_in(recent_message.where(col(MessageRow.client_id).is_not(None))),
        col(ClientRow.id).not_in(recent_session),
        col(ClientRow.id).not_in(open_case),
    )
    return [i for i in (await session.execute(stmt)).scalars() if i is not None]
