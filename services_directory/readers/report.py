"""What a read gives back (services and the problems met), the report that places a problem in
its file, row and field, and the rule for a service id read twice: the later one wins."""

from __future__ import annotations

from dataclasses import dataclass

from services_directory.model import Service


class DirectoryFileError(ValueError):
    """The file (or folder) cannot be read as a services directory at all."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the input, and where: the file, the row and the field, if known."""

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
    """The services read, in first-seen order, and every problem met, in the order met."""

    services: tuple[Service, ...]
    problems: tuple[Problem, ...]


@dataclass(slots=True)
class Report:
    """Where the reader is, so that a bad value can be reported where it was found."""

    problems: list[Problem]
    file: str
    row: int | None = None
    prefix: str = ""  # the path to a nested record in JSON, e.g. "contacts[0]."

    def add(self, name: str | None, message: str) -> None:
        where = f"{self.prefix}{name}" if name else (self.prefix.rstrip(".") or None)
        self.problems.append(Problem(self.file, self.row, where, message))

    def nested(self, prefix: str) -> Report:
        return Report(self.problems, self.file, self.row, self.prefix + prefix)


class Collected:
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
