"""A community service as the directory keeps it: an immutable subset of Open Referral UK 3.0
(HSDS 3.0), holding what a link worker or a client needs and nothing a reader cannot give back.

Every class is a frozen dataclass with tuples, so services compare by value, hash, and can be
shared between threads and requests without copying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services_directory.postcodes import postcode_district

_FREE = re.compile(r"\b(free|no charge|no cost|without charge)\b", re.IGNORECASE)
_NOT_FREE = re.compile(r"\bnot free\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: str
    description: str | None = None
    website: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    address_1: str | None
    city: str | None
    postal_code: str | None
    region: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str | None = None
    address: Address | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    name: str | None = None
    title: str | None = None
    email: str | None = None
    phones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    description: str | None = None
    byday: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    freq: str | None = None


@dataclass(frozen=True, slots=True)
class CostOption:
    id: str
    option: str | None = None
    amount: float | None = None
    amount_description: str | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class TaxonomyTerm:
    id: str
    name: str
    code: str | None = None
    taxonomy: str | None = None  # the vocabulary's name, e.g. "esd-service-types"


@dataclass(frozen=True, slots=True)
class ServiceArea:
    id: str
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    description: str | None = None
    url: str | None = None
    email: str | None = None
    status: str = "active"
    organization: Organization | None = None
    locations: tuple[Location, ...] = ()
    contacts: tuple[Contact, ...] = ()
    phones: tuple[str, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    minimum_age: int | None = None
    maximum_age: int | None = None
    cost_options: tuple[CostOption, ...] = ()
    fees_description: str | None = None
    taxonomy_terms: tuple[TaxonomyTerm, ...] = ()
    service_areas: tuple[ServiceArea, ...] = ()
    last_modified: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def phone(self) -> str | None:
        """The service's first phone number, else its first contact's, else None."""
        if self.phones:
            return self.phones[0]
        return next((c.phones[0] for c in self.contacts if c.phones), None)

    @property
    def postcode_districts(self) -> frozenset[str]:
        """Outward codes ("WN1") of the postcodes of the service's locations."""
        found = set()
        for location in self.locations:
            if location.address and location.address.postal_code:
                district = postcode_district(location.address.postal_code)
                if district:
                    found.add(district)
        return frozenset(found)

    @property
    def is_free(self) -> bool | None:
        """True if a cost option costs 0, or there are no amounts and the fees text (or a cost
        option's wording) says free; False if the only amounts given are above 0; None if it is
        not known."""
        amounts = [c.amount for c in self.cost_options if c.amount is not None]
        if any(a == 0 for a in amounts):
            return True
        if amounts:
            return False
        words = " ".join(
            t
            for t in (
                self.fees_description,
                *(f"{c.option or ''} {c.amount_description or ''}" for c in self.cost_options),
            )
            if t
        )
        if _FREE.search(words) and not _NOT_FREE.search(words):
            return True
        return None
