"""Reading a services directory: Open Referral UK 3.0 / HSDS 3.0 JSON, and the older Open
Referral UK 1.0 / HSDS 1.x tables (one CSV file per table, with a datapackage.json), from a
file, a folder or a .zip.

Reading is tolerant: unknown fields and tables are ignored and optional fields may be missing.
A bad row never stops the rest; what was wrong is returned as a Problem:

- a service with no id or no name is left out;
- an optional field of the wrong kind (``minimum_age`` "twelve", ``latitude`` "north") is
  dropped (read as None) and the rest of the service kept;
- a nested record with no id (a contact, a location, a taxonomy term...) is left out of its
  service, which is kept;
- when a service id appears twice, the later one wins (in the earlier one's place).

Problem rows are 1-based data rows (after the header) for CSV tables, and the 0-based index of
the service in the list (pages flattened) for JSON; None for a single JSON service object.

Strings in JSON are kept exactly as given (numbers given for text are turned into text); in
CSV a blank cell means "not given" and cells are stripped of surrounding spaces.
"""

from __future__ import annotations

import csv
import io
import json
import math
import pathlib
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from services_directory.model import (
    Address,
    Contact,
    CostOption,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    TaxonomyTerm,
)

__all__ = ["DirectoryFileError", "Problem", "ReadResult", "read_json", "read_path", "read_tables"]


class DirectoryFileError(ValueError):
    """The file (or folder) cannot be read as a services directory at all."""


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ReadResult:
    services: tuple[Service, ...]
    problems: tuple[Problem, ...]


# --- values --------------------------------------------------------------------------------

_WHOLE = re.compile(r"[+-]?[0-9]+")


@dataclass(slots=True)
class _Report:
    """Where the reader is, so that a bad value can be reported where it was found."""

    problems: list[Problem]
    file: str
    row: int | None = None
    prefix: str = ""  # the path to a nested record in JSON, e.g. "contacts[0]."

    def add(self, name: str | None, message: str) -> None:
        where = f"{self.prefix}{name}" if name else (self.prefix.rstrip(".") or None)
        self.problems.append(Problem(self.file, self.row, where, message))

    def nested(self, prefix: str) -> _Report:
        return _Report(self.problems, self.file, self.row, self.prefix + prefix)


def _text(value: object, name: str, report: _Report) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    report.add(name, "not text; left out")
    return None


def _whole(value: object, name: str, report: _Report) -> int | None:
    number: int | None = None
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        report.add(name, "not a whole number")
        return None
    if number < 0:
        report.add(name, "must not be negative")
        return None
    return number


def _number(value: object, name: str, report: _Report) -> float | None:
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().lstrip("£").replace(",", ""))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        report.add(name, "not a number")
        return None
    return number


# --- JSON ----------------------------------------------------------------------------------


def _list(data: Mapping[str, Any], names: Sequence[str], report: _Report) -> list[Any]:
    """The first of the named fields that is present, as a list (None or missing: empty)."""
    for name in names:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            return [value]
        report.add(name, "not a list; left out")
        return []
    return []


def _records(
    data: Mapping[str, Any],
    names: Sequence[str],
    report: _Report,
) -> Iterable[tuple[Mapping[str, Any], _Report]]:
    """Each object in the first present list field, with a report naming its place."""
    name = next((n for n in names if data.get(n) is not None), names[0])
    for position, item in enumerate(_list(data, names, report)):
        place = report.nested(f"{name}[{position}].")
        if isinstance(item, dict):
            yield item, place
        else:
            place.add(None, "not an object; left out")


def _id(data: Mapping[str, Any], report: _Report, what: str) -> str | None:
    found = _text(data.get("id"), "id", report)
    if not found:
        report.add("id", f"missing; this {what} is left out")
        return None
    return found


def _json_organization(data: object, report: _Report) -> Organization | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        report.add(None, "not an object; left out")
        return None
    found = _id(data, report, "organization")
    name = _text(data.get("name"), "name", report)
    if found is None:
        return None
    if not name:
        report.add("name", "missing; the organization is left out")
        return None
    return Organization(
        id=found,
        name=name,
        description=_text(data.get("description"), "description", report),
        website=_text(data.get("website", data.get("url")), "website", report),
        email=_text(data.get("email"), "email", report),
    )


