"""Reading Open Referral UK 1.0 / HSDS 1.x tables (also the HSDS 3.0 tabular form): a services
table, and tables of the records that belong to its services, each read in turn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
from services_directory.readers import table_parts as parts
from services_directory.readers.report import Collected, ReadResult, Report
from services_directory.readers.table_source import Row, Source
from services_directory.readers.values import as_whole


@dataclass(frozen=True, slots=True)
class _Linked:
    """What the other tables give the services: organizations by id, the rest by service id."""

    organizations: Mapping[str, Organization]
    locations: Mapping[str, list[Location]]
    phones: Mapping[str, list[str]]
    contacts: Mapping[str, list[Contact]]
    schedules: Mapping[str, list[Schedule]]
    ages: Mapping[str, tuple[int | None, int | None]]
    cost_options: Mapping[str, list[CostOption]]
    taxonomy_terms: Mapping[str, list[TaxonomyTerm]]
    service_areas: Mapping[str, list[ServiceArea]]

    @classmethod
    def of(cls, source: Source) -> _Linked:
        """The tables read in the order their problems have always been listed in."""
        organizations = parts.organizations(source)
        places, service_of_place = parts.service_at_locations(source, parts.locations(source))
        contact_phones, service_phones = parts.phones(source)
        return cls(
            organizations=organizations,
            locations=places,
            phones=service_phones,
            contacts=parts.contacts(source, contact_phones),
            schedules=parts.schedules(source, service_of_place),
            ages=parts.ages(source),
            cost_options=parts.cost_options(source),
            taxonomy_terms=parts.taxonomy_terms(source),
            service_areas=parts.service_areas(source),
        )


def _organization(
    row: Row, report: Report, organizations: Mapping[str, Organization]
) -> Organization | None:
    """The organization the service's ``organization_id`` names, if it is there."""
    organization_id = row.get("organization_id")
    if not organization_id:
        return None
    found = organizations.get(organization_id)
    if found is None:
        report.add("organization_id", f"no organization with id {organization_id!r}")
    return found


def _service(row: Row, report: Report, linked: _Linked) -> Service | None:
    """The service of a services row, or None (reported) if it has no id or no name. Its own
    ages come before those of its eligibility rows."""
    service_id, name = row.get("id"), row.get("name")
    if not service_id or not name:
        report.add("id" if not service_id else "name", "missing; the service is left out")
        return None
    organization = _organization(row, report, linked.organizations)
    low, high = linked.ages.get(service_id, (None, None))
    minimum_age = as_whole(row.get("minimum_age"), "minimum_age", report)
    maximum_age = as_whole(row.get("maximum_age"), "maximum_age", report)
    return Service(
        id=service_id,
        name=name,
        description=row.get("description"),
        url=row.get("url"),
        email=row.get("email"),
        status=row.get("status", "active"),
        organization=organization,
        locations=tuple(linked.locations.get(service_id, ())),
        contacts=tuple(linked.contacts.get(service_id, ())),
        phones=tuple(linked.phones.get(service_id, ())),
        schedules=tuple(linked.schedules.get(service_id, ())),
        minimum_age=low if minimum_age is None else minimum_age,
        maximum_age=high if maximum_age is None else maximum_age,
        cost_options=tuple(linked.cost_options.get(service_id, ())),
        fees_description=row.get("fees_description", row.get("fees")),
        taxonomy_terms=tuple(linked.taxonomy_terms.get(service_id, ())),
        service_areas=tuple(linked.service_areas.get(service_id, ())),
        last_modified=row.get("last_modified"),
    )


def read_tables(tables: Mapping[str, Sequence[Mapping[str, str]]], file: str) -> ReadResult:
    """Services from Open Referral UK 1.0 / HSDS 1.x tables (also the HSDS 3.0 tabular form),
    given as rows by table name without ".csv" (services, organizations, locations,
    service_at_locations, physical_addresses, phones, contacts, regular_schedules,
    eligibility, cost_options, service_taxonomies, taxonomies, service_areas...). ``file``
    names the source: problems name "<file>/<table>.csv". Raises DirectoryFileError if there
    is no services table."""
    source = Source.of(tables, file)
    linked = _Linked.of(source)
    collected = Collected(source.problems)
    for number, row, report in source.services.rows:
        if (service := _service(row, report, linked)) is not None:
            collected.add(service, source.services.file, number, f"row {number}")
    return collected.result()
