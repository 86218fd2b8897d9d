"""Small readers for short answers: yes or no, greetings, back/restart, names, numbers.

Phone numbers are read in ``flows.phones``; how and when to be contacted in ``flows.contact``.

Each reader takes the whole message as typed on a phone (any case, trailing punctuation,
"thanks" on the end) and returns None when it cannot tell, so the bot asks again rather than
guessing.
"""

from __future__ import annotations

import enum
import re
import unicodedata


def phrase_list(spec: str) -> tuple[str, ...]:
    """A table of phrases written as one comma-separated string, to keep the data compact."""
    return tuple(phrase.strip() for phrase in spec.split(","))


_EMOJI = {
    "\U0001f44d": " yes ",
    "\u2705": " yes ",
    "\u2714": " yes ",
    "\U0001f44e": " no ",
    "\u274c": " no ",
}
_COURTESY = phrase_list(
    "thanks, thank you, thankyou, thank u, thx, ty, ta, cheers, many thanks, x, xx,"
    "xxx, mate, love, hun"
)
_YES = phrase_list(
    "yes, y, ye, yeah, yeh, yea, yep, yup, aye, ok, okay, ok then, k, sure, go on, go on then,"
    "please, yes please, fine, thats fine, that is fine, its fine, correct, thats correct, right,"
    "thats right, that is right, alright, all right, absolutely, definitely, certainly,"
    "of course, sounds good, great, perfect, lovely, go ahead, i do, i agree, agreed, it is,"
    "true, sure thing, why not, please do, i would, i am"
)
_NO = phrase_list(
    "no, n, nope, nah, naw, not now, not really, dont, i dont, no way, not at the moment, not yet,"
    "not today, wrong, incorrect, thats wrong, thats not right, its not, never, not interested,"
    "rather not, id rather not, dont want to, i dont want to, do not, i do not, not"
)
_GREETINGS = phrase_list(
    "hi, hello, hiya, hey, heya, hullo, hallo, helo, ello, howdy, morning, good morning,"
    "afternoon, good afternoon, evening, good evening, good day, alright, all right, greetings,"
    "hey up"
)
_GREETING_TAILS = phrase_list(
    "there, again, all, everyone, you, how are you, hows it going, how r u, x"
)
_BACK = phrase_list(
    "back, go back, previous, undo, go back one, back one, previous question, last question,"
    "go to previous, go to the previous question, go back a step, back a step, step back"
)
_RESTART = phrase_list(
    "start again, restart, start over, begin again, start from the beginning,"
    "start from beginning, from the beginning, start all over, start all over again,"
    "start over again, start from scratch, reset, start again from the beginning,"
    "begin from the start"
)
_ASKING = frozenset(
    phrase_list(
        "please, can, could, may, i, we, want, wanna, to, like, would, id, lets, let, me, us,"
        "just, ok, okay, sorry, oh"
    )
)
_COUNTING = phrase_list("one, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve")
_ORDINALS = phrase_list(
    "first, second, third, fourth, fifth, sixth, seventh, eighth, ninth, tenth, eleventh, twelfth"
)
_NUMBERS = {w: i + 1 for words in (_COUNTING, _ORDINALS) for i, w in enumerate(words)}
_NOT_NAMES = frozenset(
    phrase_list(
        "not, dont, why, what, who, how, help, rather, prefer, anonymous, sure, idk, dunno,"
        "none, nothing, stop, start, name, names, me, myself, you, is, my"
    )
)


def plain_words(text: str) -> list[str]:
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
    kinds = _kinds(plain_words(text), _YES_NO)
    said = set(kinds or ()) - {"courtesy"}
    return said == {"yes"} if said in ({"yes"}, {"no"}) else None


def is_greeting(text: str) -> bool:
    """True when the whole message is a greeting: "hi", "Good morning!", "hiya there"."""
    words = [
        w if (w,) in _GREETING else re.sub(r"([a-z])\1+$", r"\1", w) for w in plain_words(text)
    ]
    kinds = _kinds(words, _GREETING)
    return kinds is not None and "greeting" in kinds


class Command(enum.StrEnum):
    BACK = "back"
    RESTART = "restart"


def command(text: str) -> Command | None:
    """BACK or RESTART as the whole message; "start" and "stop" alone are keywords, not these."""
    words = plain_words(text)
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
    words = plain_words(text)
    while words and words[0] in ("number", "no", "num", "nr", "option", "choice", "its", "the"):
        words.pop(0)
    while words and words[-1] in ("please", "thanks", "thank", "you", "ta", "x", "one", "pls"):
        words.pop()
    if len(words) != 1:
        return None
    number = int(words[0]) if words[0].isdigit() else _NUMBERS.get(words[0])
    return number if number is not None and 1 <= number <= count else None