def _choose_address(
    candidates: list[tuple[Mapping[str, Any], _Report]],
) -> tuple[Mapping[str, Any], _Report] | None:
    """The physical address if one is marked so, else the first."""
    for data, report in candidates:
        if str(data.get("address_type") or "physical").lower() == "physical":
            return data, report
    return candidates[0] if candidates else None


def _address(data: Mapping[str, Any], report: _Report) -> Address:
    line_1 = _text(data.get("address_1"), "address_1", report)
    line_2 = _text(data.get("address_2"), "address_2", report)
    if line_2:
        line_1 = f"{line_1}, {line_2}" if line_1 else line_2
    region = _text(data.get("region"), "region", report)
    if region is None:
        region = _text(data.get("state_province"), "state_province", report)
    return Address(
        address_1=line_1,
        city=_text(data.get("city"), "city", report),
        postal_code=_text(data.get("postal_code"), "postal_code", report),
        region=region,
        country=_text(data.get("country"), "country", report),
    )


def _json_location(data: Mapping[str, Any], report: _Report) -> Location | None:
    found = _id(data, report, "location")
    if found is None:
        return None
    chosen = _choose_address(
        list(_records(data, ("addresses", "physical_addresses", "physical_address"), report))
    )
    return Location(
        id=found,
        name=_text(data.get("name"), "name", report),
        address=_address(*chosen) if chosen else None,
        latitude=_number(data.get("latitude"), "latitude", report),
        longitude=_number(data.get("longitude"), "longitude", report),
    )


def _phone_numbers(data: Mapping[str, Any], report: _Report) -> tuple[str, ...]:
    numbers = []
    for position, item in enumerate(_list(data, ("phones",), report)):
        place = report.nested(f"phones[{position}].")
        number = _text(item.get("number") if isinstance(item, dict) else item, "number", place)
        if number is not None:
            numbers.append(number)
        else:
            place.add("number", "missing; this phone is left out")
    return tuple(numbers)


def _json_schedule(data: Mapping[str, Any], report: _Report) -> Schedule | None:
    found = _id(data, report, "schedule")
    if found is None:
        return None
    return Schedule(
        id=found,
        description=_text(data.get("description"), "description", report),
        byday=_text(data.get("byday"), "byday", report),
        opens_at=_text(data.get("opens_at"), "opens_at", report),
        closes_at=_text(data.get("closes_at"), "closes_at", report),
        freq=_text(data.get("freq"), "freq", report),
    )


def _json_term(data: Mapping[str, Any], report: _Report) -> TaxonomyTerm | None:
    found = _id(data, report, "taxonomy term")
    name = _text(data.get("name", data.get("term")), "name", report)
    if found is None:
        return None
    if not name:
        report.add("name", "missing; this taxonomy term is left out")
        return None
    vocabulary = _text(data.get("taxonomy", data.get("vocabulary")), "taxonomy", report)
    detail = data.get("taxonomy_detail")
    if vocabulary is None and isinstance(detail, dict):
        vocabulary = _text(detail.get("name"), "taxonomy_detail.name", report)
    return TaxonomyTerm(
        id=found, name=name, code=_text(data.get("code"), "code", report), taxonomy=vocabulary
    )


def _json_terms(data: Mapping[str, Any], report: _Report) -> tuple[TaxonomyTerm, ...]:
    terms: list[TaxonomyTerm] = []
    for item, place in _records(data, ("attributes",), report):
        term = item.get("taxonomy_term")
        if (
            isinstance(term, dict)
            and (t := _json_term(term, place.nested("taxonomy_term."))) is not None
        ):
            terms.append(t)
    for name, inner in (("service_taxonomys", "taxonomy"), ("service_taxonomies", "taxonomy")):
        for item, place in _records(data, (name,), report):
            term = item.get(inner)
            if (
                isinstance(term, dict)
                and (t := _json_term(term, place.nested(f"{inner}."))) is not None
            ):
                terms.append(t)
    for item, place in _records(data, ("taxonomy_terms",), report):
        if (t := _json_term(item, place)) is not None:
            terms.append(t)
    return tuple(terms)


