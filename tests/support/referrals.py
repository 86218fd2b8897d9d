"""A professional referral's body for POST /api/v1/referrals: a GP refers Mary O'Brien to
Pemberton Surgery (P92001). Change any part with ``part__field=value`` (``client__notes=...``)
or a whole part with ``part=value``."""

from __future__ import annotations

from typing import Any


def referral_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referrer": {
            "name": "Dr Asha Patel",
            "role": "GP",
            "organisation": "Pemberton Surgery",
            "pathway": "primary_care",
            "phone": "07700 900777",
        },
        "client": {
            "name": "Mary O'Brien",
            "phone": "07700 900123",
            "date_of_birth": "1952-03-14",
            "practice": "P92001",
            "needs": ["loneliness"],
            "notes": "Lives alone",
        },
        "client_consent": True,
    }
    for path, value in changes.items():
        part, _, field = path.partition("__")
        if field:
            body[part][field] = value
        else:
            body[part] = value
    return body
