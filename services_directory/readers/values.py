"""Reading one value of a field as text, a whole number or a number, the same way from JSON
and from CSV: a value of the wrong kind is reported and read as None."""

from __future__ import annotations

import math
import re

from services_directory.readers.report import Report

_WHOLE = re.compile(r"[+-]?[0-9]+")


def as_text(value: object, name: str, report: Report) -> str | None:
    """Text as given; a number given for text becomes text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    report.add(name, "not text; left out")
    return None


def as_whole(value: object, name: str, report: Report) -> int | None:
    """A whole number of at least 0 (an age), also from text ("12") or a float (12.0)."""
    number: int | None = None
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        report.add(name, "not a whole number")
        return None
    if number < 0:
        report.add(name, "must not be negative")
        return None
    return number


def as_number(value: object, name: str, report: Report) -> float | None:
    """A finite number, also from text, which may have a leading "£" and thousands commas."""
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().lstrip("£").replace(",", ""))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        report.add(name, "not a number")
        return None
    return number
