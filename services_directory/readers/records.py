"""The records built alike from a JSON object and from a CSV row (a CSV row's cells are all
text, so reading them as text changes nothing): addresses, locations, organizations,
schedules, cost options and service areas, each once its id (and name) is known."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services_directory.model import (
    Address,
    CostOption,
    Location,
    Organization,
    Schedule,
    ServiceArea,
)
from services_directory.readers.report import Report
from services_directory.readers.values import as_number, as_text

Found = Mapping[str, Any]  # a JSON object or a CSV row


def choose_address(
    candidates: Sequence[tuple[Found, Report]],
) -> tuple[Found, Report] | None:
    """The physical address if one is marked so, else the first."""
    for data, report in candidates:
        if str(data.get("address_type") or "physical").lower() == "physical":
            return data, report
    return candidates[0] if candidates else None


def as_address(data: Found, report: Report) -> Address:
    """An address, its second line joined to the first and ``state_province`` standing in
    for a missing ``region``."""
    line_1 = as_text(data.get("address_1"), "address_1", report)
    line_2 = as_text(data.get("address_2"), "address_2", report)
    if line_2:
        line_1 = f"{line_1}, {line_2}" if line_1 else line_2
    region = as_text(data.get("region"), "region", report)
    if region is None:
        region = as_text(data.get("state_province"), "state_province", report)
    return Address(
        address_1=line_1,
        city=as_text(data.get("city"), "city", report),
        postal_code=as_text(data.get("postal_code"), "postal_code", report),
        region=region,
        country=as_text(data.get("country"), "country", report),
    )


def as_location(
    location_id: str, data: Found, addresses: Sequence[tuple[Found, Report]], report: Report
) -> Location:
    """A location with the address chosen from its ``addresses``."""
    chosen = choose_address(addresses)
    return Location(
        id=location_id,
        name=as_text(data.get("name"), "name", report),
        address=as_address(*chosen) if chosen else None,
        latitude=as_number(data.get("latitude"), "latitude", report),
        longitude=as_number(data.get("longitude"), "longitude", report),
    )


def as_organization(organization_id: str, name: str, data: Found, report: Report) -> Organization:
    return Organization(
        id=organization_id,
        name=name,
        description=as_text(data.get("description"), "description", report),
        website=as_text(data.get("website", data.get("url")), "website", report),
        email=as_text(data.get("email"), "email", report),
    )


def as_schedule(schedule_id: str, data: Found, report: Report) -> Schedule:
    return Schedule(
        id=schedule_id,
        description=as_text(data.get("description"), "description", report),
        byday=as_text(data.get("byday"), "byday", report),
        opens_at=as_text(data.get("opens_at"), "opens_at", report),
        closes_at=as_text(data.get("closes_at"), "closes_at", report),
        freq=as_text(data.get("freq"), "freq", report),
    )


def as_cost_option(cost_id: str, data: Found, report: Report) -> CostOption:
    return CostOption(
        id=cost_id,
        option=as_text(data.get("option"), "option", report),
        amount=as_number(data.get("amount"), "amount", report),
        amount_description=as_text(data.get("amount_description"), "amount_description", report),
        currency=as_text(data.get("currency"), "currency", report),
    )


def as_service_area(area_id: str, data: Found, report: Report) -> ServiceArea:
    """A service area, named by ``name`` or else ``service_area``."""
    name = as_text(data.get("name"), "name", report)
    if name is None:
        name = as_text(data.get("service_area"), "service_area", report)
    return ServiceArea(
        id=area_id,
        name=name,
        description=as_text(data.get("description"), "description", report),
    )
