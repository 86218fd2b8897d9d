"""Which of the service's GP practices someone means, from what they type.

Generic words ("surgery", "medical centre", "my gp is") are dropped from both sides, so the
match is on the distinctive words of a practice's name. Each distinctive word may be typed
exactly, as the start of a longer name word ("beech" for "Beechwood"), or with a typo that
difflib rates as close. A practice is chosen only when it explains more of what was typed than
any other practice; when two share the words typed ("hindley" for Hindley Health Centre and
Hindley Green Surgery) the answer is a short list to pick from. An area name alone never
chooses a practice, it only offers the practices in that area.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PracticeInfo:
    id: int
    code: str  # e.g. "P92001"
    name: str  # e.g. "Pemberton Surgery"
    area: str | None  # e.g. "Pemberton"


@dataclass(frozen=True, slots=True)
class PracticeMatch:
    chosen: PracticeInfo | None  # set when one practice is clearly meant
    choices: tuple[PracticeInfo, ...]  # otherwise up to 3 plausible ones, best first


MAX_CHOICES = 3
_CLOSE = 0.8  # difflib ratio for a typo of a name word
_CLEAR = 0.85  # mean closeness of the typed words needed to choose without asking

_GENERIC = frozenset(
    (
        "surgery",
        "surgeries",
        "medical",
        "centre",
        "center",
        "centres",
        "practice",
        "practise",
        "health",
        "healthcare",
        "the",
        "gp",
        "gps",
        "doctor",
        "doctors",
        "dr",
        "drs",
        "group",
        "clinic",
        "partnership",
        "partners",
        "family",
        "and",
        "of",
        "primary",
        "care",
        "my",
        "is",
        "its",
        "it",
        "at",
        "in",
        "im",
        "i",
        "am",
        "with",
        "we",
        "registered",
        "under",
        "a",
        "thanks",
        "thank",
        "you",
        "please",
        "ta",
        "cheers",
        "called",
        "name",
        "go",
        "to",
        "our",
    )
)
_SAME = {"center": "centre", "saint": "st", "ctr": "centre", "med": "medical", "pract": "practice"}
_NOT_SURE = re.compile(
    r"\b(not\s+(really\s+)?sure|unsure|dont\s+know|do\s+not\s+know|no\s+idea|idk|dunno|"
    r"cant\s+remember|can\s*not\s+remember|dont\s+remember|forgot(ten)?|no\s+clue|"
    r"not\s+certain)\b"
)
_NOT_SURE_EXTRA = frozenset(
    (
        "im",
        "i",
        "am",
        "really",
        "which",
        "one",
        "what",
        "who",
        "whos",
        "its",
        "it",
        "is",
        "called",
        "the",
        "name",
        "of",
        "my",
        "gp",
        "surgery",
        "practice",
        "doctors",
        "doctor",
        "sorry",
        "to",
        "be",
        "honest",
        "tbh",
        "um",
        "erm",
    )
)


@dataclass(frozen=True, slots=True)
class _Score:
    practice: PracticeInfo
    used: frozenset[int]  # indexes of the typed words this practice's name explains
    closeness: float  # mean closeness of those words, 1.0 when all exact
    coverage: float  # share of the practice's distinctive words that were typed
    whole_name: bool  # every word of the full name, generic ones too, was typed


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"['`\u2019]", "", folded.replace("&", " and "))
    return [_SAME.get(w, w) for w in re.findall(r"[a-z0-9]+", folded)]


def _distinctive(words: list[str]) -> list[str]:
    kept = [w for w in words if w not in _GENERIC]
    return kept or [w for w in words if w != "the"]


def _closeness(typed: str, word: str) -> float:
    if typed == word:
        return 1.0
    if len(typed) >= 4 and word.startswith(typed):
        return _CLOSE
    if len(word) < 4 or len(typed) < 3:
        return 0.0
    ratio = difflib.SequenceMatcher(None, typed, word).ratio()
    return ratio if ratio >= _CLOSE else 0.0


def _score(practice: PracticeInfo, typed: list[str], all_typed: list[str]) -> _Score | None:
    name = _distinctive(_words(practice.name))
    only_generic = all(w in _GENERIC for w in name)  # "The Family Practice"
    if only_generic:
        typed = [w for w in all_typed if w != "the"]
    used: dict[int, float] = {}
    found = 0.0
    for word in name:
        best, at = max(((_closeness(t, word), i) for i, t in enumerate(typed)), default=(0, 0))
        if best > 0:
            used[at] = max(used.get(at, 0.0), best)
            found += best
    # Also a name typed as one word, or one word typed as two: "beechhill", "hind ley".
    joined = "".join(name)
    for size in (1, 2, 3):
        for start in range(len(typed) - size + 1):
            window = "".join(typed[start : start + size])
            ratio = difflib.SequenceMatcher(None, window, joined).ratio()
            if len(name) + size > 2 and ratio >= _CLEAR and ratio * len(name) > found:
                used, found = dict.fromkeys(range(start, start + size), ratio), ratio * len(name)
    full = [w for w in _words(practice.name) if w != "the"]
    whole = all(any(_closeness(t, w) >= _CLEAR for t in all_typed) for w in full)
    if not used or (only_generic and not whole):
        return None
    closeness = sum(used.values()) / len(used)
    return _Score(practice, frozenset(used), closeness, found / len(name), whole)


def _rank(score: _Score) -> tuple[int, float, float]:
    return (len(score.used), score.coverage, score.closeness)


def match_practice(text: str, practices: Sequence[PracticeInfo]) -> PracticeMatch:
    """The practice meant, or up to three to choose from, or neither when nothing is close."""
    all_typed = _words(text)
    by_code = {p.code.lower(): p for p in practices}
    coded = {by_code[w] for w in all_typed if w in by_code}
    if len(coded) == 1:
        return PracticeMatch(coded.pop(), ())
    vocabulary = {w for p in practices for w in _distinctive(_words(p.name))}
    typed = [
        w
        for w in all_typed
        if w not in _GENERIC
        and (w in vocabulary or not difflib.get_close_matches(w, _GENERIC, n=1, cutoff=_CLOSE))
    ]
    scores = [s for p in practices if (s := _score(p, typed, all_typed)) is not None]
    if not scores:
        in_area = [p for p in practices if p.area and _area_named(p.area, typed)]
        return PracticeMatch(None, tuple(in_area[:MAX_CHOICES]))
    scores.sort(key=_rank, reverse=True)
    best = scores[0]
    rivals = [s for s in scores[1:] if len(s.used) >= len(best.used)]
    if rivals:
        tied = [best, *rivals]
        whole = [s for s in tied if s.whole_name]
        if len(whole) == 1 and whole[0].closeness >= _CLEAR:
            return PracticeMatch(whole[0].practice, ())
    elif best.closeness >= _CLEAR:
        return PracticeMatch(best.practice, ())
    return PracticeMatch(None, tuple(s.practice for s in scores[:MAX_CHOICES]))


def _area_named(area: str, typed: list[str]) -> bool:
    words = _words(area)
    return bool(words) and all(any(_closeness(t, w) >= _CLEAR for t in typed) for w in words)


def is_not_sure(text: str) -> bool:
    """True when the person says they do not know their practice, and names none."""
    if re.fullmatch(r"\s*\?+\s*", text):
        return True
    plain = " ".join(_words(text))
    if not _NOT_SURE.search(plain):
        return False
    rest = _NOT_SURE.sub(" ", plain).split()
    return all(word in _NOT_SURE_EXTRA or word in _GENERIC for word in rest)
