"""Text as the crisis phrases are written against: plain lower-case words, text-speak spelt out.

"I'm gonna KMS!!!" (with any apostrophe) and "im gonna kms" read the same; so do "diiie" and
"die", "su1c1de" and "suicide", "u" and "you". Numbers stay numbers ("20 tablets"), except "2"
and "4" between words, which are "to" and "for" ("nuthin 2 live 4").
"""

from __future__ import annotations

import re
import unicodedata

# Text-speak and common shortenings, one word for one or more words.
TEXT_SPEAK: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "gunna": "going to",
    "finna": "going to",
    "imma": "im going to",
    "ima": "im going to",
    "cnt": "cant",
    "cannae": "cant",
    "canny": "cant",
    "dnt": "dont",
    "dinnae": "dont",
    "didnae": "didnt",
    "wnt": "want",
    "tonite": "tonight",
    "2nite": "tonight",
    "2day": "today",
    "2moro": "tomorrow",
    "nite": "night",
    "pls": "please",
    "plz": "please",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "abt": "about",
    "wiv": "with",
    "ppl": "people",
    "sum1": "someone",
    "some1": "someone",
    "any1": "anyone",
    "ne1": "anyone",
    "every1": "everyone",
    "no1": "no one",
    "noone": "no one",
    "m8": "mate",
    "h8": "hate",
    "b4": "before",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "bff": "friend",
    "myslf": "myself",
    "mysef": "myself",
    "meself": "myself",
    "masel": "myself",
    "mysel": "myself",
    "kys": "kill yourself",
    "sewerslide": "suicide",
    "sewer slide": "suicide",
    "tabs": "tablets",
    "wna": "want to",
    "b": "be",
    "wat": "what",
    "wen": "when",
    "n": "and",
    "sed": "said",
    "agen": "again",
    "agin": "again",
    "beta": "better",
    "widout": "without",
    "wivout": "without",
    "wud": "would",
    "wid": "would",
    "wis": "was",
    "naebody": "nobody",
    "nae": "no",
    "nuthin": "nothing",
    "nothin": "nothing",
    "nowt": "nothing",
    "owt": "anything",
    "ma": "my",
    "sis": "sister",
    "bro": "brother",
    "fone": "phone",
    "aloud": "allowed",
    "touchs": "touches",
    "sh": "self harm",
    "sui": "suicide",
    "bein": "being",
    "goin": "going",
    "doin": "doing",
    "dyin": "dying",
    "lyin": "lying",
    "bin": "been",
    "tae": "to",
    "anymair": "anymore",
    "gonnae": "going to",
    "wantae": "want to",
    "enuff": "enough",
    "lox": "locks",
    "msgs": "messages",
    "nxt": "next",
}
_PHRASES = {k: v for k, v in TEXT_SPEAK.items() if " " in k}
_WORDS = {k: v for k, v in TEXT_SPEAK.items() if " " not in k}

# Digits for letters inside a word: "su1c1de", "k1ll", "d13".
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_MIXED = re.compile(r"\b[a-z](?=[a-z0-9]*\d)[a-z0-9]*\b")  # "15yo" and "3am" stay
_REPEATS = re.compile(r"([a-z])\1{2,}")
# "want 2 die", "nothing 2 live for": "2" is "to" after these words, a number elsewhere.
_TO = re.compile(
    r"\b(want|wanting|going|nothing|ready|trying|tried|need|hope|wish|like|able|about|got|have|"
    r"has|had|used|due|talk|listen|speak|reply|come|go|scared|afraid|frightened|terrified|ways|"
    r"how|planning|decided|deserve) 2 (?=[a-z])"
)
_FOR = re.compile(r"(?<=[a-z]) 4(?= [a-z]|$)")
# "thinkin", "savin", "cuttin": a dropped g, but not "again", "brain", "join" or "ruin".
_DROPPED_G = re.compile(r"\b([a-z]{2,}[^aoeu\s])in\b")


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes stripped, punctuation to spaces, spaces folded,
    letters run three or more times folded to one, text-speak spelt out."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = folded.lower().replace("'", "").replace("`", "")
    folded = re.sub(r"(?<=[a-z])[@$](?=[a-z])|(?<![a-z0-9])[@$](?=[a-z])", _sign, folded)
    folded = re.sub(r"[^a-z0-9\s-]", " ", folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    folded = _REPEATS.sub(r"\1", folded)
    for phrase, meaning in _PHRASES.items():
        folded = re.sub(rf"\b{phrase}\b", meaning, folded)
    words = [_WORDS.get(word, word) for word in folded.split(" ")]
    folded = " ".join(words)
    folded = _MIXED.sub(lambda m: _WORDS.get(m[0].translate(_LEET), m[0].translate(_LEET)), folded)
    folded = _DROPPED_G.sub(r"\1ing", folded)
    return _FOR.sub(" for", _TO.sub(r"\1 to ", folded))


def _sign(found: re.Match[str]) -> str:
    return "a" if found[0] == "@" else "s"
