"""What a person would like help with: menu numbers, their own words, or both.

Words are matched as whole words and phrases, longest phrase first, so "bus" is not found in
"business" and "cant get out of bed" is low mood rather than transport. A single keyword of
five or more letters also matches a close misspelling ("lonley", "benifits") found by difflib,
as long as the first letter agrees. A number counts only where it reads as a menu choice: at
the start or after another choice, "and" or a need's words, and followed by nothing, another
choice, "and" or thanks, so "my son is 7" and "I have 2 kids" are not choices.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flows.answers import is_greeting
from flows.need_catalogue import NEED_BY_CODE, NEEDS, Need

__all__ = ["NEEDS", "NEED_BY_CODE", "Need", "NeedsAnswer", "need_codes_from_words", "parse_needs"]


@dataclass(frozen=True, slots=True)
class NeedsAnswer:
    codes: tuple[str, ...]  # unique, in menu order
    own_words: str | None  # the text, stripped, when it held words and not just numbers


# Phrases that look like a need and are not one; they are matched and then ignored.
_NOT_NEEDS = ("doesnt work", "didnt work", "wont work", "told to text")
# Ordinary words one slip away from a keyword, which must not count as typos of it.
_NOT_TYPOS = frozenset({"waking", "curse", "leaning", "cares", "sorts", "addition", "trans"})
_VOWELS = frozenset(a + b for a in "aeiouy" for b in "aeiouy" if a != b)
_NUMBER_WORDS = {
    w: i + 1
    for i, w in enumerate(
        (
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        )
    )
}
_JOINERS = frozenset({"and", "n", "or", "plus", "also", "then"})
_CHOICE_WORDS = frozenset({"number", "numbers", "no", "nos", "option", "options"})
_COURTESY = frozenset({"please", "pls", "thanks", "thank", "you", "ta", "cheers", "x", "xx"})
_FILLER = (
    _JOINERS
    | _CHOICE_WORDS
    | _COURTESY
    | frozenset(
        {
            "hi",
            "hello",
            "hiya",
            "hey",
            "yes",
            "ok",
            "okay",
            "not",
            "sure",
            "dont",
            "know",
            "idk",
            "help",
            "what",
            "nothing",
            "none",
            "morning",
            "afternoon",
            "evening",
            "good",
        }
    )
)

_PHRASES: list[tuple[tuple[str, ...], str | None]] = sorted(
    [(tuple(k.split()), n.code) for n in NEEDS for k in n.keywords]
    + [(tuple(p.split()), None) for p in _NOT_NEEDS],
    key=lambda item: -len(item[0]),
)
_SINGLE: dict[str, str | None] = {p[0]: code for p, code in _PHRASES if len(p) == 1}
_TYPO_TARGETS = [word for word in _SINGLE if len(word) >= 5]


def _tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"['`]", "", folded.replace("&", " and "))
    return re.findall(r"[a-z]+|\d+", folded)


def _is_slip(token: str, word: str) -> bool:
    """True when difflib sees the token as the word with one slip of the thumb: two letters
    swapped, one letter missing, one extra (not on a five-letter keyword: "carter", "window"),
    or on keywords of seven letters or more one vowel for another ("benifits")."""
    if len(token) == len(word) and sorted(token) == sorted(word):
        return sum(a != b for a, b in zip(token, word, strict=True)) == 2
    opcodes = difflib.SequenceMatcher(None, token, word).get_opcodes()
    slips = [(tag, i1, i2, j1, j2) for tag, i1, i2, j1, j2 in opcodes if tag != "equal"]
    if len(slips) != 1:
        return False
    tag, i1, i2, j1, j2 = slips[0]
    if tag == "replace":
        one_each = i2 - i1 == j2 - j1 == 1
        return one_each and len(word) >= 7 and token[i1] + word[j1] in _VOWELS
    return i2 - i1 + j2 - j1 == 1 and not (tag == "delete" and len(word) == 5)


@functools.lru_cache(maxsize=4096)  # difflib is slow, and people use the same words
def _typo_of(token: str) -> str | None:
    """The keyword a misspelt token stands for, when the match is close and safe."""
    if len(token) < 5 or token in _NOT_TYPOS or token in _NUMBER_WORDS:
        return None
    for word in difflib.get_close_matches(token, _TYPO_TARGETS, n=3, cutoff=0.8):
        if word[0] == token[0] and _is_slip(token, word):
            return word
    return None


def _word_codes(tokens: list[str]) -> tuple[set[str], list[bool]]:
    """Codes found by keywords, and which tokens they used (longest phrases first)."""
    used = [False] * len(tokens)
    codes: set[str] = set()
    for phrase, code in _PHRASES:
        size = len(phrase)
        for start in range(len(tokens) - size + 1):
            span = range(start, start + size)
            if tuple(tokens[start : start + size]) == phrase and not any(used[i] for i in span):
                for i in span:
                    used[i] = True
                if code is not None and not (start > 0 and tokens[start - 1] == "not"):
                    codes.add(code)
    for i, token in enumerate(tokens):
        typo = None if used[i] or token in _SINGLE else _typo_of(token)
        code = _SINGLE.get(typo) if typo else None
        if code is not None:
            used[i] = True
            if not (i > 0 and tokens[i - 1] == "not"):
                codes.add(code)
    return codes, used


def _number(token: str) -> int | None:
    return int(token) if token.isdigit() else _NUMBER_WORDS.get(token)


def _number_codes(tokens: list[str], used: list[bool]) -> tuple[set[str], list[bool]]:
    """Menu choices among the tokens not already used by a keyword."""
    is_choice = [False] * len(tokens)
    for i, token in enumerate(tokens):
        number = _number(token)
        if used[i] or number is None:
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        lead_ok = (
            before is None
            or before in _JOINERS
            or (before in _CHOICE_WORDS and token.isdigit())
            or is_choice[i - 1]
            or used[i - 1]
        )
        follow_ok = (
            after is None or after in _JOINERS or after in _COURTESY or _number(after) is not None
        )
        is_choice[i] = bool(lead_ok and follow_ok)
    numbers = {_number(t) for t, chosen in zip(tokens, is_choice, strict=True) if chosen}
    codes = {n.code for n in NEEDS if n.number in numbers}
    return codes, is_choice


def _in_order(codes: set[str]) -> tuple[str, ...]:
    return tuple(need.code for need in NEEDS if need.code in codes)


def parse_needs(text: str) -> NeedsAnswer | None:
    """Needs from menu numbers and words; None when the message gives nothing to go on.

    Words that name no need and come with no menu number become "other"; the words are kept
    either way for the link worker to read."""
    if is_greeting(text):
        return None
    tokens = _tokens(text)
    word_codes, used = _word_codes(tokens)
    number_codes, is_choice = _number_codes(tokens, used)
    loose = [t for i, t in enumerate(tokens) if not used[i] and not is_choice[i]]
    has_words = any(used) or any(t not in _FILLER and not t.isdigit() for t in loose)
    codes = word_codes | number_codes or ({"other"} if has_words else set())
    if not codes:
        return None
    return NeedsAnswer(_in_order(codes), text.strip() if has_words else None)


def need_codes_from_words(items: Iterable[str]) -> tuple[list[str], list[str]]:
    """Codes for API items (a code, a menu number as text, or words) and the items not known.

    An unknown item still counts as "other", so nothing the person said is dropped."""
    codes: set[str] = set()
    unknown: list[str] = []
    for item in items:
        plain = item.strip()
        if not plain:
            continue
        number = int(plain) if plain.isdigit() else None
        if plain.lower() in NEED_BY_CODE:
            codes.add(plain.lower())
        elif number is not None and 1 <= number <= len(NEEDS):
            codes.add(NEEDS[number - 1].code)
        else:
            found, _ = _word_codes(_tokens(plain))
            if found:
                codes |= found
            else:
                unknown.append(item)
                codes.add("other")
    return list(_in_order(codes)), unknown
