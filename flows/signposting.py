"""Services offered "while you wait" at the end of a self-referral: at most two, one short
message each, naming the service and how to reach it (a phone number, else a web address)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows import texts
from flows.gsm import is_gsm7

MOST = 2
SEGMENT = 160
# Needs that are health details: a text naming a service for them could tell whoever reads the
# phone more than the person chose to share, so those are left to the link worker.
PRIVATE_NEEDS = frozenset({"low_mood", "alcohol_drugs", "bereavement"})


@dataclass(frozen=True, slots=True)
class Signpost:
    name: str
    contact: str  # a phone number or a web address


def _fit(template: str, name: str, contact: str) -> str:
    """The message in one GSM-7 segment where it can be: the name is shortened, never the
    contact; characters outside GSM-7 in the name are left out."""
    name = "".join(ch for ch in name if is_gsm7(ch)).strip() or "A local service"
    text = template.format(name=name, contact=contact)
    room = SEGMENT - (len(text) - len(name))
    if len(text) > SEGMENT and room > 10:
        text = template.format(name=name[: room - 3].rstrip() + "...", contact=contact)
    return text


def messages(found: Sequence[Signpost]) -> list[str]:
    chosen = [s for s in found if s.contact][:MOST]
    templates = (texts.SIGNPOST_FIRST, texts.SIGNPOST_NEXT)
    return [_fit(templates[min(i, 1)], s.name, s.contact) for i, s in enumerate(chosen)]
