"""The tables given to read_tables, each found by any of the names Open Referral UK 1.0,
HSDS 1.x and the HSDS 3.0 tabular form give it, its rows cleaned and numbered for problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from services_directory.readers.report import DirectoryFileError, Problem, Report

Row = Mapping[str, str]
Rows = list[tuple[int, dict[str, str], Report]]  # 1-based number, cleaned row, its report

_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
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
)


@dataclass(frozen=True, slots=True)
class Table:
    file: str  # as problems name it: "<file>/<table>.csv"
    rows: Rows


def _clean(row: Mapping[Any, Any]) -> dict[str, str]:
    """Header names lower case; blank cells and cells with no header left out; stripped."""
    return {
        k.strip().lower(): v.strip()
        for k, v in row.items()
        if isinstance(k, str) and isinstance(v, str) and v.strip()
    }


def _table(
    tables: Mapping[str, Sequence[Row]], kind: str, file: str, problems: list[Problem]
) -> Table | None:
    """The table of this kind under the first of its names given (case ignored), if any."""
    lowered = {name.lower(): name for name in tables}
    for alias in _NAMES[kind]:
        if alias in lowered:
            name = lowered[alias]
            place = f"{file}/{name}.csv" if file else f"{name}.csv"
            rows = [
                (number, _clean(row), Report(problems, place, number))
                for number, row in enumerate(tables[name], start=1)
            ]
            return Table(place, rows)
    return None


@dataclass(frozen=True, slots=True)
class Source:
    """The tables being read, the problems met so far, and the services table: only its ids
    may own another table's rows."""

    tables: Mapping[str, Sequence[Row]]
    file: str
    problems: list[Problem]
    services: Table
    service_ids: frozenset[str]

    @classmethod
    def of(cls, tables: Mapping[str, Sequence[Row]], file: str) -> Source:
        """Raises DirectoryFileError if there is no services table."""
        problems: list[Problem] = []
        services = _table(tables, "services", file, problems)
        if services is None:
            raise DirectoryFileError(f"{file or 'tables'}: no services table (services.csv)")
        service_ids = frozenset(row["id"] for _, row, _ in services.rows if row.get("id"))
        return cls(tables, file, problems, services, service_ids)

    def rows(self, kind: str) -> Rows:
        """The rows of the table of this kind (none if it is not given)."""
        table = _table(self.tables, kind, self.file, self.problems)
        return table.rows if table else []

    def owner(self, row: Row, report: Report, name: str = "service_id") -> str | None:
        """The service a row belongs to, if it is one in the services table."""
        service_id = row.get(name)
        if service_id and service_id not in self.service_ids:
            report.add(name, f"no service with id {service_id!r}; row left out")
            return None
        return service_id


def need(row: Row, name: str, report: Report, what: str) -> str | None:
    """The row's value of ``name``, reported missing (the row left out) if blank."""
    value = row.get(name)
    if not value:
        report.add(name, f"missing; this {what} is left out")
    return value
