"""Reading answers to a check-in: "how are things?" in numbers or words, "nothing more",
and "no more questions"."""

from __future__ import annotations

import re

_SAME_FIRST = re.compile(r"\b(not|no)\s+(that\s+|too\s+|so\s+)?(bad|worse)\b")
_WORSE = re.compile(
    r"\b(not|no)\s+(so\s+|very\s+|too\s+|that\s+|feeling\s+)?(good|great|well|better|fine|"
    r"brilliant)\b|\bworse\b|\bbad\b|\bawful\b|\bterrible\b|\bstruggl\w*|\bpoor\w*|\brubbish\b|"
    r"\bhorrible\b|\bdreadful\b|\bdown\b|\bharder\b|\bdeclin\w*"
)
_SAME = re.compile(
    r"\bsame\b|\bno\s+change\b|\bnothing('?s|\s+has)?\s+changed\b|\bso-?\s?so\b|\bok(ay)?\b|"
    r"\balright\b|\bno\s+different\b|\bas\s+before\b|\bmuch\s+of\s+a\s+muchness\b"
)
_BETTER = re.compile(
    r"\bbetter\b|\bgood\b|\bgreat\b|\bimprov\w*|\bfine\b|\bwell\b|\bbrilliant\b|"
    r"\bexcellent\b|\bhappier\b|\blovely\b|\bfab\w*|\bwonderful\b|\bbrighter\b"
)
_NUMBERS = {
    "1": "better",
    "2": "same",
    "3": "worse",
    "one": "better",
    "two": "same",
    "three": "worse",
}
_NOTHING = re.compile(
    r"^(no|nope|nah|nothing|not really|no thanks?( you)?|no ta|nothing (else|more)|"
    r"that'?s (all|it)|all good|none|n/?a|skip)\b"
)
_STOP_ASKING = re.compile(
    r"^(no|nope|nah|skip|no more|enough|later|not now|stop (the )?questions|i'?ll stop)\b"
)
# Beyond this many words, an answer to "how are things" also counts as their own words.
_SAYS_MORE = 4


def how_are_things(text: str) -> str | None:
    """``better``, ``same`` or ``worse`` from 1/2/3 or words; None when unclear or mixed."""
    plain = text.strip().lower().replace("\u2019", "'")
    bare = plain.strip(" .!?,")
    if bare in _NUMBERS:
        return _NUMBERS[bare]
    if _SAME_FIRST.search(plain):
        found = {"same"}
        plain = _SAME_FIRST.sub(" ", plain)
    else:
        found = set()
    if _WORSE.search(plain):
        found.add("worse")
        plain = _WORSE.sub(" ", plain)
    if _SAME.search(plain):
        found.add("same")
    if _BETTER.search(plain):
        found.add("better")
    return found.pop() if len(found) == 1 else None


def says_more(text: str) -> bool:
    """An answer to "how are things" long enough to count as their own words too."""
    return len(re.findall(r"[A-Za-z']+", text)) > _SAYS_MORE


def nothing_more(text: str) -> bool:
    """ "No", "nothing else", "that's all": nothing to add in their own words."""
    return _NOTHING.match(text.lower()) is not None


def stops_asking(text: str) -> bool:
    """ "No more", "skip", "not now": they want the questions to stop."""
    return _STOP_ASKING.match(text.strip().lower()) is not None
