"""Reading Open Referral UK 1.0 / HSDS 1.x tables (one table of rows per record type), which
refer to each other by id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services_directory.model import (
    Contact,
    CostOption,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    TaxonomyTerm,
)
from services_directory.readers.records import as_address, choose_address
from services_directory.readers.report import (
    Collected,
    DirectoryFileError,
    Problem,
    ReadResult,
    Report,
)
from services_directory.readers.values import as_number, as_whole

Row = Mapping[str, str]
_TABLES: dict[str, tuple[str, ...]] = {
    "services": ("services", "service"),
    "organizations": ("organizations", "organization", "organisations", "organisation"),
    "locations": ("locations", "location"),
    "service_at_locations": ("service_at_locations", "service_at_location"),
    "addresses": ("physical_addresses", "physical_address", "addresses", "address"),
    "phones": ("phones", "phone"),
    "contacts": ("contacts", "contact"),
    "schedules": ("regular_schedules", "regular_schedule", "schedules", "schedule"),
    "eligibility": ("eligibility", "eligibilitys", "eligibilities"),
    "cost_options": ("cost_options", "cost_option"),
    "service_taxonomies": (
        "service_taxonomies",
        "service_taxonomys",
        "service_taxonomy",
        "service_attributes",
    ),
    "attributes": ("attributes", "link_taxonomies", "link_taxonomy"),
    "taxonomies": ("taxonomies", "taxonomys", "taxonomy", "taxonomy_terms", "taxonomy_term"),
    "service_areas": ("service_areas", "service_area"),
}


@dataclass(slots=True)
class _Table:
    file: str
    rows: list[tuple[int, dict[str, str], Report]] = field(default_factory=list)


def _clean(row: Mapping[Any, Any]) -> dict[str, str]:
    """Header names lower case; blank cells and cells with no header left out; stripped."""
    return {
        k.strip().lower(): v.strip()
        for k, v in row.items()
        if isinstance(k, str) and isinstance(v, str) and v.strip()
    }


def _table(
    tables: Mapping[str, Sequence[Row]], kind: str, file: str, problems: list[Problem]
) -> _Table | None:
    lowered = {name.lower(): name for name in tables}
    for alias in _TABLES[kind]:
        if alias in lowered:
            name = lowered[alias]
            place = f"{file}/{name}.csv" if file else f"{name}.csv"
            table = _Table(place)
            for number, row in enumerate(tables[name], start=1):
                table.rows.append((number, _clean(row), Report(problems, place, number)))
            return table
    return None


def _rows(table: _Table | None) -> list[tuple[int, dict[str, str], Report]]:
    return table.rows if table else []


def _need(row: Mapping[str, str], name: str, report: Report, what: str) -> str | None:
    value = row.get(name)
    if not value:
        report.add(name, f"missing; this {what} is left out")
    return value


def read_tables(tables: Mapping[str, Sequence[Mapping[str, str]]], file: str) -> ReadResult:
    """Services from Open Referral UK 1.0 / HSDS 1.x tables (also the HSDS 3.0 tabular form),
    given as rows by table name without ".csv" (services, organizations, locations,
    service_at_locations, physical_addresses, phones, contacts, regular_schedules,
    eligibility, cost_options, service_taxonomies, taxonomies, service_areas...). ``file``
    names the source: problems name "<file>/<table>.csv". Raises DirectoryFileError if there
    is no services table."""
    problems: list[Problem] = []

    def get(kind: str) -> _Table | None:
        return _table(tables, kind, file, problems)

    services_table = get("services")
    if services_table is None:
        raise DirectoryFileError(f"{file or 'tables'}: no services table (services.csv)")
    known_services = {row["id"] for _, row, _ in services_table.rows if row.get("id")}

    def owner(row: Mapping[str, str], report: Report, name: str = "service_id") -> str | None:
        """The service a row belongs to, if it is one we know."""
        service_id = row.get(name)
        if service_id and service_id not in known_services:
            report.add(name, f"no service with id {service_id!r}; row left out")
            return None
        return service_id

    organizations: dict[str, Organization] = {}
    for _, row, report in _rows(get("organizations")):
        org_id, name = row.get("id"), row.get("name")
        if org_id and _need(row, "name", report, "organization") and name:
            organizations[org_id] = Organization(
                id=org_id,
                name=name,
                description=row.get("description"),
                website=row.get("website", row.get("url")),
                email=row.get("email"),
            )
        elif not org_id:
            report.add("id", "missing; this organization is left out")

    addresses: dict[str, list[tuple[Mapping[str, Any], Report]]] = {}
    for _, row, report in _rows(get("addresses")):
        if location_id := _need(row, "location_id", report, "address"):
            addresses.setdefault(location_id, []).append((row, report))
    locations: dict[str, Location] = {}
    for _, row, report in _rows(get("locations")):
        if location_id := _need(row, "id", report, "location"):
            chosen = choose_address(addresses.get(location_id, []))
            locations[location_id] = Location(
                id=location_id,
                name=row.get("name"),
                address=as_address(*chosen) if chosen else None,
                latitude=as_number(row.get("latitude"), "latitude", report),
                longitude=as_number(row.get("longitude"), "longitude", report),
            )

    service_locations: dict[str, list[Location]] = {}
    service_of_place: dict[str, str] = {}
    for _, row, report in _rows(get("service_at_locations")):
        service_id, location_id = owner(row, report), row.get("location_id")
        if not service_id or not location_id:
            if not (row.get("service_id") and row.get("location_id")):
                report.add(None, "needs a service_id and a location_id; row left out")
            continue
        if row.get("id"):
            service_of_place[row["id"]] = service_id
        if location_id in locations:
            service_locations.setdefault(service_id, []).append(locations[location_id])
        else:
            report.add("location_id", f"no location with id {location_id!r}; row left out")

    contact_phones: dict[str, list[str]] = {}
    service_phones: dict[str, list[str]] = {}
    for _, row, report in _rows(get("phones")):
        number = _need(row, "number", report, "phone")
        if number and row.get("contact_id"):
            contact_phones.setdefault(row["contact_id"], []).append(number)
        elif number and (service_id := owner(row, report)):
            service_phones.setdefault(service_id, []).append(number)

    contacts: dict[str, list[Contact]] = {}
    for _, row, report in _rows(get("contacts")):
        if (contact_id := _need(row, "id", report, "contact")) and (
            service_id := owner(row, report)
        ):
            contacts.setdefault(service_id, []).append(
                Contact(
                    id=contact_id,
                    name=row.get("name"),
                    title=row.get("title"),
                    email=row.get("email"),
                    phones=tuple(contact_phones.get(contact_id, ())),
                )
            )

    schedules: dict[str, list[Schedule]] = {}
    for _, row, report in _rows(get("schedules")):
        service_id = owner(row, report) or service_of_place.get(
            row.get("service_at_location_id", "")
        )
        if (schedule_id := _need(row, "id", report, "schedule")) and service_id:
            schedules.setdefault(service_id, []).append(
                Schedule(
                    id=schedule_id,
                    description=row.get("description"),
                    byday=row.get("byday"),
                    opens_at=row.get("opens_at"),
                    closes_at=row.get("closes_at"),
                    freq=row.get("freq"),
                )
            )

    ages: dict[str, tuple[int | None, int | None]] = {}
    for _, row, report in _rows(get("eligibility")):
        if service_id := owner(row, report):
            low = as_whole(row.get("minimum_age"), "minimum_age", report)
            high = as_whole(row.get("maximum_age"), "maximum_age", report)
            old_low, old_high = ages.get(service_id, (None, None))
            ages[service_id] = (
                min(v for v in (low, old_low) if v is not None)
                if low is not None or old_low is not None
                else None,
                max(v for v in (high, old_high) if v is not None)
                if high is not None or old_high is not None
                else None,
            )

    costs: dict[str, list[CostOption]] = {}
    for _, row, report in _rows(get("cost_options")):
        if (cost_id := _need(row, "id", report, "cost option")) and (
            service_id := owner(row, report)
        ):
            costs.setdefault(service_id, []).append(
                CostOption(
                    id=cost_id,
                    option=row.get("option"),
                    amount=as_number(row.get("amount"), "amount", report),
                    amount_description=row.get("amount_description"),
                    currency=row.get("currency"),
                )
            )

    terms: dict[str, TaxonomyTerm] = {}
    for _, row, report in _rows(get("taxonomies")):
        term_id, name = row.get("id"), row.get("name", row.get("term"))
        if not term_id:
            report.add("id", "missing; this taxonomy term is left out")
        elif not name:
            report.add("name", "missing; this taxonomy term is left out")
        else:
            terms[term_id] = TaxonomyTerm(
                id=term_id,
                name=name,
                code=row.get("code"),
                taxonomy=row.get("vocabulary", row.get("taxonomy")),
            )
    service_terms: dict[str, list[TaxonomyTerm]] = {}

    def link(service_id: str | None, term_id: str | None, report: Report, name: str) -> None:
        if not service_id or not term_id:
            return
        if term_id in terms:
            service_terms.setdefault(service_id, []).append(terms[term_id])
        else:
            report.add(name, f"no taxonomy term with id {term_id!r}; row left out")

    for _, row, report in _rows(get("service_taxonomies")):
        link(owner(row, report), row.get("taxonomy_id"), report, "taxonomy_id")
    for _, row, report in _rows(get("attributes")):
        if row.get("link_type", row.get("link_entity", "service")).lower() in (
            "service",
            "services",
        ):
            link(
                owner(row, report, "link_id"),
                row.get("taxonomy_term_id", row.get("taxonomy_id")),
                report,
                "taxonomy_term_id",
            )

    areas: dict[str, list[ServiceArea]] = {}
    for _, row, report in _rows(get("service_areas")):
        if (area_id := _need(row, "id", report, "service area")) and (
            service_id := owner(row, report)
        ):
            areas.setdefault(service_id, []).append(
                ServiceArea(
                    id=area_id,
                    name=row.get("name", row.get("service_area")),
                    description=row.get("description"),
                )
            )

    collected = Collected(problems)
    for row_number, row, report in services_table.rows:
        service_id, name = row.get("id"), row.get("name")
        if not service_id or not name:
            report.add("id" if not service_id else "name", "missing; the service is left out")
            continue
        organization = None
        if org_id := row.get("organization_id"):
            organization = organizations.get(org_id)
            if organization is None:
                report.add("organization_id", f"no organization with id {org_id!r}")
        low, high = ages.get(service_id, (None, None))
        minimum_age = as_whole(row.get("minimum_age"), "minimum_age", report)
        maximum_age = as_whole(row.get("maximum_age"), "maximum_age", report)
        collected.add(
            Service(
                id=service_id,
                name=name,
                description=row.get("description"),
                url=row.get("url"),
                email=row.get("email"),
                status=row.get("status", "active"),
                organization=organization,
                locations=tuple(service_locations.get(service_id, ())),
                contacts=tuple(contacts.get(service_id, ())),
                phones=tuple(service_phones.get(service_id, ())),
                schedules=tuple(schedules.get(service_id, ())),
                minimum_age=low if minimum_age is None else minimum_age,
                maximum_age=high if maximum_age is None else maximum_age,
                cost_options=tuple(costs.get(service_id, ())),
                fees_description=row.get("fees_description", row.get("fees")),
                taxonomy_terms=tuple(service_terms.get(service_id, ())),
                service_areas=tuple(areas.get(service_id, ())),
                last_modified=row.get("last_modified"),
            ),
            services_table.file,
            row_number,
            f"row {row_number}",
        )
    return collected.result()