def _json_service(data: Mapping[str, Any], report: _Report) -> Service | None:
    service_id = _text(data.get("id"), "id", report)
    name = _text(data.get("name"), "name", report)
    if not service_id or not name:
        report.add("id" if not service_id else "name", "missing; the service is left out")
        return None
    locations: list[Location] = []
    schedules: list[Schedule] = []
    for item, place in _records(data, ("service_at_locations",), report):
        location = item.get("location")
        if isinstance(location, dict):
            found = _json_location(location, place.nested("location."))
            if found is not None:
                locations.append(found)
        elif location_id := _text(item.get("location_id"), "location_id", place):
            locations.append(Location(id=location_id))
        for schedule, inner in _records(item, ("schedules", "regular_schedules"), place):
            if (s := _json_schedule(schedule, inner)) is not None:
                schedules.append(s)
    for item, place in _records(data, ("locations",), report):
        if (found := _json_location(item, place)) is not None:
            locations.append(found)
    for item, place in _records(data, ("schedules", "regular_schedules"), report):
        if (s := _json_schedule(item, place)) is not None:
            schedules.append(s)
    contacts = []
    for item, place in _records(data, ("contacts",), report):
        if (contact_id := _id(item, place, "contact")) is not None:
            contacts.append(
                Contact(
                    id=contact_id,
                    name=_text(item.get("name"), "name", place),
                    title=_text(item.get("title"), "title", place),
                    email=_text(item.get("email"), "email", place),
                    phones=_phone_numbers(item, place),
                )
            )
    costs = []
    for item, place in _records(data, ("cost_options",), report):
        if (cost_id := _id(item, place, "cost option")) is not None:
            costs.append(
                CostOption(
                    id=cost_id,
                    option=_text(item.get("option"), "option", place),
                    amount=_number(item.get("amount"), "amount", place),
                    amount_description=_text(
                        item.get("amount_description"), "amount_description", place
                    ),
                    currency=_text(item.get("currency"), "currency", place),
                )
            )
    areas = []
    for item, place in _records(data, ("service_areas",), report):
        if (area_id := _id(item, place, "service area")) is not None:
            area_name = _text(item.get("name"), "name", place)
            if area_name is None:
                area_name = _text(item.get("service_area"), "service_area", place)
            areas.append(
                ServiceArea(
                    id=area_id,
                    name=area_name,
                    description=_text(item.get("description"), "description", place),
                )
            )
    minimum_age = _whole(data.get("minimum_age"), "minimum_age", report)
    maximum_age = _whole(data.get("maximum_age"), "maximum_age", report)
    for item, place in _records(data, ("eligibilitys", "eligibility"), report):
        low = _whole(item.get("minimum_age"), "minimum_age", place)
        high = _whole(item.get("maximum_age"), "maximum_age", place)
        minimum_age = low if minimum_age is None else minimum_age
        maximum_age = high if maximum_age is None else maximum_age
    fees = data.get("fees_description")
    status = _text(data.get("status"), "status", report)
    return Service(
        id=service_id,
        name=name,
        description=_text(data.get("description"), "description", report),
        url=_text(data.get("url"), "url", report),
        email=_text(data.get("email"), "email", report),
        status="active" if status is None else status,
        organization=_json_organization(data.get("organization"), report.nested("organization.")),
        locations=tuple(locations),
        contacts=tuple(contacts),
        phones=_phone_numbers(data, report),
        schedules=tuple(schedules),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        cost_options=tuple(costs),
        fees_description=_text(
            fees if fees is not None else data.get("fees"), "fees_description", report
        ),
        taxonomy_terms=_json_terms(data, report),
        service_areas=tuple(areas),
        last_modified=_text(data.get("last_modified"), "last_modified", report),
    )


