"""The parts of an Open Referral UK 3.0 / HSDS 3.0 service object, one function a record type:
its organization, locations (with their schedules), contacts, phones, cost options, service
areas, ages and taxonomy terms, each read from the records nested in it (one that is not an
object is reported and left out, as is one with no id)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

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
from services_directory.readers.values import as_text, as_whole

Record = TypeVar("Record")
Data = Mapping[str, Any]

_SCHEDULES = ("schedules", "regular_schedules")  # ORUK 3.0, then 1.0 API names
_ADDRESSES = ("addresses", "physical_addresses", "physical_address")


def _list(data: Data, names: Sequence[str], report: Report) -> list[Any]:
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


def _records(data: Data, names: Sequence[str], report: Report) -> Iterable[tuple[Data, Report]]:
    """Each object in the first present list field, with a report naming its place."""
    name = next((n for n in names if data.get(n) is not None), names[0])
    for position, item in enumerate(_list(data, names, report)):
        place = report.nested(f"{name}[{position}].")
        if isinstance(item, dict):
            yield item, place
        else:
            place.add(None, "not an object; left out")


def _each(
    data: Data,
    names: Sequence[str],
    report: Report,
    read: Callable[[Data, Report], Record | None],
) -> list[Record]:
    """What ``read`` makes of each object in the first present list field, but for None."""
    found = []
    for item, place in _records(data, names, report):
        if (record := read(item, place)) is not None:
            found.append(record)
    return found


def _id(data: Data, report: Report, what: str) -> str | None:
    found = as_text(data.get("id"), "id", report)
    if not found:
        report.add("id", f"missing; this {what} is left out")
        return None
    return found


def organization(data: Data, report: Report) -> Organization | None:
    """The service's organization, if it has one with an id and a name."""
    found = data.get("organization")
    report = report.nested("organization.")
    if found is None:
        return None
    if not isinstance(found, dict):
        report.add(None, "not an object; left out")
        return None
    organization_id = _id(found, report, "organization")
    name = as_text(found.get("name"), "name", report)
    if organization_id is None:
        return None
    if not name:
        report.add("name", "missing; the organization is left out")
        return None
    return as_organization(organization_id, name, found, report)


def _location(data: Data, report: Report) -> Location | None:
    found = _id(data, report, "location")
    if found is None:
        return None
    return as_location(found, data, list(_records(data, _ADDRESSES, report)), report)


def _place(data: Data, report: Report) -> Location | None:
    """A service_at_location's location: nested whole, or named by ``location_id`` only."""
    location = data.get("location")
    if isinstance(location, dict):
        return _location(location, report.nested("location."))
    if location_id := as_text(data.get("location_id"), "location_id", report):
        return Location(id=location_id)
    return None


def _schedule(data: Data, report: Report) -> Schedule | None:
    found = _id(data, report, "schedule")
    return None if found is None else as_schedule(found, data, report)


def places(data: Data, report: Report) -> tuple[tuple[Location, ...], tuple[Schedule, ...]]:
    """The service's locations and schedules: those of its service_at_locations, then its
    own ``locations`` and ``schedules``."""
    locations: list[Location] = []
    schedules: list[Schedule] = []
    for item, place in _records(data, ("service_at_locations",), report):
        if (location := _place(item, place)) is not None:
            locations.append(location)
        schedules.extend(_each(item, _SCHEDULES, place, _schedule))
    locations.extend(_each(data, ("locations",), report, _location))
    schedules.extend(_each(data, _SCHEDULES, report, _schedule))
    return tuple(locations), tuple(schedules)


def phones(data: Data, report: Report) -> tuple[str, ...]:
    """The numbers of a service's or a contact's phones, given as objects or as bare text."""
    numbers = []
    for position, item in enumerate(_list(data, ("phones",), report)):
        place = report.nested(f"phones[{position}].")
        number = as_text(item.get("number") if isinstance(item, dict) else item, "number", place)
        if number is not None:
            numbers.append(number)
        else:
            place.add("number", "missing; this phone is left out")
    return tuple(numbers)


def _contact(data: Data, report: Report) -> Contact | None:
    found = _id(data, report, "contact")
    if found is None:
        return None
    return Contact(
        id=found,
        name=as_text(data.get("name"), "name", report),
        title=as_text(data.get("title"), "title", report),
        email=as_text(data.get("email"), "email", report),
        phones=phones(data, report),
    )


def contacts(data: Data, report: Report) -> tuple[Contact, ...]:
    return tuple(_each(data, ("contacts",), report, _contact))


def _cost_option(data: Data, report: Report) -> CostOption | None:
    found = _id(data, report, "cost option")
    return None if found is None else as_cost_option(found, data, report)


def cost_options(data: Data, report: Report) -> tuple[CostOption, ...]:
    return tuple(_each(data, ("cost_options",), report, _cost_option))


def _service_area(data: Data, report: Report) -> ServiceArea | None:
    found = _id(data, report, "service area")
    return None if found is None else as_service_area(found, data, report)


def service_areas(data: Data, report: Report) -> tuple[ServiceArea, ...]:
    return tuple(_each(data, ("service_areas",), report, _service_area))


def ages(data: Data, report: Report) -> tuple[int | None, int | None]:
    """The service's minimum and maximum age: its own, else the first an eligibility record
    gives."""
    minimum_age = as_whole(data.get("minimum_age"), "minimum_age", report)
    maximum_age = as_whole(data.get("maximum_age"), "maximum_age", report)
    for item, place in _records(data, ("eligibilitys", "eligibility"), report):
        low = as_whole(item.get("minimum_age"), "minimum_age", place)
        high = as_whole(item.get("maximum_age"), "maximum_age", place)
        minimum_age = low if minimum_age is None else minimum_age
        maximum_age = high if maximum_age is None else maximum_age
    return minimum_age, maximum_age


def _term(data: Data, report: Report) -> TaxonomyTerm | None:
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


def _linked_terms(data: Data, name: str, inner: str, report: Report) -> list[TaxonomyTerm]:
    """The terms held in field ``inner`` of each record of the list ``name``."""
    terms = []
    for item, place in _records(data, (name,), report):
        term = item.get(inner)
        if not isinstance(term, dict):
            continue
        if (found := _term(term, place.nested(f"{inner}."))) is not None:
            terms.append(found)
    return terms


def taxonomy_terms(data: Data, report: Report) -> tuple[TaxonomyTerm, ...]:
    """The terms of the service's attributes, of its service_taxonomys (ORUK 1.0 API) and
    service_taxonomies, and its own taxonomy_terms, in that order."""
    return (
        *_linked_terms(data, "attributes", "taxonomy_term", report),
        *_linked_terms(data, "service_taxonomys", "taxonomy", report),
        *_linked_terms(data, "service_taxonomies", "taxonomy", report),
        *_each(data, ("taxonomy_terms",), report, _term),
    )
