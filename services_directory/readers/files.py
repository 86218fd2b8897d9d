"""Reading a services directory from disk: a .json file, a folder of CSV tables (found through
its datapackage.json or by file name), a single CSV table, or a .zip of either."""

from __future__ import annotations

import csv
import io
import json
import pathlib
import zipfile
from collections.abc import Callable, Iterable, Sequence

from services_directory.readers.json_services import read_json
from services_directory.readers.report import Collected, DirectoryFileError, Problem, ReadResult
from services_directory.readers.tables import read_tables


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
    collected = Collected(problems)
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
