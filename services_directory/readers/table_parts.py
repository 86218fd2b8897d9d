"""What each table other than services gives, one function a table: the organizations and
locations by id, and the rest by the service (or contact) their rows belong to. A row with no
id, or naming a service, location or taxonomy term that is not there, is reported and left
out."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from services_directory.model import (
    Contact,
    CostOption,
    Location,
    Organization,
    Schedule,
    ServiceArea,
    TaxonomyTerm,
)
from services_directory.readers.records import (
    as_cost_option,
    as_location,
    as_organization,
    as_schedule,
    as_service_area,
)
from services_directory.readers.report import Report
from services_directory.readers.table_source import Row, Source, need
from services_directory.readers.values import as_whole

Record = TypeVar("Record")


def organizations(source: Source) -> dict[str, Organization]:
    found: dict[str, Organization] = {}
    for _, row, report in source.rows("organizations"):
        organization_id = row.get("id")
        if organization_id and (name := need(row, "name", report, "organization")):
            found[organization_id] = as_organization(organization_id, name, row, report)
        elif not organization_id:
            report.add("id", "missing; this organization is left out")
    return found


def _addresses(source: Source) -> dict[str, list[tuple[Row, Report]]]:
    """The address rows of each location, to choose its address from."""
    found: dict[str, list[tuple[Row, Report]]] = {}
    for _, row, report in source.rows("addresses"):
        if location_id := need(row, "location_id", report, "address"):
            found.setdefault(location_id, []).append((row, report))
    return found


def locations(source: Source) -> dict[str, Location]:
    addresses = _addresses(source)
    found: dict[str, Location] = {}
    for _, row, report in source.rows("locations"):
        if location_id := need(row, "id", report, "location"):
            found[location_id] = as_location(
                location_id, row, addresses.get(location_id, []), report
            )
    return found


def service_at_locations(
    source: Source, locations: Mapping[str, Location]
) -> tuple[dict[str, list[Location]], dict[str, str]]:
    """Each service's locations, and the service of each service_at_location id (schedules
    may belong to one)."""
    by_service: dict[str, list[Location]] = {}
    service_of_place: dict[str, str] = {}
    for _, row, report in source.rows("service_at_locations"):
        service_id, location_id = source.owner(row, report), row.get("location_id")
        if not service_id or not location_id:
            if not (row.get("service_id") and row.get("location_id")):
                report.add(None, "needs a service_id and a location_id; row left out")
            continue
        if row.get("id"):
            service_of_place[row["id"]] = service_id
        if location_id in locations:
            by_service.setdefault(service_id, []).append(locations[location_id])
        else:
            report.add("location_id", f"no location with id {location_id!r}; row left out")
    return by_service, service_of_place


def phones(source: Source) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The phone numbers of each contact, and of each service (a row with no contact_id)."""
    by_contact: dict[str, list[str]] = {}
    by_service: dict[str, list[str]] = {}
    for _, row, report in source.rows("phones"):
        number = need(row, "number", report, "phone")
        if number and row.get("contact_id"):
            by_contact.setdefault(row["contact_id"], []).append(number)
        elif number and (service_id := source.owner(row, report)):
            by_service.setdefault(service_id, []).append(number)
    return by_contact, by_service


def _by_service(
    source: Source, kind: str, what: str, build: Callable[[str, Row, Report], Record]
) -> dict[str, list[Record]]:
    """The records of a table whose rows each need an id and belong to a service, by service."""
    found: dict[str, list[Record]] = {}
    for _, row, report in source.rows(kind):
        if (record_id := need(row, "id", report, what)) and (
            service_id := source.owner(row, report)
        ):
            found.setdefault(service_id, []).append(build(record_id, row, report))
    return found


def contacts(source: Source, phones: Mapping[str, list[str]]) -> dict[str, list[Contact]]:
    """Each service's contacts, with their phone numbers (by contact id)."""

    def contact(contact_id: str, row: Row, report: Report) -> Contact:
        return Contact(
            id=contact_id,
            name=row.get("name"),
            title=row.get("title"),
            email=row.get("email"),
            phones=tuple(phones.get(contact_id, ())),
        )

    return _by_service(source, "contacts", "contact", contact)


def schedules(source: Source, service_of_place: Mapping[str, str]) -> dict[str, list[Schedule]]:
    """Each service's schedules: its own, and those of its service_at_locations."""
    found: dict[str, list[Schedule]] = {}
    for _, row, report in source.rows("schedules"):
        service_id = source.owner(row, report) or service_of_place.get(
            row.get("service_at_location_id", "")
        )
        if (schedule_id := need(row, "id", report, "schedule")) and service_id:
            found.setdefault(service_id, []).append(as_schedule(schedule_id, row, report))
    return found


def ages(source: Source) -> dict[str, tuple[int | None, int | None]]:
    """Each service's ages over its eligibility rows: the lowest minimum, the highest maximum."""
    found: dict[str, tuple[int | None, int | None]] = {}
    for _, row, report in source.rows("eligibility"):
        if service_id := source.owner(row, report):
            low = as_whole(row.get("minimum_age"), "minimum_age", report)
            high = as_whole(row.get("maximum_age"), "maximum_age", report)
            old_low, old_high = found.get(service_id, (None, None))
            lows = [age for age in (low, old_low) if age is not None]
            highs = [age for age in (high, old_high) if age is not None]
            found[service_id] = (min(lows, default=None), max(highs, default=None))
    return found


def cost_options(source: Source) -> dict[str, list[CostOption]]:
    return _by_service(source, "cost_options", "cost option", as_cost_option)


def _taxonomies(source: Source) -> dict[str, TaxonomyTerm]:
    found: dict[str, TaxonomyTerm] = {}
    for _, row, report in source.rows("taxonomies"):
        term_id, name = row.get("id"), row.get("name", row.get("term"))
        if not term_id:
            report.add("id", "missing; this taxonomy term is left out")
        elif not name:
            report.add("name", "missing; this taxonomy term is left out")
        else:
            found[term_id] = TaxonomyTerm(
                id=term_id,
                name=name,
                code=row.get("code"),
                taxonomy=row.get("vocabulary", row.get("taxonomy")),
            )
    return found


def _term_links(source: Source) -> Iterator[tuple[str | None, str | None, Report, str]]:
    """(service id, term id, report, term id's field) of each service_taxonomies row, then of
    each attributes row that links a service."""
    for _, row, report in source.rows("service_taxonomies"):
        yield source.owner(row, report), row.get("taxonomy_id"), report, "taxonomy_id"
    for _, row, report in source.rows("attributes"):
        link_type = row.get("link_type", row.get("link_entity", "service"))
        if link_type.lower() in ("service", "services"):
            term_id = row.get("taxonomy_term_id", row.get("taxonomy_id"))
            yield source.owner(row, report, "link_id"), term_id, report, "taxonomy_term_id"


def taxonomy_terms(source: Source) -> dict[str, list[TaxonomyTerm]]:
    """Each service's taxonomy terms (the taxonomies table), as its links give them."""
    terms = _taxonomies(source)
    found: dict[str, list[TaxonomyTerm]] = {}
    for service_id, term_id, report, name in _term_links(source):
        if not service_id or not term_id:
            continue
        if term_id in terms:
            found.setdefault(service_id, []).append(terms[term_id])
        else:
            report.add(name, f"no taxonomy term with id {term_id!r}; row left out")
    return found


def service_areas(source: Source) -> dict[str, list[ServiceArea]]:
    return _by_service(source, "service_areas", "service area", as_service_area)
