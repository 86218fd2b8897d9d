"""Crisis wording: messages that suggest a risk of harm get crisis contacts and an urgent case.

The phrases are data (``RISK_PATTERNS`` and ``IDIOMS``). Detection prefers a false alarm to a
miss: an idiom is only excused when nothing else in the message is worrying.
"""

from __future__ import annotations

import re
import unicodedata

# Each entry is a regular expression matched against normalised text (lower case, apostrophes
# removed, runs of spaces folded). Word boundaries are deliberate: "skill" must not be "kill".
_PEOPLE = (
    r"(husband|wife|partner|ex|boyfriend|girlfriend|dad|father|mum|mother|son|daughter|kids?|"
    r"children|baby|brother|sister|neighbour|boss|family|carer)"
)
_ABUSER = r"(he|she|they|" + _PEOPLE[1:-1] + r")"

RISK_PATTERNS: tuple[str, ...] = (
    # Suicide, said directly and indirectly.
    r"\b(kill|killing|hurt|hurting|harm|harming|top|topping)\s+(my\s*self|myself|me)\b",
    r"\bsuicid\w*",
    r"\bsuicde|\bsucide|\bsuiside|\bsuicidal",
    r"\b(end|ending|take|taking)\s+(my|me)\s+(own\s+)?life\b",
    r"\b(end|ending)\s+it\s+all\b|\bend\s+it\s+now\b",
    r"\b(thinking|thought|think)\s+(about|of)\s+ending\s+it\b",
    r"\b(want|wanna|going|gonna|ready)\s+(to\s+|2\s+)?die\b",
    r"\b(wish|rather)\s+(i\s+)?(was|were|be)\s+dead\b",
    r"\bbetter\s+off\s+(dead|without\s+me|if\s+i\s+(was|were)\s+(gone|dead|not\s+here))\b",
    r"\b(no|the|any)\s+(point|reason)\s+(in\s+|to\s+)?"
    r"(living|life|live|going\s+on|go\s+on|carrying\s+on|carry\s+on)\b",
    r"\b(isnt|is\s+not|not)\s+worth\s+(living|it\s+any\s*more)\b",
    r"\bnothing\s+(left\s+)?to\s+live\s+for\b",
    r"\b(cant|cannot|can\s+not)\s+(go|carry)\s+on\b",
    r"\bdont\s+want\s+to\s+(be\s+here|live|wake\s+up|exist|be\s+alive)\b",
    r"\bnot\s+want\s+to\s+(be\s+here|live|wake\s+up)\b",
    r"\bnever\s+wake\s+up\b",
    r"\b(wont|will\s+not|not)\s+be\s+(here|around)\s+"
    r"(much\s+longer|for\s+long|any\s*more|tomorrow)\b",
    r"\b(say|saying)\s+goodbye\s+to\s+every\w*",
    # Self-harm and overdose.
    r"\bself\s*-?\s*harm\w*",
    r"\b(cut|cutting|burn|burning)\s+(my\s*self|myself|my\s+arms?|my\s+wrists?|my\s+legs?)\b",
    r"\boverdos\w*|\bod\s+on\b",
    r"\b(take|taking|took|taken|had|swallow\w*)\s+(too\s+many|loads\s+of|a\s+load\s+of|"
    r"all\s+(of\s+)?(my|the)|a\s+(whole\s+)?(bottle|packet|box)\s+of|the\s+whole)\s+"
    r"(\w+\s+)?(pills|tablets|meds|medication|paracetamol)\b",
    r"\bhang(ing)?\s+my\s*self\b|\bjump\s+(off|in\s+front\s+of)\b",
    # Harm to others, violence and abuse.
    r"\b(kill|murder|hurt|stab|strangle)\s+(him|her|them|someone|somebody|my\s+" + _PEOPLE + r")\b",
    r"\b" + _ABUSER + r"\s+(hurts|hurt|hits|hit|beats|beat|kicks|kicked|pushes|pushed|punches|"
    r"punched|slaps|slapped|chokes|choked|strangles|strangled|threatens|threatened|rapes|raped)"
    r"\s+(me|my|us)\b",
    r"\b(hitting|beating|choking|strangling)\s+(me|my\s+" + _PEOPLE + r")\b",
    r"\b(abus\w+)\b",
    r"\b(scared|frightened|afraid|terrified)\s+(of\s+(him|her|them|my\s+" + _PEOPLE + r")|"
    r"to\s+go\s+home|for\s+my\s+life)\b",
    r"\b(threaten\w*)\s+to\s+(kill|hurt)\b",
    r"\bnot\s+safe\s+(at\s+home|here|with)\b|\bdont\s+feel\s+safe\b",
    r"\b(raped|rape|sexually\s+assaulted)\b",
)

# Everyday idioms that contain risk words. They are removed before matching, so a message that
# is only an idiom passes and a message with an idiom and a real risk phrase still matches.
IDIOMS: tuple[str, ...] = (
    r"\b(my\s+)?(feet|back|legs?|knees?|head|shoes|hips?)\s+(is|are)\s+killing\s+me\b",
    r"\bcould\s+(murder|kill\s+for)\s+a\s+\w+",
    r"\b(dying|die)\s+for\s+a\s+(cuppa|brew|drink|cup|pint|coffee|tea)\b",
    r"\b(killing|kill)\s+time\b",
    r"\bkilled\s+it\b|\bkilling\s+it\b",
    r"\bdying\s+to\s+(see|meet|know|try|hear)\b",
    r"\b(end|ending)\s+of\s+my\s+life\s+story\b",
)

_RISK = tuple(re.compile(p) for p in RISK_PATTERNS)
_IDIOMS = tuple(re.compile(p) for p in IDIOMS)


def normalise(text: str) -> str:
    """Lower case, accents and apostrophes stripped, punctuation to spaces, spaces folded."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = folded.lower().replace("'", "").replace("`", "")
    folded = re.sub(r"[^a-z0-9\s-]", " ", folded)
    return re.sub(r"\s+", " ", folded).strip()


def suggests_risk(text: str) -> bool:
    """True when the message suggests a risk of harm to the person or others."""
    plain = normalise(text)
    for idiom in _IDIOMS:
        plain = idiom.sub(" ", plain)
    return any(p.search(plain) for p in _RISK)
