"""Finding services for a person: by need, by words and by nearness to a place.

Only active services are found. With needs, a service must meet at least one of them (need
codes unknown to the mapping, and "other", are met by none); with text, every word of it must
start a word of the service's name, description, organization name or taxonomy term names
(ignoring case and accents; a word's plural or "-ing"/"-ed" ending is taken off first, so
"walks" finds "walking", and "and", "the", "for"... are skipped).

Ranking, best first:

1. more of the asked needs met;
2. higher text score (per word: 3 if in the name, 2 in a taxonomy term, 1 each in the
   organization name and the description; 2 more if the whole text is in the name);
3. nearer to ``area``: a postcode or district ("WN1 2AB", "WN1") ranks services with a
   location in the same district 0, in the same postcode area ("WN") 1, others 2; a place name
   ("Hindley") ranks 0 the services with a location whose name, address, city or region, or a
   service area whose name, has it as a whole word or phrase, others 2; no area ranks all 0;
4. name, then id, so the order is stable.

``Hit.needs`` holds every need (main code) the service meets, asked or not; ``Hit.score`` the
text score (0 without text). The words of each service are worked out once and kept, by
service id, for as long as the same service is searched again; ``Index`` does it once for a
fixed list.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from services_directory.model import Service
from services_directory.needs import Matcher, NeedMatch, matcher, needs_from, service_terms
from services_directory.postcodes import postcode_area, postcode_district
from services_directory.words import joined, normalise, padded

__all__ = ["Hit", "Index", "postcode_district", "search"]

_SKIPPED = frozenset(
    {
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "in",
        "on",
        "to",
        "with",
        "or",
        "at",
        "by",
        "my",
        "me",
        "i",
        "is",
        "near",
    }
)
_ENDINGS = ("ies", "ing", "es", "ed", "s")


@dataclass(frozen=True, slots=True)
class Hit:
    service: Service
    needs: frozenset[str]
    score: float
    distance_rank: int


@dataclass(slots=True)
class _Entry:
    """What searching needs of one service, worked out once."""

    service: Service
    name: str
    description: str
    organization: str
    terms: str
    place: str
    districts: frozenset[str]
    areas: frozenset[str]
    sort_name: str
    term_codes: frozenset[str]
    words: str
    needs: dict[Matcher, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, service: Service) -> _Entry:
        districts = service.postcode_districts
        places: list[str | None] = []
        for location in service.locations:
            places.append(location.name)
            if location.address:
                address = location.address
                places.extend((address.address_1, address.city, address.region))
        places.extend(area.name for area in service.service_areas)
        name, description = normalise(service.name), normalise(service.description)
        terms = [normalise(t.name) for t in service.taxonomy_terms]
        return cls(
            service=service,
            name=joined(name),
            description=joined(description),
            organization=padded(service.organization.name if service.organization else None),
            terms=joined(*terms),
            place=padded(*places),
            districts=districts,
            areas=frozenset(postcode_area(d) for d in districts),
            sort_name=service.name.casefold(),
            term_codes=service_terms(service),
            words=joined(name, description, *terms),
        )

    def needs_for(self, mapping: Matcher) -> frozenset[str]:
        found = self.needs.get(mapping)
        if found is None:
            if len(self.needs) > 4:  # mappings are seldom changed: keep the last few
                self.needs.clear()
            found = self.needs[mapping] = needs_from(self.term_codes, self.words, mapping)
        return found


def _stem(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@dataclass(frozen=True, slots=True)
class _Query:
    asked: frozenset[str]  # main codes of the asked needs
    any_needs: bool
    stems: tuple[str, ...]
    phrase: str
    district: str | None
    area_letters: str
    place: str

    @classmethod
    def of(
        cls, needs: Collection[str], text: str, area: str, mapping: Mapping[str, NeedMatch]
    ) -> _Query:
        words = normalise(text).split()
        kept = [w for w in words if w not in _SKIPPED] or words
        district = postcode_district(area) if area.strip() else None
        return cls(
            asked=frozenset(mapping[n].need for n in needs if n in mapping),
            any_needs=bool(needs),
            stems=tuple(dict.fromkeys(_stem(w) for w in kept)),
            phrase=" ".join(words),
            district=district,
            area_letters=postcode_area(district) if district else "",
            place="" if district else normalise(area),
        )

    def text_score(self, entry: _Entry) -> float | None:
        """None if a word is missing."""
        score = 0.0
        for stem in self.stems:
            probe = " " + stem
            found = (
                (3.0 if probe in entry.name else 0.0)
                + (2.0 if probe in entry.terms else 0.0)
                + (1.0 if probe in entry.organization else 0.0)
                + (1.0 if probe in entry.description else 0.0)
            )
            if not found:
                return None
            score += found
        if len(self.stems) > 1 and f" {self.phrase} " in entry.name:
            score += 2.0
        return score

    def distance(self, entry: _Entry) -> int:
        if self.district:
            if self.district in entry.districts:
                return 0
            return 1 if self.area_letters in entry.areas else 2
        if self.place:
            return 0 if f" {self.place} " in entry.place else 2
        return 0


def _rank(
    entries: Iterable[_Entry], query: _Query, matches: Matcher, limit: int | None
) -> list[Hit]:
    ranked: list[tuple[tuple[int, float, int, str, str], Hit]] = []
    for entry in entries:
        service = entry.service
        if service.status != "active":
            continue
        met = entry.needs_for(matches)
        asked_met = len(met & query.asked)
        if query.any_needs and not asked_met:
            continue
        score = 0.0
        if query.stems:
            found = query.text_score(entry)
            if found is None:
                continue
            score = found
        rank = query.distance(entry)
        hit = Hit(service, met, score, rank)
        ranked.append(((-asked_met, -score, rank, entry.sort_name, service.id), hit))
    ranked.sort(key=lambda pair: pair[0])
    chosen = ranked if limit is None else ranked[: max(limit, 0)]
    return [hit for _, hit in chosen]


class Index:
    """Services made ready for searching many times with one need mapping."""

    def __init__(self, services: Iterable[Service], mapping: Mapping[str, NeedMatch]) -> None:
        self.mapping = dict(mapping)
        self._matches = matcher(frozenset(self.mapping.values()))
        self._entries = [_Entry.of(service) for service in services]
        for entry in self._entries:
            entry.needs_for(self._matches)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(entry.service for entry in self._entries)

    def search(
        self,
        *,
        needs: Collection[str] = (),
        text: str = "",
        area: str = "",
        limit: int | None = None,
    ) -> list[Hit]:
        """As ``search`` (see the module's description), over the indexed services."""
        query = _Query.of(needs, text, area, self.mapping)
        return _rank(self._entries, query, self._matches, limit)


def search(
    services: Iterable[Service],
    *,
    needs: Collection[str] = (),
    text: str = "",
    area: str = "",
    mapping: Mapping[str, NeedMatch],
    limit: int | None = None,
) -> list[Hit]:
    """Active services for these needs, words and area, best first (see the module's
    description). To search the same services many times, make an ``Index`` once."""
    return Index(services, mapping).search(needs=needs, text=text, area=area, limit=limit)
