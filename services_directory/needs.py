"""Which of linkbot's needs a service meets, from its taxonomy terms and its words.

The mapping lives in ``needs.json`` next to this module (see the "_comment" in it for how to
edit it). A need is met when one of the service's taxonomy terms has a name or code in the
need's ``taxonomy_terms`` (ignoring case), or when one of the need's ``keywords`` appears as a
whole word or phrase in the service's name, description or taxonomy term names (ignoring case,
accents and punctuation, so "drop-in" matches "drop in").

A need may be known by other codes too (``also_codes``): they map to the same NeedMatch, whose
``need`` is the main code, and it is the main code that ``service_needs`` returns.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from services_directory.model import Service
from services_directory.readers import DirectoryFileError
from services_directory.words import normalise, padded

__all__ = ["DEFAULT_MAPPING", "NeedMatch", "load_mapping", "service_needs"]

DEFAULT_MAPPING = Path(__file__).with_name("needs.json")


@dataclass(frozen=True, slots=True)
class NeedMatch:
    need: str
    taxonomy_terms: frozenset[str]  # term names and codes, case-folded
    keywords: tuple[str, ...]  # words and phrases, normalised (see services_directory.words)


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DirectoryFileError(f"{where}: must be a list of texts")
    return value


def load_mapping(path: Path | None = None) -> dict[str, NeedMatch]:
    """The need mapping by need code (main codes and their ``also_codes``). Keys starting
    with "_" are comments. Raises DirectoryFileError naming the file if it is unreadable or
    not in the expected shape."""
    path = DEFAULT_MAPPING if path is None else Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DirectoryFileError(f"{path}: cannot be read as JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise DirectoryFileError(f"{path}: must be a JSON object of needs by code")
    mapping: dict[str, NeedMatch] = {}
    for code, entry in data.items():
        if code.startswith("_"):
            continue
        if not isinstance(entry, dict):
            raise DirectoryFileError(f"{path}: need {code!r} must be an object")
        match = NeedMatch(
            need=code,
            taxonomy_terms=frozenset(
                t.strip().casefold()
                for t in _strings(entry.get("taxonomy_terms"), f"{path}: {code}.taxonomy_terms")
                if t.strip()
            ),
            keywords=tuple(
                dict.fromkeys(
                    k
                    for k in (
                        normalise(k)
                        for k in _strings(entry.get("keywords"), f"{path}: {code}.keywords")
                    )
                    if k
                )
            ),
        )
        for name in (code, *_strings(entry.get("also_codes"), f"{path}: {code}.also_codes")):
            if name in mapping:
                raise DirectoryFileError(f"{path}: need code {name!r} is given twice")
            mapping[name] = match
    return mapping


def service_terms(service: Service) -> frozenset[str]:
    """The service's taxonomy term names and codes, case-folded, for matching."""
    found = set()
    for term in service.taxonomy_terms:
        found.add(term.name.strip().casefold())
        if term.code:
            found.add(term.code.strip().casefold())
    return frozenset(found)


def service_words(service: Service) -> str:
    """The service's name, description and taxonomy term names, for keyword matching."""
    return padded(service.name, service.description, *(t.name for t in service.taxonomy_terms))


@dataclass(frozen=True, slots=True, eq=False)
class Matcher:
    """A mapping made quick to test: needs by taxonomy term, and keywords by their first word,
    so that only the keywords whose first word the service uses are looked for. Compared and
    hashed by identity: ``matcher`` gives the same one for the same mapping."""

    by_term: Mapping[str, frozenset[str]]
    by_first_word: Mapping[str, tuple[tuple[str, str], ...]]  # (" phrase ", need)


@functools.lru_cache(maxsize=32)
def matcher(matches: frozenset[NeedMatch]) -> Matcher:
    """The Matcher for a mapping's values (``frozenset(mapping.values())``)."""
    by_term: dict[str, set[str]] = {}
    by_first_word: dict[str, list[tuple[str, str]]] = {}
    for match in matches:
        for term in match.taxonomy_terms:
            by_term.setdefault(term, set()).add(match.need)
        for keyword in match.keywords:
            by_first_word.setdefault(keyword.split()[0], []).append((f" {keyword} ", match.need))
    return Matcher(
        {t: frozenset(n) for t, n in by_term.items()},
        {w: tuple(k) for w, k in by_first_word.items()},
    )


def needs_from(terms: frozenset[str], words: str, found: Matcher) -> frozenset[str]:
    """The main codes of the needs met by these terms (``service_terms``) and words
    (``service_words``)."""
    met: set[str] = set()
    for term in terms:
        met.update(found.by_term.get(term, ()))
    for word in set(words.split()):
        for phrase, need in found.by_first_word.get(word, ()):
            if need not in met and phrase in words:
                met.add(need)
    return frozenset(met)


def service_needs(service: Service, mapping: Mapping[str, NeedMatch]) -> frozenset[str]:
    """The need codes the service meets (see the module's description)."""
    return needs_from(
        service_terms(service), service_words(service), matcher(frozenset(mapping.values()))
    )
