"""Reminder wording tested: a service's variants of the reminder text, each new booking given
one at random, so the figures can compare their did-not-attend rates.

A variant is a name and a template with the reminder's own placeholders ({service}, {worker},
{when}, {location}); a variant with no text uses the standard wording. Templates are checked
when the service starts: GSM-7, placeholders known, at most two SMS segments once filled.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Any

from flows.gsm import is_gsm7, segments

PLACEHOLDERS = frozenset({"service", "worker", "when", "location"})
MOST_SEGMENTS = 2
_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
# Long enough values to check a filled template's length against.
_SAMPLE = {
    "service": "Community Link Worker service",
    "worker": "Samantha",
    "when": "Wed 30 Dec at 12:30pm",
    "location": "Pemberton Surgery, Community Room 2",
}


@dataclass(frozen=True, slots=True)
class ReminderVariant:
    name: str
    text: str | None = None  # None: the standard reminder

    def fill(self, standard: str, **values: str) -> str:
        return (self.text or standard).format(**values)


def read(raw: Any) -> tuple[ReminderVariant, ...]:
    """Variants from a list of ``{"name": ..., "text": ...}``; ValueError names the problem."""
    if not isinstance(raw, list) or not 2 <= len(raw) <= 6:
        raise ValueError("give a list of 2 to 6 variants, each with a name and a text")
    seen: set[str] = set()
    variants = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"variant {n} is not an object with a name and a text")
        name, text = item.get("name"), item.get("text")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"variant {n}: a name of lower-case letters, digits, - or _")
        if name in seen:
            raise ValueError(f"variant {n}: the name {name!r} is used twice")
        seen.add(name)
        if text is not None:
            _check_text(name, text)
        variants.append(ReminderVariant(name, text))
    return tuple(variants)


def _check_text(name: str, text: object) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"variant {name!r}: the text must be some words")
    try:
        used = {field for _, field, _, _ in Formatter().parse(text) if field is not None}
    except ValueError:
        raise ValueError(f"variant {name!r}: a {{ or }} without its pair") from None
    unknown = used - PLACEHOLDERS
    if unknown:
        raise ValueError(
            f"variant {name!r}: unknown placeholder {{{sorted(unknown)[0]}}}; use "
            + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
        )
    if "when" not in used:
        raise ValueError(f"variant {name!r}: a reminder must say {{when}}")
    filled = text.format(**_SAMPLE)
    if not is_gsm7(filled):
        raise ValueError(f"variant {name!r}: use plain text (GSM-7: no curly quotes or emoji)")
    if segments(filled) > MOST_SEGMENTS:
        raise ValueError(f"variant {name!r}: too long, at most {MOST_SEGMENTS} SMS once filled")


def assign(variants: Sequence[ReminderVariant], chooser: random.Random) -> str | None:
    """A variant's name for a new booking, uniformly at random; None when none are set."""
    return chooser.choice(variants).name if variants else None


def named(variants: Sequence[ReminderVariant], name: str | None) -> ReminderVariant | None:
    return next((v for v in variants if v.name == name), None)
