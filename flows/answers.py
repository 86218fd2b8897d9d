"""Small readers for short answers: yes or no, greetings, back/restart, names, numbers.

Each reader takes the whole message as typed on a phone (any case, trailing punctuation,
"thanks" on the end) and returns None when it cannot tell, so the bot asks again rather than
guessing.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers


def _list(spec: str) -> tuple[str, ...]:
    """A table of phrases written as one comma-separated string, to keep the data compact."""
    return tuple(phrase.strip() for phrase in spec.split(","))


_EMOJI = {
    "\U0001f44d": " yes ",
    "\u2705": " yes ",
    "\u2714": " yes ",
    "\U0001f44e": " no ",
    "\u274c": " no ",
}
_COURTESY = _list(
    "thanks, thank you, thankyou, thank u, thx, ty, ta, cheers, many thanks, x, xx,"
    "xxx, mate, love, hun"
)
_YES = _list(
    "yes, y, ye, yeah, yeh, yea, yep, yup, aye, ok, okay, ok then, k, sure, go on, go on then,"
    "please, yes please, fine, thats fine, that is fine, its fine, correct, thats correct, right,"
    "thats right, that is right, alright, all right, absolutely, definitely, certainly,"
    "of course, sounds good, great, perfect, lovely, go ahead, i do, i agree, agreed, it is,"
    "true, sure thing, why not, please do, i would, i am"
)
_NO = _list(
    "no, n, nope, nah, naw, not now, not really, dont, i dont, no way, not at the moment, not yet,"
    "not today, wrong, incorrect, thats wrong, thats not right, its not, never, not interested,"
    "rather not, id rather not, dont want to, i dont want to, do not, i do not, not"
)
_GREETINGS = _list(
    "hi, hello, hiya, hey, heya, hullo, hallo, helo, ello, howdy, morning, good morning,"
    "afternoon, good afternoon, evening, good evening, good day, alright, all right, greetings,"
    "hey up"
)
_GREETING_TAILS = _list("there, again, all, everyone, you, how are you, hows it going, how r u, x")
_BACK = _list(
    "back, go back, previous, undo, go back one, back one, previous question, last question,"
    "go to previous, go to the previous question, go back a step, back a step, step back"
)
_RESTART = _list(
    "start again, restart, start over, begin again, start from the beginning,"
    "start from beginning, from the beginning, start all over, start all over again,"
    "start over again, start from scratch, reset, start again from the beginning,"
    "begin from the start"
)
_ASKING = frozenset(
    _list(
        "please, can, could, may, i, we, want, wanna, to, like, would, id, lets, let, me, us,"
        "just, ok, okay, sorry, oh"
    )
)
_COUNTING = _list("one, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve")
_ORDINALS = _list(
    "first, second, third, fourth, fifth, sixth, seventh, eighth, ninth, tenth, eleventh, twelfth"
)
_NUMBERS = {w: i + 1 for words in (_COUNTING, _ORDINALS) for i, w in enumerate(words)}
_NOT_NAMES = frozenset(
    _list(
        "not, dont, why, what, who, how, help, rather, prefer, anonymous, sure, idk, dunno,"
        "none, nothing, stop, start, name, names, me, myself, you, is, my"
    )
)


def _plain(text: str) -> list[str]:
    """Words only: emoji for yes/no spelt out, accents and apostrophes gone, lower case."""
    for emoji, word in _EMOJI.items():
        text = text.replace(emoji, word)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", re.sub(r"['`]", "", folded))
    return re.findall(r"[a-z]+|\d+", folded)


def _table(groups: dict[str, tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    return {tuple(p.split()): kind for kind, phrases in groups.items() for p in phrases}


_YES_NO = _table({"yes": _YES, "no": _NO, "courtesy": _COURTESY})
_GREETING = _table({"greeting": _GREETINGS, "tail": _GREETING_TAILS})


def _kinds(words: list[str], table: dict[tuple[str, ...], str]) -> list[str] | None:
    """Split the words into known phrases, longest first; the kind of each, or None."""
    kinds, i = [], 0
    while i < len(words):
        for size in (5, 4, 3, 2, 1):
            kind = table.get(tuple(words[i : i + size])) if i + size <= len(words) else None
            if kind is not None:
                kinds.append(kind)
                i += size
                break
        else:
            return None
    return kinds


def yes_no(text: str) -> bool | None:
    """True for a yes, False for a no, None for anything else or for a mix of both."""
    kinds = _kinds(_plain(text), _YES_NO)
    said = set(kinds or ()) - {"courtesy"}
    return said == {"yes"} if said in ({"yes"}, {"no"}) else None


def is_greeting(text: str) -> bool:
    """True when the whole message is a greeting: "hi", "Good morning!", "hiya there"."""
    words = [w if (w,) in _GREETING else re.sub(r"([a-z])\1+$", r"\1", w) for w in _plain(text)]
    kinds = _kinds(words, _GREETING)
    return kinds is not None and "greeting" in kinds


class Command(enum.StrEnum):
    BACK = "back"
    RESTART = "restart"


def command(text: str) -> Command | None:
    """BACK or RESTART as the whole message; "start" and "stop" alone are keywords, not these."""
    words = _plain(text)
    while words and words[0] in _ASKING:
        words.pop(0)
    while words and words[-1] in ("please", "pls", "thanks", "thank", "you", "ta", "x"):
        words.pop()
    said = " ".join(words)
    if said in _BACK:
        return Command.BACK
    return Command.RESTART if said in _RESTART else None


_NAME_LEAD = re.compile(
    r"^(?:(?:hi|hello|hiya|hey|(?:good\s+)?(?:morning|afternoon|evening))(?:\s+there)?[\s,!.]+)?"
    r"(?:(?:(?:my\s+)?name\s+is|my\s+names|names|i'?m|i\s+am|it'?s|call\s+me|this\s+is)\s+)?",
    re.IGNORECASE,
)
_NAME_TAIL = re.compile(r"[\s,.!-]*\b(?:thanks|thank\s+you|thankyou|ta|cheers|x+|here)$", re.I)


def _title_word(word: str) -> str:
    """Capitalise one word typed in one case: o'brien, smith-jones, mcdonald."""
    parts = []
    for part in word.split("-"):
        piece = part[:1].upper() + part[1:].lower()
        if len(piece) > 2 and piece.startswith("Mc"):
            piece = "Mc" + piece[2].upper() + piece[3:]
        head, apostrophe, tail = piece.partition("'")
        if apostrophe and len(head) == 1 and tail:
            piece = f"{head}'{tail[0].upper()}{tail[1:]}"
        parts.append(piece)
    return "-".join(parts)


