"""Reading a services directory from disk: a .json file, a folder of CSV tables (found through
its datapackage.json or by file name), a single CSV table, or a .zip of either."""

from __future__ import annotations

import csv
import io
import json
import pathlib
import zipfile
from collections.abc import Callable, Iterator, Sequence

from services_directory.readers.json_services import read_json
from services_directory.readers.report import Collected, DirectoryFileError, Problem, ReadResult
from services_directory.readers.tables import read_tables

Reader = Callable[[str], bytes]  # the bytes of a file named relative to one folder


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # spreadsheets saved on Windows


def _json_document(data: bytes, where: str) -> object:
    try:
        return json.loads(_decode(data))
    except ValueError as exc:
        raise DirectoryFileError(f"{where}: not JSON ({exc})") from exc


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_decode(data), newline="")))


def _package_files(names: Sequence[str], read: Reader) -> Iterator[tuple[str, str]]:
    """(table name, file) of each resource in datapackage.json whose file is among ``names``."""
    package = json.loads(_decode(read("datapackage.json")))
    for resource in package.get("resources", []):
        path = resource.get("path")
        if isinstance(path, str) and path in names and isinstance(resource.get("name"), str):
            yield resource["name"].lower(), path


def _table_files(
    names: Sequence[str], read: Reader, label: str, problems: list[Problem]
) -> dict[str, str]:
    """The file of each table: as datapackage.json says when there is one, else by name."""
    files: dict[str, str] = {}
    if "datapackage.json" in names:
        try:
            for table, name in _package_files(names, read):
                files[table] = name
        except (ValueError, AttributeError) as exc:
            message = f"not readable ({exc}); tables found by file name"
            problems.append(Problem(f"{label}/datapackage.json", None, None, message))
    for name in names:
        if name.lower().endswith(".csv"):
            files.setdefault(pathlib.PurePosixPath(name).stem.lower(), name)
    return files


def _read_tables_in(names: Sequence[str], read: Reader, label: str) -> ReadResult:
    """The services of the CSV tables among ``names`` (files of one folder), the problems of
    finding and parsing the tables first."""
    problems: list[Problem] = []
    tables = {}
    for table, name in _table_files(names, read, label, problems).items():
        try:
            tables[table] = _csv_rows(read(name))
        except csv.Error as exc:
            problems.append(Problem(f"{label}/{name}", None, None, f"not readable CSV: {exc}"))
    result = read_tables(tables, label)
    return ReadResult(result.services, (*problems, *result.problems))


def _read_folder(path: pathlib.Path) -> ReadResult:
    names = [p.name for p in path.iterdir() if p.is_file()]
    return _read_tables_in(names, lambda name: (path / name).read_bytes(), path.name)


def _open_zip(path: pathlib.Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DirectoryFileError(f"{path}: not a readable .zip file ({exc})") from exc


def _tables_folder(members: Sequence[str]) -> tuple[str, list[str]] | None:
    """The first folder (by name) holding a services table, and the names of its files."""
    folders: dict[str, list[str]] = {}
    for member in members:
        folder, _, name = member.rpartition("/")
        folders.setdefault(folder, []).append(name)
    for folder, names in sorted(folders.items()):
        if any(n.lower() in ("services.csv", "service.csv") for n in names):
            return folder, names
    return None


def _merge(results: Sequence[ReadResult], label: str) -> ReadResult:
    problems = [p for r in results for p in r.problems]
    collected = Collected(problems)
    for result in results:
        for service in result.services:
            collected.add(service, label, None, "an earlier file")
    return collected.result()


def _read_zip_json(
    archive: zipfile.ZipFile, members: Sequence[str], path: pathlib.Path
) -> ReadResult:
    """The services of every .json file in the archive, in name order, as one directory."""
    documents = [
        m
        for m in members
        if m.lower().endswith(".json") and not m.lower().endswith("datapackage.json")
    ]
    if not documents:
        raise DirectoryFileError(
            f"{path}: holds neither a services.csv table nor a .json file of services"
        )
    pages = []
    for member in sorted(documents):
        where = f"{path.name}/{member}"
        pages.append(read_json(_json_document(archive.read(member), where), where))
    return _merge(pages, path.name)


def _read_zip(path: pathlib.Path) -> ReadResult:
    with _open_zip(path) as archive:
        members = [
            m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX/")
        ]
        found = _tables_folder(members)
        if found is None:
            return _read_zip_json(archive, members, path)
        folder, names = found
        prefix = f"{folder}/" if folder else ""
        return _read_tables_in(names, lambda name: archive.read(prefix + name), path.name)


def _read(path: pathlib.Path) -> ReadResult:
    if path.is_dir():
        return _read_folder(path)
    if not path.is_file():
        raise DirectoryFileError(f"{path}: no such file or folder")
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        return _read_zip(path)
    if path.suffix.lower() == ".csv":
        return _read_tables_in([path.name], lambda _: path.read_bytes(), path.parent.name)
    return read_json(_json_document(path.read_bytes(), str(path)), path.name)


def read_path(path: pathlib.Path) -> ReadResult:
    """Services from a .json file, a folder of CSV tables (with its datapackage.json), or a
    .zip of either. Raises DirectoryFileError, naming the file, when it cannot be read at all:
    missing, not JSON, not a zip, or no services table."""
    path = pathlib.Path(path)
    try:
        return _read(path)
    except OSError as exc:
        raise DirectoryFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
