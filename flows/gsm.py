"""GSM-7 character set and SMS segment arithmetic."""

from __future__ import annotations

_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENDED = "^{}\\[~]|€\f"
_BASIC_SET = frozenset(_BASIC)
_EXTENDED_SET = frozenset(_EXTENDED)


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC_SET or ch in _EXTENDED_SET for ch in text)


def septets(text: str) -> int:
    """Length in GSM-7 septets: extended characters take two."""
    return sum(2 if ch in _EXTENDED_SET else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text costs (GSM-7 160/153, otherwise UCS-2 70/67)."""
    if is_gsm7(text):
        length, single, multi = septets(text), 160, 153
    else:
        # UCS-2 counts UTF-16 code units: an emoji takes two.
        length, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    if length <= single:
        return 1
    return -(-length // multi)