def clean_name(text: str) -> str | None:
    """The name in "my name is jean smith thanks", tidied; None when it does not look like one.

    Names typed all lower or ALL CAPS are title-cased; mixed case is kept as typed."""
    name = text.strip().replace("\u2019", "'").strip("\"'")
    previous = None
    while name != previous:
        previous = name
        name = _NAME_TAIL.sub("", _NAME_LEAD.sub("", name)).strip().strip(".,!").strip()
    words = name.split()
    if (
        not re.fullmatch(r"[^\W\d_]+(?:['.-]*\s*[^\W\d_]+)*\.?", name)
        or len(name) > 80
        or len(words) > 5
        or is_greeting(name)
        or yes_no(name) is not None
        or any(w.lower().strip(".") in _NOT_NAMES for w in words)
    ):
        return None
    if name.islower() or name.isupper():
        name = " ".join(_title_word(w) for w in words)
    return " ".join(name.split())


def first_name(name: str) -> str:
    """The first word of a name; after a title, the next word ("Mrs Jean Smith" -> "Jean").

    A title with only a surname is kept whole ("Mrs Smith"), as that is how to address them."""
    words = name.split()
    if len(words) >= 2 and words[0].lower().strip(".") in ("mr", "mrs", "ms", "miss", "mx", "dr"):
        return words[1] if len(words) >= 3 else " ".join(words)
    return words[0] if words else ""


def choice_number(text: str, count: int) -> int | None:
    """A menu choice from 1 to count: "2", "2.", "number 2", "option two", "the 2nd one"."""
    words = _plain(text)
    while words and words[0] in ("number", "no", "num", "nr", "option", "choice", "its", "the"):
        words.pop(0)
    while words and words[-1] in ("please", "thanks", "thank", "you", "ta", "x", "one", "pls"):
        words.pop()
    if len(words) != 1:
        return None
    number = int(words[0]) if words[0].isdigit() else _NUMBERS.get(words[0])
    return number if number is not None and 1 <= number <= count else None


def parse_mobile(text: str) -> str | None:
    """The UK mobile number in the text as E.164 ("+447700900123"); None if none or several.

    A number counts when phonenumbers says it is a valid MOBILE (or FIXED_LINE_OR_MOBILE)
    number with country code 44. phonenumbers does not treat Ofcom's drama range (07700 900xxx)
    as valid, so an invalid number is also accepted when it is a possible +44 number of ten
    national digits starting with 7, other than 70 (personal numbers) and 76 (pagers). It must
    be typed with 0, 44, 0044 or +44 in front: a bare "7700900123" is not read as a number."""
    found: set[str] = set()
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", phonenumbers.Leniency.POSSIBLE):
        number, raw = match.number, re.sub(r"[^\d+]", "", match.raw_string)
        national = str(number.national_number)
        if number.country_code != 44 or not re.match(r"(\+|0|44)", raw):
            continue
        kind = phonenumbers.number_type(number)
        mobile_types = (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        if phonenumbers.is_valid_number(number):
            ok = kind in mobile_types
        else:
            ok = len(national) == 10 and national[0] == "7" and national[1] not in "06"
        if ok:
            found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return found.pop() if len(found) == 1 else None


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
    _list(
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
    tidy = _TIDY_BY_PHRASE.get(" ".join(_plain(when)))
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
