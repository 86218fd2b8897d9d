"""A generated directory of any size, in Open Referral UK 3.0 JSON, for tests and benchmarks:
every service with an organisation, a location in one of 40 postcode districts, a phone, a
schedule, a cost option and two taxonomy terms the needs mapping knows."""

from __future__ import annotations

import random
from typing import Any

TERMS = [
    "Befriending",
    "Debt advice",
    "Food banks",
    "Carers",
    "Walking",
    "Peer support",
    "Volunteering",
    "Bereavement",
    "Housing advice",
    "Employment support",
    "Social groups",
    "Benefits advice",
]
WORDS = [
    "community",
    "friendly",
    "local",
    "support",
    "advice",
    "group",
    "help",
    "free",
    "drop-in",
    "weekly",
    "family",
    "older",
    "young",
    "garden",
    "craft",
    "music",
    "cafe",
    "library",
]
NEEDS = ["loneliness", "money", "housing", "caring", "getting_active", "low_mood", "work"]


def service(i: int, rng: random.Random) -> dict[str, object]:
    district = f"WN{rng.randint(1, 40)}"
    words = " ".join(rng.sample(WORDS, 6))
    terms = rng.sample(TERMS, 2)
    sid = f"bench-{i:05d}"
    return {
        "id": sid,
        "name": f"{rng.choice(WORDS).title()} {terms[0]} {i}",
        "description": f"A {words} service.",
        "status": "active",
        "url": f"https://service{i}.example",
        "email": f"hello@service{i}.example",
        "organization": {"id": f"org-{i % 1500}", "name": f"Organisation {i % 1500}"},
        "phones": [{"id": f"{sid}-p", "number": f"01632 9{i % 100000:05d}"}],
        "schedules": [{"id": f"{sid}-s", "description": "Mondays 10am to 2pm"}],
        "cost_options": [{"id": f"{sid}-c", "option": "Free", "amount": 0}],
        "service_at_locations": [
            {
                "id": f"{sid}-sal",
                "location": {
                    "id": f"{sid}-l",
                    "name": "Hall",
                    "addresses": [
                        {
                            "id": f"{sid}-a",
                            "address_1": f"{i} High Street",
                            "city": "Wigan",
                            "postal_code": f"{district} {rng.randint(1, 9)}AB",
                            "country": "GB",
                        }
                    ],
                },
            }
        ],
        "attributes": [
            {
                "id": f"{sid}-t{j}",
                "taxonomy_term": {
                    "id": f"term-{t}",
                    "name": t,
                    "code": t.lower().replace(" ", "-"),
                },
            }
            for j, t in enumerate(terms)
        ],
    }


def generated(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [service(i, rng) for i in range(count)]
