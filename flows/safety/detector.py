"""The crisis detector: which concerns, if any, a message raises.

The phrases are data (``phrases.toml`` beside this file, read once). Detection prefers a false
alarm to a miss: an idiom or a negation is only excused when nothing else in the message is
worrying, and what a message says about someone else is only set aside after it has been
recorded as a concern of its own.
"""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz.distance import OSA

from flows.safety.normalise import normalise

PHRASES_FILE = "phrases.toml"


class Concern(enum.StrEnum):
    """A kind of risk, each with its own answer and case reason, in the order they are looked
    for and told (someone else's risk first, so that it is not read as the texter's)."""

    SOMEONE_ELSE = "someone_else"  # another person may harm themselves, or be harmed by the texter
    SELF_HARM = "self_harm"  # the texter may harm themselves: suicide, self-harm, overdose
    HARM_FROM_OTHERS = "harm_from_others"  # someone is harming or threatening them or a child

    @property
    def case_reason(self) -> str:
        return _REASONS[self]


_REASONS = {
    Concern.SELF_HARM: "crisis",
    Concern.HARM_FROM_OTHERS: "safeguarding",
    Concern.SOMEONE_ELSE: "risk_to_someone_else",
}


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class _Phrases:
    """Plain phrases, found word by word allowing a slip of the thumb in each word. Indexed by
    the first letter of their first word, which must be typed right."""

    by_letter: dict[str, tuple[_Phrase, ...]]

    @classmethod
    def of(cls, phrases: list[str]) -> _Phrases:
        index: dict[str, list[_Phrase]] = {}
        for text in phrases:
            words = tuple(text.split())
            index.setdefault(words[0][0], []).append(_Phrase(words))
        return cls({letter: tuple(found) for letter, found in index.items()})

    def places(self, words: list[str]) -> list[range]:
        """Where any of the phrases stands in ``words``."""
        found = []
        for i, word in enumerate(words):
            for phrase in self.by_letter.get(word[:1], ()):
                n = len(phrase.words)
                here = words[i : i + n]
                if len(here) == n and all(map(_near, here, phrase.words)):
                    found.append(range(i, i + n))
        return found


@dataclass(frozen=True)
class _Rules:
    patterns: tuple[re.Pattern[str], ...]
    phrases: _Phrases


def _near(word: str, target: str) -> bool:
    """The same word, or a misspelling of it: one slip in a word of 4 to 7 letters, two in a
    longer one (a swapped pair is one), never in the first letter or a word of three."""
    if word == target:
        return True
    if len(target) < 4 or word[:1] != target[:1]:
        return False
    allowed = 1 if len(target) < 8 else 2
    return OSA.distance(word, target, score_cutoff=allowed) <= allowed


def _expand(pattern: str, words: dict[str, str]) -> str:
    for _ in range(5):  # word lists may name other word lists
        for name, value in words.items():
            pattern = pattern.replace(f"<{name}>", f"(?:{value})")
    if "<" in re.sub(r"\(\?<[!=]", "", pattern):
        raise ValueError(f"unknown word list in {pattern!r}")
    return pattern


@cache
def _load() -> tuple[tuple[re.Pattern[str], ...], dict[Concern, _Rules]]:
    data = tomllib.loads(resources.files(__package__).joinpath(PHRASES_FILE).read_text())
    words: dict[str, str] = data["words"]

    def compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(_expand(p, words), re.VERBOSE) for p in patterns)

    excused = compile_all(data["everyday"]["patterns"])
    rules = {
        concern: _Rules(
            compile_all(data[concern.value]["patterns"]),
            _Phrases.of(data[concern.value].get("phrases", [])),
        )
        for concern in Concern
    }
    return excused, rules


@lru_cache(maxsize=256)  # a message is read when it arrives and again in the engine
def concerns(text: str) -> tuple[Concern, ...]:
    """The concerns the message raises, in ``Concern`` order; empty for an everyday message."""
    excused, rules = _load()
    plain = normalise(text)
    for idiom in excused:
        plain = idiom.sub(" ", plain)
    found: list[Concern] = []
    for concern, rule in rules.items():
        if concern is Concern.SOMEONE_ELSE:  # found, then set aside: not read as the texter's
            spans = [m.span() for p in rule.patterns for m in p.finditer(plain)]
            if spans or rule.phrases.places(plain.split()):
                found.append(concern)
                plain = _set_aside(plain, spans, rule.phrases)
        elif any(p.search(plain) for p in rule.patterns) or rule.phrases.places(plain.split()):
            found.append(concern)
    return tuple(found)


def _set_aside(plain: str, spans: list[tuple[int, int]], phrases: _Phrases) -> str:
    """The text with what was found blanked out: the patterns' spans, then the phrases."""
    chars = list(plain)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    words = "".join(chars).split()
    drop = {i for place in phrases.places(words) for i in place}
    return " ".join(w for i, w in enumerate(words) if i not in drop)


def suggests_risk(text: str) -> bool:
    """True when the message suggests a risk of harm to the person or to someone else."""
    return bool(concerns(text))
