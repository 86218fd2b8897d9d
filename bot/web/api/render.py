"""The JSON API's shapes (INTERFACES section 3): ids as strings, times in ISO 8601 with an
offset. The staff pages show the same shapes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.actions.campaigns import CampaignView, DryRun
from flows.appointments import Appointment
from flows.engine.appointments import Booked
from flows.gsm import is_gsm7, segments
from services_directory.model import Address, Service
from services_directory.search import Hit
from storage.records import CaseLine, ClientRecord
from storage.tables import (
    AppointmentRow,
    CaseEventRow,
    FollowUpRow,
    MessageRow,
    ReferralRow,
    ScoreRow,
)


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def ident(value: int | None) -> str | None:
    return None if value is None else str(value)


def case_json(line: CaseLine) -> dict[str, Any]:
    row, referral = line.row, line.referral
    return {
        "id": ident(row.id),
        "client_id": ident(row.client_id),
        "reason": row.reason,
        "priority": row.priority,
        "status": row.status,
        "assigned_to": ident(row.assigned_to),
        "assigned_to_name": line.assigned_name,
        "created_at": iso(row.created_at),
        "due_by": iso(row.due_by),
        "closed_at": iso(row.closed_at),
        "outcome": row.outcome,
        "onward_referrals": json.loads(row.onward_referrals or "[]"),
        "referral": {
            "id": ident(referral.id),
            "reference": referral.reference,
            "source": referral.source,
            "pathway": referral.pathway,
        }
        if referral
        else None,
    }


def case_event_json(row: CaseEventRow) -> dict[str, Any]:
    """One step of a case's history; ``taken`` is false for a request the case did not take
    because it was already more urgent."""
    return {"reason": row.reason, "priority": row.priority, "at": iso(row.at), "taken": row.taken}


def message_json(row: MessageRow) -> dict[str, Any]:
    return {
        "id": ident(row.id),
        "direction": row.direction,
        "channel": row.channel,
        "text": row.text,
        "at": iso(row.created_at),
        "delivery": row.status if row.direction == "out" else None,
    }


def appointment_json(row: AppointmentRow | Appointment) -> dict[str, Any]:
    return {
        "id": ident(row.id),
        "client_id": ident(row.client_id),
        "starts_at": iso(row.starts_at),
        "duration_minutes": row.duration_minutes,
        "location": row.location,
        "worker": row.worker,
        "status": str(row.status),
    }


def booked_json(made: Booked) -> dict[str, Any]:
    """The appointment, and which reminders will go, so none is silently missing."""
    body = appointment_json(made.appointment)
    body["reminders"] = [
        {"offset": plan.label, "at": plan.due_at.isoformat()}
        for plan in made.reminders
        if not plan.dropped
    ]
    body["reminders_not_sent"] = [
        {"offset": plan.label, "reason": plan.dropped} for plan in made.reminders if plan.dropped
    ]
    return body


def referral_json(row: ReferralRow, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "id": ident(row.id),
        "reference": row.reference,
        "source": row.source,
        "pathway": row.pathway,
        "status": row.status,
        "practice": codes.get(row.practice_id or 0),
        "practice_text": row.practice_text,
        "needs": json.loads(row.needs or "[]"),
        "needs_text": row.needs_text,
        "notes": row.notes,
        "contact": {"method": row.contact_method, "times": row.contact_times},
        "referrer": {
            "name": row.referrer_name,
            "role": row.referrer_role,
            "organisation": row.referrer_organisation,
        }
        if row.source == "professional"
        else None,
        # A professional's referral keeps what it gave; where that disagrees with the client
        # held, ``mismatch`` says so for a person to resolve (None when nothing differs).
        "date_of_birth": row.date_of_birth,
        "mismatch": row.mismatch,
        "referrer_unreachable": row.referrer_unreachable,
        "referrer_contact": {"phone": row.referrer_phone, "email": row.referrer_email}
        if row.source == "professional"
        else None,
        "case_id": ident(row.case_id),
        "created_at": iso(row.created_at),
        "submitted_at": iso(row.submitted_at),
        "picked_up_at": iso(row.picked_up_at),
        "first_contact_at": iso(row.first_contact_at),
        "closed_at": iso(row.closed_at),
    }


def score_json(row: ScoreRow) -> dict[str, Any]:
    return {
        "id": ident(row.id),
        "instrument": row.instrument,
        "answers": json.loads(row.answers),
        "raw": row.raw,
        "metric": row.metric,
        "taken_at": iso(row.taken_at),
        "status": row.status,
        "via": row.via,
    }


def follow_up_json(row: FollowUpRow) -> dict[str, Any]:
    return {
        "id": ident(row.id),
        "kind": row.kind,
        "campaign_id": ident(row.campaign_id),
        "sent_at": iso(row.created_at),
        "nudged_at": iso(row.nudged_at),
        "answer": row.answer,
        "words": row.words,
        "answered_at": iso(row.answered_at),
        "case_id": ident(row.case_id),
        "ended_at": iso(row.ended_at),
    }


def client_json(record: ClientRecord) -> dict[str, Any]:
    row, codes = record.row, record.practice_codes
    return {
        "id": ident(row.id),
        "name": row.name,
        "phone": row.phone,
        "telegram_chat_id": row.telegram_chat_id,
        "date_of_birth": row.date_of_birth,
        "practice": codes.get(row.practice_id or 0),
        "opted_out": row.opted_out,
        "created_at": iso(row.created_at),
        "referrals": [referral_json(r, codes) for r in record.referrals],
        "appointments": [appointment_json(a) for a in record.appointments],
        "scores": [score_json(s) for s in record.scores],
        "follow_ups": [follow_up_json(f) for f in record.follow_ups],
    }


def _address(address: Address | None) -> str | None:
    if address is None:
        return None
    return ", ".join(p for p in (address.address_1, address.city, address.postal_code) if p)


def service_json(service: Service, needs: frozenset[str] | None = None) -> dict[str, Any]:
    """The parts of a service a link worker or a client needs, in brief."""
    location = next((loc for loc in service.locations if loc.address), None)
    return {
        "id": service.id,
        "name": service.name,
        "description": service.description,
        "organization": service.organization.name if service.organization else None,
        "phone": service.phone,
        "email": service.email,
        "url": service.url,
        "address": _address(location.address if location else None),
        "schedule": next((s.description for s in service.schedules if s.description), None),
        "free": service.is_free,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "active": service.active,
        "needs": sorted(needs) if needs is not None else None,
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    return service_json(hit.service, hit.needs)


def preview_json(text: str) -> dict[str, Any]:
    """A message as it will go: characters, SMS segments, and whether it is plain GSM-7."""
    return {
        "text": text,
        "characters": len(text),
        "segments": segments(text),
        "gsm7": is_gsm7(text),
    }


def dry_run_json(run: DryRun) -> dict[str, Any]:
    return {
        "eligible": run.eligible,
        "excluded": run.excluded,
        "preview": preview_json(run.text),
        "send_at": run.send_at.isoformat(),
    }


def campaign_json(view: CampaignView) -> dict[str, Any]:
    row = view.row
    return {
        "id": str(row.id),
        "name": row.name,
        "cohort": json.loads(row.cohort),
        "message": row.message,
        "flow": row.flow,
        "preview": preview_json(view.text),
        "send_on": row.send_on,
        "send_at": row.send_at.isoformat(),
        "status": view.status,
        "eligible": row.eligible,
        **view.figures,
        "created_by": str(row.created_by) if row.created_by else None,
        "created_at": row.created_at.isoformat(),
    }
