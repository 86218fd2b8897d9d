"""How and when a person would like to be contacted, read from their own words.

"Text me in the evenings", "2", "ring me, not before 10": the way (a message, a call, either)
and, when given, the time, kept as a tidy phrase or as their words.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flows import answers


class ContactMethod(enum.StrEnum):
    MESSAGE = "message"
    CALL = "call"
    EITHER = "either"


@dataclass(frozen=True, slots=True)
class ContactPreference:
    method: ContactMethod
    when: str | None  # a tidy phrase ("mornings", "any time") or the person's words, <= 60 chars


_WHEN_MAX = 60
_LEADING_CHOICE = re.compile(
    r"^\s*(?:option\s*|number\s*|no\.?\s*|#)?([123])(?!\d|[:.]\d|\s*(?:am|pm|o'?clock)\b)"
    r"\s*[.):,-]?",
    re.IGNORECASE,
)
# A way of contact, with any "dont", "no" or "not" shortly before it in the same clause.
_METHOD_RE = re.compile(
    r"\b(?P<neg>(?:do\s*n'?t|not|no|never|rather\s+not|can'?t|cannot)\s+"
    r"(?:(?!mind\b|preference\b)\w+\s+){0,2}?)?"
    r"(?P<way>te?xt(?:s|ing)?|messag(?:e|es|ing)|msg|sms|chat|whats\s*app|call(?:s|ing)?|"
    r"ring(?:ing)?|(?<!my\s)(?<!your\s)phone(?:\s*calls?)?(?!\s+number)|bell|"
    r"either(?:\s+way)?|both|whatever|anything|any(?!\s*(?:time|day|hour|morning|afternoon|"
    r"evening|week))|do\s*n'?t\s+mind(?!\s+when)|do\s+not\s+mind|doesn'?t\s+matter|"
    r"no\s+preference|not\s+bothered)(?:\s+(?:me|us))?\b",
    re.IGNORECASE,
)
_WHEN_FILLER = frozenset(
    answers.phrase_list(
        "me, please, pls, by, via, on, a, an, and, or, but, is, are, fine, ok, okay, thanks,"
        "thank, you, ta, cheers, x, prefer, preferably, ideally, would, be, best, better, good,"
        "i, id, like, its, it, to, only, just, if, possible, great, the, with, thats, that, so,"
        "for, really, also, mostly, usually, probably, way, works, suits, my, mobile, phone,"
        "number"
    )
)
_TIDY = {
    "mornings": ("morning", "mornings", "in the morning", "in the mornings", "am"),
    "afternoons": ("afternoon", "afternoons", "in the afternoon", "in the afternoons", "pm"),
    "evenings": ("evening", "evenings", "in the evening", "in the evenings", "at night"),
    "weekdays": ("weekday", "weekdays", "week days", "during the week", "in the week"),
    "weekends": ("weekend", "weekends", "at the weekend", "at weekends", "on the weekend"),
    "any time": (
        "any time",
        "anytime",
        "any",
        "whenever",
        "all day",
        "any time of day",
        "dont mind",
        "dont mind when",
        "no preference",
    ),
}
_TIDY_BY_PHRASE = {phrase: tidy for tidy, phrases in _TIDY.items() for phrase in phrases}


def _methods(text: str) -> set[ContactMethod]:
    """Ways of contact named in the text; a message or call said with "dont" does not count."""
    found: set[ContactMethod] = set()
    for match in _METHOD_RE.finditer(text):
        way = match["way"].lower()
        if re.match(r"call|ring|phone|bell", way):
            method = ContactMethod.CALL
        elif re.match(r"te?xt|messag|msg|sms|chat|whats", way):
            method = ContactMethod.MESSAGE
        else:
            method = ContactMethod.EITHER
        if method is ContactMethod.EITHER or not match["neg"]:
            found.add(method)
    return found


def _when(text: str) -> str | None:
    """The time part of the answer: a tidy phrase when it is a common one, else their words."""
    clauses = []
    for clause in re.split(r"[,;!?\n]|\.(?!\d)|\s-\s", _METHOD_RE.sub(",", text)):
        words = clause.split()
        while words and words[0].lower().strip(".'") in _WHEN_FILLER:
            words.pop(0)
        while words and words[-1].lower().strip(".'") in _WHEN_FILLER:
            words.pop()
        if words:
            clauses.append(" ".join(words))
    when = ", ".join(clauses)
    if not when:
        return None
    tidy = _TIDY_BY_PHRASE.get(" ".join(answers.plain_words(when)))
    if tidy is not None:
        return tidy
    return when if len(when) <= _WHEN_MAX else when[:_WHEN_MAX].rsplit(" ", 1)[0].rstrip(",")


def contact_preference(text: str) -> ContactPreference | None:
    """How and when the person would like to be contacted; None when no way of contact is given.

    A leading 1, 2 or 3 is the menu choice (message, call, either); otherwise words decide, and
    naming both a message and a call means either. "Any time" or "dont mind" about the time
    does not make the method "either" when a message or a call was named."""
    text = text.replace("\u2019", "'")
    choice = _LEADING_CHOICE.match(text)
    if choice:
        method = list(ContactMethod)[int(choice[1]) - 1]
        return ContactPreference(method, _when(text[choice.end() :]))
    methods = _methods(text)
    named = methods - {ContactMethod.EITHER}
    if not methods:
        return None
    method = named.pop() if len(named) == 1 else ContactMethod.EITHER
    return ContactPreference(method, _when(text))
