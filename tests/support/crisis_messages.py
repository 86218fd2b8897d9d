"""The public crisis test sets (tests/fixtures/safety/*.tsv): messages written the way people
write them, each with the concern it must raise, or ``everyday`` for one that must raise none.

Each set was written by someone outside the detector's design. ``messages.tsv`` came first and
the detector was built against it; ``second.tsv`` was written afterwards without sight of the
detector or the first set, and measured before the detector was changed for it; ``third.tsv``
the same after that. The detector is now held to all three. When a real message is missed or
wrongly flagged, add it to a set first, then change flows/safety/phrases.toml.
"""

from __future__ import annotations

from pathlib import Path

from flows.safety import Concern

SETS = Path(__file__).resolve().parents[1] / "fixtures" / "safety"
NAMES = ("messages.tsv", "second.tsv", "third.tsv")
EVERYDAY = "everyday"


def load(name: str) -> list[tuple[str, str]]:
    """(category, message) pairs, in file order; the category is a ``Concern`` or everyday."""
    lines = (SETS / name).read_text(encoding="utf-8").splitlines()
    if lines[0] != "category\tmessage":
        raise ValueError(f"{name}: the first line must be the header")
    pairs = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        category, sep, message = line.partition("\t")
        if not sep or "\t" in message or category not in {*Concern, EVERYDAY}:
            raise ValueError(f"{name} line {number}: expected a category, a tab and a message")
        pairs.append((category, message))
    return pairs


BY_SET = {name: load(name) for name in NAMES}
# Every set together, each message once (two writers sometimes wrote the same words).
PUBLIC = list(dict.fromkeys(pair for pairs in BY_SET.values() for pair in pairs))
RISK_MESSAGES: tuple[tuple[Concern, str], ...] = tuple(
    (Concern(c), m) for c, m in PUBLIC if c != EVERYDAY
)
EVERYDAY_MESSAGES: tuple[str, ...] = tuple(m for c, m in PUBLIC if c == EVERYDAY)
