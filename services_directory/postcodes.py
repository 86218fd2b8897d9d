"""UK postcodes: the outward code (district, e.g. "WN1") and the area letters (e.g. "WN").

Only the shape is checked, not whether the postcode exists: one or two letters, a digit, then
an optional letter or digit, optionally followed by the inward code (a digit and two letters).
"""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)(?:[0-9][A-Z]{2})?")
_AREA = re.compile(r"[A-Z]+")


def postcode_district(text: str) -> str | None:
    """The outward code of a postcode or district, upper case: "WN1 1AA" -> "WN1", "wn1" ->
    "WN1", "Wigan" -> None. Spaces anywhere are ignored ("WN11AA" -> "WN1")."""
    if not text:
        return None
    compact = "".join(text.split()).upper()
    if len(compact) > 8:
        return None
    found = _POSTCODE.fullmatch(compact)
    return found.group(1) if found else None


def postcode_area(district: str) -> str:
    """The letters at the start of a district: "WN1" -> "WN", "M1" -> "M"."""
    found = _AREA.match(district)
    return found.group(0) if found else ""
