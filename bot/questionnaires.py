"""Loads questionnaire definitions: the shipped ones, then the service's own folder.

Shipped definitions live in ``flows/instruments/*.json`` (package data). The service's folder
(``QUESTIONNAIRES_DIR``) holds JSON files of two kinds: wording for an instrument we already know
(no ``"scoring"``: SWEMWBS items, which its licence forbids us to publish), and whole new
instruments (with ``"scoring"``). Any problem stops start-up with one line naming the file, since
a questionnaire silently missing or misscored would corrupt the service's outcome figures.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from flows.questionnaire_definitions import from_dict, with_wording
from flows.questionnaires import DefinitionError, Questionnaire

SHIPPED_PACKAGE = "flows"
SHIPPED_FOLDER = "instruments"


class QuestionnaireFileError(Exception):
    """A questionnaire file that cannot be used; str() is one line naming the file and problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(" ".join(f"{path}: {problem}".split()))


def load(folder: str | None) -> dict[str, Questionnaire]:
    """Shipped definitions (flows/instruments/*.json via importlib.resources), then each *.json in
    `folder` (QUESTIONNAIRES_DIR) when given: a file whose "instrument" is a shipped one and which
    has no "scoring" is that instrument's wording (with_wording); a file with "scoring" is a whole
    new instrument definition (from_dict). Bad JSON, unknown fields or types, a wrong item count
    and the like raise QuestionnaireFileError naming the file. Files not ending .json, and hidden
    ones (editor and macOS side files), are ignored."""
    found = _shipped()
    if folder:
        _add_folder(found, Path(folder))
    return found


def _shipped() -> dict[str, Questionnaire]:
    root = resources.files(SHIPPED_PACKAGE).joinpath(SHIPPED_FOLDER)
    found: dict[str, Questionnaire] = {}
    for entry in sorted(_json_files(root), key=lambda e: e.name):
        source = f"{SHIPPED_PACKAGE}/{SHIPPED_FOLDER}/{entry.name}"
        questionnaire = _definition(_read(entry, source), source)
        if questionnaire.instrument in found:
            raise QuestionnaireFileError(
                source, f'instrument "{questionnaire.instrument}" is defined twice'
            )
        found[questionnaire.instrument] = questionnaire
    return found


def _add_folder(found: dict[str, Questionnaire], folder: Path) -> None:
    """Whole definitions first, then wording, so wording may be for a service's new instrument."""
    if not folder.is_dir():
        raise QuestionnaireFileError(str(folder), "not a folder")
    try:
        files = sorted(_json_files(folder), key=lambda p: p.name)
    except OSError as exc:
        problem = f"cannot list the folder: {exc.strerror}"
        raise QuestionnaireFileError(str(folder), problem) from exc
    shipped = set(found)
    parsed = [(str(path), _read(path, str(path))) for path in files]
    defined_in: dict[str, str] = {}
    for source, data in parsed:
        if "scoring" not in data:
            continue
        questionnaire = _definition(data, source)
        name = questionnaire.instrument
        if name in shipped:
            raise QuestionnaireFileError(
                source,
                f'instrument "{name}" is shipped already; to add '
                'its wording, leave out "scoring" and the other '
                "definition fields",
            )
        if name in defined_in:
            raise QuestionnaireFileError(
                source, f'instrument "{name}" is defined in {defined_in[name]} too'
            )
        defined_in[name] = source
        found[name] = questionnaire
    worded_in: dict[str, str] = {}
    for source, data in parsed:
        if "scoring" in data:
            continue
        name = _wording_for(data, source, found)
        if name in worded_in:
            raise QuestionnaireFileError(
                source, f'the wording for "{name}" is in {worded_in[name]} too'
            )
        worded_in[name] = source
        try:
            found[name] = with_wording(found[name], data, source)
        except DefinitionError as exc:
            raise QuestionnaireFileError(source, _problem(exc, source)) from exc


def _json_files(folder: Traversable) -> list[Traversable]:
    return [
        entry
        for entry in folder.iterdir()
        if entry.is_file()
        and entry.name.lower().endswith(".json")
        and not entry.name.startswith(".")
    ]


def _read(entry: Traversable, source: str) -> dict[str, Any]:
    """The file's JSON object; a repeated field is an error, as JSON would keep only the last."""
    try:
        text = entry.read_bytes().decode("utf-8-sig")  # Windows editors may add a BOM
    except OSError as exc:
        raise QuestionnaireFileError(source, f"cannot read the file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise QuestionnaireFileError(source, "not UTF-8 text") from exc
    try:
        data = json.loads(text, object_pairs_hook=_no_repeats)
    except _RepeatedField as exc:
        raise QuestionnaireFileError(source, f'"{exc.name}" is given twice') from exc
    except json.JSONDecodeError as exc:
        raise QuestionnaireFileError(source, f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise QuestionnaireFileError(source, "expected a JSON object ({...}) at the top")
    return data


class _RepeatedField(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in pairs:
        if name in data:
            raise _RepeatedField(name)
        data[name] = value
    return data


def _definition(data: dict[str, Any], source: str) -> Questionnaire:
    try:
        return from_dict(data, source)
    except DefinitionError as exc:
        raise QuestionnaireFileError(source, _problem(exc, source)) from exc


def _wording_for(data: dict[str, Any], source: str, found: dict[str, Questionnaire]) -> str:
    """Which known instrument a wording file is for."""
    named = data.get("instrument")
    if not isinstance(named, str) or not named.strip():
        raise QuestionnaireFileError(
            source, 'instrument: missing; name the instrument this wording is for, e.g. "swemwbs"'
        )
    name = named.strip().lower()
    if name not in found:
        known = ", ".join(sorted(found))
        problem = (
            f'instrument: "{named}" is not one we know ({known}); a new instrument '
            'needs a whole definition with "scoring"'
        )
        raise QuestionnaireFileError(source, problem)
    return name


def _problem(exc: DefinitionError, source: str) -> str:
    """The error's text without its leading source, which QuestionnaireFileError adds back."""
    message = str(exc)
    return message.removeprefix(f"{source}: ")
