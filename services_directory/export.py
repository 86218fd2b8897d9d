"""Writing services as Open Referral UK 3.0 / HSDS 3.0 service objects, nested the way the
ORUK "service full" API response nests them.

Round trip: ``read_json(to_json(services), ...).services == tuple(services)`` for any services
with a non-empty id and name (which is every service a reader returns). Records the model keeps
no id for (a location's address, phones, a service_at_location, a taxonomy attribute) are given
stable UUIDs derived from their owner's id, so the same services always export to the same JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from services_directory.model import Location, Organization, Service, TaxonomyTerm

__all__ = ["to_json", "write_json"]

_NAMESPACE = uuid.UUID("4b0b6d2a-3f5e-5c1e-9a7e-6c696e6b626f")


def _derived_id(*parts: str) -> str:
    """A UUID that is always the same for the same parts."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def _organization(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.id,
        "name": organization.name,
        "description": organization.description,
        "website": organization.website,
        "email": organization.email,
    }


def _location(location: Location) -> dict[str, Any]:
    addresses = []
    if (address := location.address) is not None:
        addresses.append(
            {
                "id": _derived_id("address", location.id),
                "location_id": location.id,
                "address_1": address.address_1,
                "city": address.city,
                "region": address.region,
                "state_province": address.region,
                "postal_code": address.postal_code,
                "country": address.country,
                "address_type": "physical",
            }
        )
    return {
        "id": location.id,
        "location_type": "physical",
        "name": location.name,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "addresses": addresses,
    }


def _phones(owner: str, owner_id: str, numbers: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": _derived_id("phone", owner, owner_id, str(position)),
            f"{owner}_id": owner_id,
            "number": number,
        }
        for position, number in enumerate(numbers)
    ]


def _attribute(service_id: str, position: int, term: TaxonomyTerm) -> dict[str, Any]:
    return {
        "id": _derived_id("attribute", service_id, str(position), term.id),
        "link_id": service_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": term.id,
        "taxonomy_term": {
            "id": term.id,
            "name": term.name,
            "code": term.code,
            "taxonomy": term.taxonomy,
            "description": term.name,
        },
    }


def _service(service: Service) -> dict[str, Any]:
    sid = service.id
    return {
        "id": sid,
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "fees_description": service.fees_description,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "last_modified": service.last_modified,
        "organization": _organization(service.organization) if service.organization else None,
        "service_at_locations": [
            {
                "id": _derived_id("service_at_location", sid, str(position), location.id),
                "service_id": sid,
                "location_id": location.id,
                "location": _location(location),
            }
            for position, location in enumerate(service.locations)
        ],
        "contacts": [
            {
                "id": c.id,
                "service_id": sid,
                "name": c.name,
                "title": c.title,
                "email": c.email,
                "phones": _phones("contact", c.id, c.phones),
            }
            for c in service.contacts
        ],
        "phones": _phones("service", sid, service.phones),
        "schedules": [
            {
                "id": s.id,
                "service_id": sid,
                "description": s.description,
                "freq": s.freq,
                "byday": s.byday,
                "opens_at": s.opens_at,
                "closes_at": s.closes_at,
            }
            for s in service.schedules
        ],
        "cost_options": [
            {
                "id": c.id,
                "service_id": sid,
                "option": c.option,
                "amount": c.amount,
                "amount_description": c.amount_description,
                "currency": c.currency,
            }
            for c in service.cost_options
        ],
        "service_areas": [
            {"id": a.id, "service_id": sid, "name": a.name, "description": a.description}
            for a in service.service_areas
        ],
        "attributes": [
            _attribute(sid, position, term) for position, term in enumerate(service.taxonomy_terms)
        ],
    }


def to_json(services: Iterable[Service]) -> list[dict[str, Any]]:
    """ORUK 3.0 / HSDS 3.0 service objects, ready for ``json.dumps``."""
    return [_service(service) for service in services]


def write_json(services: Iterable[Service], path: Path) -> None:
    """Write the services as a JSON list of ORUK 3.0 service objects (UTF-8, compact)."""
    text = json.dumps(to_json(services), ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")
