"""Reading Open Referral UK 3.0 / HSDS 3.0 JSON: service objects with their records nested."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeGuard

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
from services_directory.readers.report import (
    Collected,
    DirectoryFileError,
    Problem,
    ReadResult,
    Report,
)
from services_directory.readers.values import (
    as_address,
    as_number,
    as_text,
    as_whole,
    choose_address,
)


def _list(data: Mapping[str, Any], names: Sequence[str], report: Report) -> list[Any]:
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
    report: Report,
) -> Iterable[tuple[Mapping[str, Any], Report]]:
    """Each object in the first present list field, with a report naming its place."""
    name = next((n for n in names if data.get(n) is not None), names[0])
    for position, item in enumerate(_list(data, names, report)):
        place = report.nested(f"{name}[{position}].")
        if isinstance(item, dict):
            yield item, place
        else:
            place.add(None, "not an object; left out")


def _id(data: Mapping[str, Any], report: Report, what: str) -> str | None:
    found = as_text(data.get("id"), "id", report)
    if not found:
        report.add("id", f"missing; this {what} is left out")
        return None
    return found


def _json_organization(data: object, report: Report) -> Organization | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        report.add(None, "not an object; left out")
        return None
    found = _id(data, report, "organization")
    name = as_text(data.get("name"), "name", report)
    if found is None:
        return None
    if not name:
        report.add("name", "missing; the organization is left out")
        return None
    return Organization(
        id=found,
        name=name,
        description=as_text(data.get("description"), "description", report),
        website=as_text(data.get("website", data.get("url")), "website", report),
        email=as_text(data.get("email"), "email", report),
    )


def _json_location(data: Mapping[str, Any], report: Report) -> Location | None:
    found = _id(data, report, "location")
    if found is None:
        return None
    chosen = choose_address(
        list(_records(data, ("addresses", "physical_addresses", "physical_address"), report))
    )
    return Location(
        id=found,
        name=as_text(data.get("name"), "name", report),
        address=as_address(*chosen) if chosen else None,
        latitude=as_number(data.get("latitude"), "latitude", report),
        longitude=as_number(data.get("longitude"), "longitude", report),
    )


def _phone_numbers(data: Mapping[str, Any], report: Report) -> tuple[str, ...]:
    numbers = []
    for position, item in enumerate(_list(data, ("phones",), report)):
        place = report.nested(f"phones[{position}].")
        number = as_text(item.get("number") if isinstance(item, dict) else item, "number", place)
        if number is not None:
            numbers.append(number)
        else:
            place.add("number", "missing; this phone is left out")
    return tuple(numbers)


def _json_schedule(data: Mapping[str, Any], report: Report) -> Schedule | None:
    found = _id(data, report, "schedule")
    if found is None:
        return None
    return Schedule(
        id=found,
        description=as_text(data.get("description"), "description", report),
        byday=as_text(data.get("byday"), "byday", report),
        opens_at=as_text(data.get("opens_at"), "opens_at", report),
        closes_at=as_text(data.get("closes_at"), "closes_at", report),
        freq=as_text(data.get("freq"), "freq", report),
    )


def _json_term(data: Mapping[str, Any], report: Report) -> TaxonomyTerm | None:
    found = _id(data, report, "taxonomy term")
    name = as_text(data.get("name", data.get("term")), "name", report)
    if found is None:
        return None
    if not name:
        report.add("name", "missing; this taxonomy term is left out")
        return None
    vocabulary = as_text(data.get("taxonomy", data.get("vocabulary")), "taxonomy", report)
    detail = data.get("taxonomy_detail")
    if vocabulary is None and isinstance(detail, dict):
        vocabulary = as_text(detail.get("name"), "taxonomy_detail.name", report)
    return TaxonomyTerm(
        id=found, name=name, code=as_text(data.get("code"), "code", report), taxonomy=vocabulary
    )


def _json_terms(data: Mapping[str, Any], report: Report) -> tuple[TaxonomyTerm, ...]:
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


def _json_service(data: Mapping[str, Any], report: Report) -> Service | None:
    service_id = as_text(data.get("id"), "id", report)
    name = as_text(data.get("name"), "name", report)
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
        elif location_id := as_text(item.get("location_id"), "location_id", place):
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
                    name=as_text(item.get("name"), "name", place),
                    title=as_text(item.get("title"), "title", place),
                    email=as_text(item.get("email"), "email", place),
                    phones=_phone_numbers(item, place),
                )
            )
    costs = []
    for item, place in _records(data, ("cost_options",), report):
        if (cost_id := _id(item, place, "cost option")) is not None:
            costs.append(
                CostOption(
                    id=cost_id,
                    option=as_text(item.get("option"), "option", place),
                    amount=as_number(item.get("amount"), "amount", place),
                    amount_description=as_text(
                        item.get("amount_description"), "amount_description", place
                    ),
                    currency=as_text(item.get("currency"), "currency", place),
                )
            )
    areas = []
    for item, place in _records(data, ("service_areas",), report):
        if (area_id := _id(item, place, "service area")) is not None:
            area_name = as_text(item.get("name"), "name", place)
            if area_name is None:
                area_name = as_text(item.get("service_area"), "service_area", place)
            areas.append(
                ServiceArea(
                    id=area_id,
                    name=area_name,
                    description=as_text(item.get("description"), "description", place),
                )
            )
    minimum_age = as_whole(data.get("minimum_age"), "minimum_age", report)
    maximum_age = as_whole(data.get("maximum_age"), "maximum_age", report)
    for item, place in _records(data, ("eligibilitys", "eligibility"), report):
        low = as_whole(item.get("minimum_age"), "minimum_age", place)
        high = as_whole(item.get("maximum_age"), "maximum_age", place)
        minimum_age = low if minimum_age is None else minimum_age
        maximum_age = high if maximum_age is None else maximum_age
    fees = data.get("fees_description")
    status = as_text(data.get("status"), "status", report)
    return Service(
        id=service_id,
        name=name,
        description=as_text(data.get("description"), "description", report),
        url=as_text(data.get("url"), "url", report),
        email=as_text(data.get("email"), "email", report),
        status="active" if status is None else status,
        organization=_json_organization(data.get("organization"), report.nested("organization.")),
        locations=tuple(locations),
        contacts=tuple(contacts),
        phones=_phone_numbers(data, report),
        schedules=tuple(schedules),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        cost_options=tuple(costs),
        fees_description=as_text(
            fees if fees is not None else data.get("fees"), "fees_description", report
        ),
        taxonomy_terms=_json_terms(data, report),
        service_areas=tuple(areas),
        last_modified=as_text(data.get("last_modified"), "last_modified", report),
    )


def _is_page(data: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(data, dict) and isinstance(data.get("contents"), list)


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
    collected = Collected(problems)
    for index, item in enumerate(items):
        row = None if single else index
        report = Report(problems, file, row)
        if not isinstance(item, dict):
            report.add(None, "not a service object; left out")
            continue
        service = _json_service(item, report)
        if service is not None:
            collected.add(service, file, row, f"index {index}")
    return collected.result()
