"""GSM-7 character set and SMS segment arithmetic."""

from __future__ import annotations

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€\f"
_BASIC_SET = frozenset(GSM_BASIC)
_EXTENDED_SET = frozenset(GSM_EXTENDED)


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC_SET or ch in _EXTENDED_SET for ch in text)


def septets(text: str) -> int:
    """Length in GSM-7 septets: extended characters take two."""
    return sum(2 if ch in _EXTENDED_SET else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text costs (GSM-7 160/153, otherwise UCS-2 70/67).

    A character is never split between segments: an escaped GSM-7 character (two septets) or
    an emoji (two UTF-16 units) that would straddle a boundary starts the next segment."""
    if is_gsm7(text):
        units, single, multi = [2 if ch in _EXTENDED_SET else 1 for ch in text], 160, 153
    else:
        units = [len(ch.encode("utf-16-le")) // 2 for ch in text]
        single, multi = 70, 67
    if sum(units) <= single:
        return 1
    count, used = 1, 0
    for size in units:
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return count
