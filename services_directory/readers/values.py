"""Reading one value of a field (text, a whole number, a number) or an address, the same way
from JSON and from CSV: a value of the wrong kind is reported and read as None."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from services_directory.model import Address
from services_directory.readers.report import Report

_WHOLE = re.compile(r"[+-]?[0-9]+")


def as_text(value: object, name: str, report: Report) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    report.add(name, "not text; left out")
    return None


def as_whole(value: object, name: str, report: Report) -> int | None:
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


def choose_address(
    candidates: list[tuple[Mapping[str, Any], Report]],
) -> tuple[Mapping[str, Any], Report] | None:
    """The physical address if one is marked so, else the first."""
    for data, report in candidates:
        if str(data.get("address_type") or "physical").lower() == "physical":
            return data, report
    return candidates[0] if candidates else None


def as_address(data: Mapping[str, Any], report: Report) -> Address:
    line_1 = as_text(data.get("address_1"), "address_1", report)
    line_2 = as_text(data.get("address_2"), "address_2", report)
    if line_2:
        line_1 = f"{line_1}, {line_2}" if line_1 else line_2
    region = as_text(data.get("region"), "region", report)
    if region is None:
        region = as_text(data.get("state_province"), "state_province", report)
    return Address(
        address_1=line_1,
        city=as_text(data.get("city"), "city", report),
        postal_code=as_text(data.get("postal_code"), "postal_code", report),
        region=region,
        country=as_text(data.get("country"), "country", report),
    )
