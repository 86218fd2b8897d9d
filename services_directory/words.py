"""Text made comparable: lower case, accents taken off, "&" read as "and", apostrophes dropped
and every run of other non-letters, non-digits made one space, so "Carers' Drop-in & Café"
reads "carers drop in and cafe". Matching a whole word or phrase is then a plain substring
test on the text padded with spaces, which is fast."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’`]")
_NOT_WORD = re.compile(r"[\W_]+")
# The combining accents of Latin, Greek and Cyrillic letters once decomposed ("é" is "e" and
# U+0301); other scripts' combining signs are part of their letters and are kept.
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str | None) -> str:
    """The words of ``text`` as described above, single-spaced, without padding."""
    if not text:
        return ""
    plain = text.casefold()
    if not plain.isascii():
        plain = _ACCENTS.sub("", unicodedata.normalize("NFKD", plain))
    if "&" in plain:
        plain = plain.replace("&", " and ")
    if "'" in plain or "’" in plain or "`" in plain:
        plain = _APOSTROPHES.sub("", plain)
    return _NOT_WORD.sub(" ", plain).strip()


def padded(*texts: str | None) -> str:
    """The texts normalised and joined so that no phrase can run from one into the next,
    padded with spaces: test a phrase with ``f" {phrase} " in padded(...)``."""
    return joined(*(normalise(t) for t in texts if t))


def joined(*normalised: str) -> str:
    """Texts already normalised, joined and padded as ``padded`` does."""
    return " " + " | ".join(t for t in normalised if t) + " "