def _is_page(data: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(data, dict) and isinstance(data.get("contents"), list)


class _Collected:
    """Services by id in first-seen order, the later of two with the same id winning."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.by_id: dict[str, Service] = {}
        self.where: dict[str, str] = {}

    def add(self, service: Service, file: str, row: int | None, where: str) -> None:
        if service.id in self.by_id:
            self.problems.append(
                Problem(
                    file,
                    row,
                    "id",
                    f"service id {service.id!r} appears again; this one replaces "
                    f"the one at {self.where[service.id]}",
                )
            )
        self.by_id[service.id] = service
        self.where[service.id] = where

    def result(self) -> ReadResult:
        return ReadResult(tuple(self.by_id.values()), tuple(self.problems))


def read_json(data: object, file: str) -> ReadResult:
    """Services from Open Referral UK 3.0 / HSDS 3.0 JSON already parsed: one service object,
    a list of them, a page of an API dump (``{"contents": [...], "total_items": ...}``) or a
    list of such pages. ``file`` names the source in problems. Raises DirectoryFileError if
    ``data`` is none of these shapes."""
    if _is_page(data):
        items: list[Any] = data["contents"]
    elif isinstance(data, list):
        items = [s for page in data for s in (page["contents"] if _is_page(page) else [page])]
    elif isinstance(data, dict):
        items = [data]
    else:
        raise DirectoryFileError(f"{file}: not a service, a list of services or a page of them")
    single = isinstance(data, dict) and not _is_page(data)
    problems: list[Problem] = []
    collected = _Collected(problems)
    for index, item in enumerate(items):
        row = None if single else index
        report = _Report(problems, file, row)
        if not isinstance(item, dict):
            report.add(None, "not a service object; left out")
            continue
        service = _json_service(item, report)
        if service is not None:
            collected.add(service, file, row, f"index {index}")
    return collected.result()


# --- tables --------------------------------------------------------------------------------

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
    rows: list[tuple[int, dict[str, str], _Report]] = field(default_factory=list)


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
                table.rows.append((number, _clean(row), _Report(problems, place, number)))
            return table
    return None


def _rows(table: _Table | None) -> list[tuple[int, dict[str, str], _Report]]:
    return table.rows if table else []


def _need(row: Mapping[str, str], name: str, report: _Report, what: str) -> str | None:
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

    def owner(row: Mapping[str, str], report: _Report, name: str = "service_id") -> str | None:
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

    addresses: dict[str, list[tuple[Mapping[str, Any], _Report]]] = {}
    for _, row, report in _rows(get("addresses")):
        if location_id := _need(row, "location_id", report, "address"):
            addresses.setdefault(location_id, []).append((row, report))
    locations: dict[str, Location] = {}
    for _, row, report in _rows(get("locations")):
        if location_id := _need(row, "id", report, "location"):
            chosen = _choose_address(addresses.get(location_id, []))
            locations[location_id] = Location(
                id=location_id,
                name=row.get("name"),
                address=_address(*chosen) if chosen else None,
                latitude=_number(row.get("latitude"), "latitude", report),
                longitude=_number(row.get("longitude"), "longitude", report),
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
            low = _whole(row.get("minimum_age"), "minimum_age", report)
            high = _whole(row.get("maximum_age"), "maximum_age", report)
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
                    amount=_number(row.get("amount"), "amount", report),
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

    def link(service_id: str | None, term_id: str | None, report: _Report, name: str) -> None:
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

    collected = _Collected(problems)
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
        minimum_age = _whole(row.get("minimum_age"), "minimum_age", report)
        maximum_age = _whole(row.get("maximum_age"), "maximum_age", report)
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


# --- files ---------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # spreadsheets saved on Windows


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_decode(data), newline="")))


def _tables_from(
    names: Iterable[str], read: Callable[[str], bytes], label: str, problems: list[Problem]
) -> dict[str, list[dict[str, str]]]:
    """The CSV tables among ``names`` (paths relative to one folder), found through the
    folder's datapackage.json when there is one, else by file name."""
    names = list(names)
    files: dict[str, str] = {}
    if "datapackage.json" in names:
        try:
            package = json.loads(_decode(read("datapackage.json")))
            for resource in package.get("resources", []):
                path = resource.get("path")
                if (
                    isinstance(path, str)
                    and path in names
                    and isinstance(resource.get("name"), str)
                ):
                    files[resource["name"].lower()] = path
        except (ValueError, AttributeError) as exc:
            problems.append(
                Problem(
                    f"{label}/datapackage.json",
                    None,
                    None,
                    f"not readable ({exc}); tables found by file name",
                )
            )
    for name in names:
        if name.lower().endswith(".csv"):
            files.setdefault(pathlib.PurePosixPath(name).stem.lower(), name)
    tables = {}
    for table, name in files.items():
        try:
            tables[table] = _csv_rows(read(name))
        except csv.Error as exc:
            problems.append(Problem(f"{label}/{name}", None, None, f"not readable CSV: {exc}"))
    return tables


def _with(problems: list[Problem], result: ReadResult) -> ReadResult:
    return ReadResult(result.services, (*problems, *result.problems))


def _read_folder(path: pathlib.Path) -> ReadResult:
    names = [p.name for p in path.iterdir() if p.is_file()]
    problems: list[Problem] = []
    tables = _tables_from(names, lambda name: (path / name).read_bytes(), path.name, problems)
    return _with(problems, read_tables(tables, path.name))


def _member_reader(archive: zipfile.ZipFile, prefix: str) -> Callable[[str], bytes]:
    return lambda name: archive.read(prefix + name)


def _read_zip(path: pathlib.Path) -> ReadResult:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DirectoryFileError(f"{path}: not a readable .zip file ({exc})") from exc
    with archive:
        members = [
            m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")
        ]
        folders: dict[str, list[str]] = {}
        for member in members:
            folder, _, name = member.rpartition("/")
            folders.setdefault(folder, []).append(name)
        for folder, names in sorted(folders.items()):
            if any(n.lower() in ("services.csv", "service.csv") for n in names):
                problems: list[Problem] = []
                prefix = f"{folder}/" if folder else ""
                tables = _tables_from(names, _member_reader(archive, prefix), path.name, problems)
                return _with(problems, read_tables(tables, path.name))
        documents = [
            m
            for m in members
            if m.lower().endswith(".json") and not m.lower().endswith("datapackage.json")
        ]
        if not documents:
            raise DirectoryFileError(
                f"{path}: holds neither a services.csv table nor a .json file of services"
            )
        pages: list[ReadResult] = []
        for member in sorted(documents):
            label = f"{path.name}/{member}"
            try:
                data = json.loads(_decode(archive.read(member)))
            except ValueError as exc:
                raise DirectoryFileError(f"{label}: not JSON ({exc})") from exc
            pages.append(read_json(data, label))
    return _merge(pages, path.name)


def _merge(results: Sequence[ReadResult], label: str) -> ReadResult:
    problems = [p for r in results for p in r.problems]
    collected = _Collected(problems)
    for result in results:
        for service in result.services:
            collected.add(service, label, None, "an earlier file")
    return collected.result()


def read_path(path: pathlib.Path) -> ReadResult:
    """Services from a .json file, a folder of CSV tables (with its datapackage.json), or a
    .zip of either. Raises DirectoryFileError, naming the file, when it cannot be read at all:
    missing, not JSON, not a zip, or no services table."""
    path = pathlib.Path(path)
    try:
        if path.is_dir():
            return _read_folder(path)
        if not path.is_file():
            raise DirectoryFileError(f"{path}: no such file or folder")
        if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            return _read_zip(path)
        if path.suffix.lower() == ".csv":
            problems: list[Problem] = []
            tables = _tables_from(
                [path.name], lambda _: path.read_bytes(), path.parent.name, problems
            )
            return _with(problems, read_tables(tables, path.parent.name))
        try:
            data = json.loads(_decode(path.read_bytes()))
        except ValueError as exc:
            raise DirectoryFileError(f"{path}: not JSON ({exc})") from exc
        return read_json(data, path.name)
    except OSError as exc:
        raise DirectoryFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
