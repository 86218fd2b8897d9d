"""Reading Open Referral UK 3.0 / HSDS 3.0 JSON: one service object, a list of them, a page of
an API dump, or a list of such pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

from services_directory.model import Service
from services_directory.readers import json_parts as parts
from services_directory.readers.report import (
    Collected,
    DirectoryFileError,
    Problem,
    ReadResult,
    Report,
)
from services_directory.readers.values import as_text


def _fees(data: Mapping[str, Any], report: Report) -> str | None:
    """``fees_description``, or the older ``fees`` when it is not given."""
    fees = data.get("fees_description")
    return as_text(fees if fees is not None else data.get("fees"), "fees_description", report)


def _service(data: Mapping[str, Any], report: Report) -> Service | None:
    """The service with its parts, or None (reported) if it has no id or no name. The parts
    are read in the order their problems have always been listed in."""
    service_id = as_text(data.get("id"), "id", report)
    name = as_text(data.get("name"), "name", report)
    if not service_id or not name:
        report.add("id" if not service_id else "name", "missing; the service is left out")
        return None
    locations, schedules = parts.places(data, report)
    contacts = parts.contacts(data, report)
    cost_options = parts.cost_options(data, report)
    service_areas = parts.service_areas(data, report)
    minimum_age, maximum_age = parts.ages(data, report)
    status = as_text(data.get("status"), "status", report)
    return Service(
        id=service_id,
        name=name,
        description=as_text(data.get("description"), "description", report),
        url=as_text(data.get("url"), "url", report),
        email=as_text(data.get("email"), "email", report),
        status="active" if status is None else status,
        organization=parts.organization(data, report),
        locations=locations,
        contacts=contacts,
        phones=parts.phones(data, report),
        schedules=schedules,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        cost_options=cost_options,
        fees_description=_fees(data, report),
        taxonomy_terms=parts.taxonomy_terms(data, report),
        service_areas=service_areas,
        last_modified=as_text(data.get("last_modified"), "last_modified", report),
    )


def _is_page(data: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(data, dict) and isinstance(data.get("contents"), list)


def _items(data: object, file: str) -> list[Any]:
    """The service objects of any shape read_json reads, pages flattened."""
    if _is_page(data):
        items: list[Any] = data["contents"]
        return items
    if isinstance(data, list):
        return [s for page in data for s in (page["contents"] if _is_page(page) else [page])]
    if isinstance(data, dict):
        return [data]
    raise DirectoryFileError(f"{file}: not a service, a list of services or a page of them")


def read_json(data: object, file: str) -> ReadResult:
    """Services from Open Referral UK 3.0 / HSDS 3.0 JSON already parsed: one service object,
    a list of them, a page of an API dump (``{"contents": [...], "total_items": ...}``) or a
    list of such pages. ``file`` names the source in problems. Raises DirectoryFileError if
    ``data`` is none of these shapes."""
    items = _items(data, file)
    single = isinstance(data, dict) and not _is_page(data)
    problems: list[Problem] = []
    collected = Collected(problems)
    for index, item in enumerate(items):
        row = None if single else index
        report = Report(problems, file, row)
        if not isinstance(item, dict):
            report.add(None, "not a service object; left out")
        elif (service := _service(item, report)) is not None:
            collected.add(service, file, row, f"index {index}")
    return collected.result()
