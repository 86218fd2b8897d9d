"""Crisis wording: messages that suggest a risk of harm get crisis contacts and an urgent case.

The phrases are data (``RISK_PATTERNS`` and ``IDIOMS``). Detection prefers a false alarm to a
miss: an idiom is only excused when nothing else in the message is worrying.
"""

from __future__ import annotations

import re
import unicodedata

# Building blocks, matched against normalised text (lower case, apostrophes removed, punctuation
# to spaces, runs of spaces folded). Word boundaries are deliberate: "skill" must not be "kill".
_SELF = r"m[ey]\s*-?\s*s[elf]{2,4}\b"  # myself, my self, meself, myslef
_PEOPLE = (
    r"(husband|hubby|wife|partner|ex|boyfriend|girlfriend|fella|dad|father|stepdad|mum|mother|"
    r"stepmum|son|daughter|kids?|children|child|baby|toddler|brother|sister|neighbour|boss|"
    r"family|carers?|grandson|granddaughter|grandkids|grandchildren|nephew|niece|uncle|auntie|"
    r"lodger|landlord|friend|mate)(\s*-?\s*in\s*-?\s*law)?"
)
_WHO = r"(he|she|they|someone|somebody|a\s+man|lads|youths|" + _PEOPLE + r")"
_VICTIM = r"(us|him|her|them|(my|the|our|his|her|their)\s+" + _PEOPLE + r")"
_ANYONE = r"(me|" + _SELF + r"|" + _VICTIM + r")\b"
_DRUGS = (
    r"(pills|tablets|tabs|meds|medication|medicine|paracetamol|painkillers|insulin|morphine|"
    r"codeine|co\s*-?\s*codamol|sleepers|antidepressants)"
)
_OF_DRUGS = r"\s+(of\s+)?(my\s+|the\s+)?(\w+\s+)?" + _DRUGS
_MANY = (
    r"(too\s+many|loads\s+of|lots\s+of|a\s+(load|lot|handful)\s+of|all\s+(of\s+)?(my|the|me)|"
    r"the\s+(whole|lot)|every|(about\s+|over\s+)?(1[5-9]|[2-9]\d|\d{3}|twenty|thirty|forty|fifty)|"
    r"a\s+(whole\s+)?(bottle|packet|box|strip)\s+of)"
)
# "living in a damp flat" and "go on the bus" are not about living or going on.
_LIVING = r"(live|living)(?!\s+(in|with|at|on|near|next|by|alone|here|there|nearby|round)\b)"
_GO_ON = (
    r"(go|going|carry|carrying)\s+on(?!\s+(with\s+(the|my|a|an|that|our)|a|an|the|my|holiday|"
    r"at|to|(mon|tues|wednes|thurs|fri|satur|sun)days?)\b)"
)
_INTENT = r"(want|wanna|going|gonna|ready|about|decided|plan\w*|tempted|might|will|ill)"

RISK_PATTERNS: tuple[str, ...] = (
    # Suicide, said directly (misspellings too: sucide, suiside, kil my self, kms).
    r"\bsu[ia]?[cs]{1,2}i?d\w*",
    r"\b(k+i+l+\w*|top\w*|hang\w*|hung|drown\w*|shoot\w*|shot|gas\w*|poison\w*|stab\w*|"
    r"starv\w*|suffocat\w*|strangl\w*|harm\w*|hurt\w*|cut\w*|burn\w*|neck|end|off|unalive|"
    r"finish)\s+" + _SELF,
    r"\b(do|doing|did|done)\s+" + _SELF + r"\s+in\b|\bbump\w*\s+" + _SELF + r"\s+off\b",
    r"(?<!\d )\bkms\b|\bunalive\b|\b(kill|killing|hang|hanging|top|topping)\s+(him|her|them)sel",
    r"\b(end|ending|take|taking|took)\s+(my|me)\s+(own\s+)?life\b(?!\s+back)",
    r"\b(end|ending)\s+it\s+(all|now)\b|\b" + _INTENT + r"\s+(to\s+|2\s+)?end\s+(it|things)\b",
    r"\b(feel\s+like|think\w*|thought\w*)\s+(about|of)?\s*ending\s+(it|things|everything)\b",
    r"\b(want|wanna|wnt|ready|about|plan\w*)\s+(to\s+|2\s+)?die\b|\b(im|i\s+am)\s+going\s+to\s+die",
    r"\b(wish|rather|want|wanna)\s+(to\s+|i\s+)?(was|were|be)\s+dead\b",
    # Suicide, said indirectly.
    r"\bbetter\s+off\s+(dead|without\s+me|if\s+i\s+(was|were)\s+(gone|dead|not\s+here))\b",
    r"\b(no\s*one|nobody)\s+(would|will|wud)\s+(miss|notice|care)\b",
    r"\b(no|the|any)\s+(point|reason)\s+(in\s+|to\s+|of\s+)?(" + _LIVING + r"|life|anything|"
    r"any\s*more|being\s+alive|" + _GO_ON + r")",
    r"\b(isnt|not)\s+worth\s+(" + _LIVING + r"|it\s+any\s*more)|\bnothing\s+to\s+live\s+for",
    r"\b(cant|cnt|cannot|can\s+not)\s+" + _GO_ON,
    r"\b(cant|cnt|cannot)\s+((take|do|cope\s+with|handle)\s+(it|this)|cope)\s+(any|no)\s*more\b",
    r"\b(dont|do\s+not|dnt)\s+(want|wanna)\s+(to\s+|2\s+)?(be\s+here|" + _LIVING + r"|wake\s+up|"
    r"exist|be\s+alive|be\s+around|" + _GO_ON + r")",
    r"\b(tired|sick|done|had\s+enough)\s+(of|with)\s+(" + _LIVING + r"|life|being\s+alive)",
    r"\b(and|hope\s+i|wish\s+i|pray\s+i)\s+(never|not|dont|wont)\s+wake\s+up\b"
    r"(?!\s+(before|until|till|early|on\s+time))",
    r"\bsleep\s+forever\b|\bend\s+(the|this|my)\s+pain\b(?!\s+in\b)",
    r"\bwant\s+(it\s+all|everything)\s+to\s+(stop|end)\b",
    r"\b(wont|not\s+going\s+to)\s+be\s+(here|around)\s+(for\s+)?(much\s+longer|any\s*more)",
    r"\b(ready|want|wanna|going)\s+to\s+(go\s+and\s+)?join\s+(him|her|my\s+" + _PEOPLE + r")\b",
    r"\bdo\s+something\s+(stupid|silly|daft)\b|\bleave\s+this\s+(world|earth)\b",
    r"\b(disappear|vanish)\s+(for\s+good|forever)\b|\bwish\s+i\s+could\s+(just\s+)?disappear",
    # Plans and means: hanging, jumping, trains, water, stockpiling, researching.
    r"\b(bought|got|have)\s+a\s+rope\b|\bdrink\w*\s+bleach\b|\bpainless\s+(way|death)\b",
    r"\b(got|have)\s+(the|my|all\s+my)\s+(rope|pills|tablets|meds)\s+(\w+\s+)?(ready|lined\s+up)\b"
    r"(?!\s+(for|in|at|to)\b)",
    r"\bdriv\w*\s+((my|the)\s+car\s+)?(into|off)\s+(a|the)\s+(wall|tree|river|cliff|bridge)\b",
    r"\b(to|on|onto)\s+the\s+(railway\s+(line|tracks?)|train\s+tracks?|tracks)\b",
    r"\b(jump\w*|throw\w*\s+" + _SELF + r")\s+(off|from)\s+(a|the|that)\s+(\w+\s+){0,2}"
    r"(bridge|roof|cliff|building|balcony|car\s*park|storey|flats|tower|window|viaduct)\b",
    r"\b(want|wanna|going|gonna|ready)\s+(to\s+|2\s+)?jump\b(?!\s+(in|on|at|the|a|into|up|over)\b)",
    r"\b(jump\w*|step\w*|throw\w*\s+" + _SELF + r"|walk\w*|lie|lay)\s+(in\s+front\s+of|under)\s+"
    r"(a|the)\s+(train|bus|lorry|car|tube)\b",
    r"\b(walk\w*\s+into|jump\w*\s+in(to)?|throw\w*\s+" + _SELF + r"\s+in(to)?)\s+the\s+"
    r"(sea|river|canal|water|lake|traffic)\b",
    r"\bthrow\w*\s+" + _SELF + r"\s+(in(?!\s+at)|off|under|down\s+the\s+stairs)\b",
    r"\b(standing|stood|sat|sitting)\s+on\s+(the\s+|a\s+)?(edge\s+of\s+(the|a)\s+)?"
    r"(ledge|bridge|cliff|roof)\b",
    r"\b(saving|saved|stockpil\w*|hoard\w*)\s+(up\s+)?(all\s+)?(my\s+)?" + _DRUGS,
    r"\bhow\s+many\s+(\w+\s+)?" + _DRUGS + r"\s+(it\s+takes|would\s+(it\s+take|kill)|to\s+kill|"
    r"to\s+die|is\s+(a\s+)?(fatal|lethal))|\bways\s+to\s+die\b",
    # Goodbyes.
    r"\b(say|saying)\s+goodbye\s+to\s+every\w*|\bthis\s+is\s+goodbye\b|\bgoodbye\s+forever\b",
    r"\bby\s+the\s+time\s+you\s+read\s+this\b|\bgoodbye\s+(letters?|notes?)\b",
    r"\btell\s+(my\s+\w+|them|everyone)\s+i\s+love(d)?\s+(him|her|them|you)\b",
    r"\bwritten\s+(a\s+|my\s+)?(letters?|notes?)\s+(for|to)\s+every\w*",
    r"\bfeel(ing)?\s+like\s+dying\b|\b(might|may)\s+as\s+well\s+(be\s+dead|die|not\s+be\s+here)\b",
    # Self-harm.
    r"\bself\s*-?\s*harm\w*",
    r"\b(cut|cutting|slit\w*|slash\w*)\s+(my\s+)?wrists?\b|\bcutting\s+again\b",
    r"\b(cutting|slit\w*|slash\w*|carv\w*)\s+(my|me)\s+(arms?|legs?|thighs?|skin)\b",
    r"\b(cut|burn\w*|hurt|hit|scratch\w*)\b.{0,40}\bon\s+purpose\b",
    r"\b(till|until)\s+(it|they|i)\s+(bleed|bleeds|bled)\b",
    # Overdose.
    r"\bover\s*-?\s*do[sz]\w*|\b(an|took\s+a)\s+od\b|\bod\s+on\b|\bi\s+odd\b|\boded\b",
    r"\bodd?\s+(last\s+night|again|yesterday|today|this\s+(morning|afternoon|evening))\b",
    r"\b(took|taken|swallowed|necked|downed)\s+" + _MANY + _OF_DRUGS,
    r"\b" + _INTENT + r"\s+(to\s+)?(just\s+)?(take|swallow|neck)\s+" + _MANY + _OF_DRUGS,
    r"\b" + _INTENT + r"\s+(to\s+)?(just\s+)?(take|swallow)\s+(them\s+all|the\s+lot)\b"
    r"(?!\s+(to|back|with|home|out)\b)",
    r"\bevery\s+(pill|tablet)\s+in\s+the\s+(house|flat|cupboard)\b",
    # Harm to others, threats and violence.
    r"\b(kill|killing|murder\w*|stab\w*|strangl\w*)\s+(me|" + _VICTIM + r")\b",
    r"\b(hurt|hurting|harm|harming|batter|attack|smash|shoot|smother\w*)\s+" + _VICTIM + r"\b",
    r"\bshak\w*\s+(the|my|her|his|their)\s+baby\b",
    r"\b(kill|hurt|stab|attack|harm)\w*\s+((some|any|every)(one|body)|people)\b",
    r"\bsomeones?\s+(is\s+)?(going\s+to|gonna)\s+get\s+(hurt|killed)\b",
    r"\b(got|have|carrying|bought)\s+a\s+(knife|gun|blade|machete)\b|\bviolen(t|ce)\b",
    r"\b" + _WHO + r"\s+(keeps\s+)?(hits|hit|beats|beat|kicks|kicked|punch\w*|slap\w*|chok\w*|"
    r"strangl\w*|batter\w*|attack\w*|assault\w*|threaten\w*|rapes|raped|grop\w*|molest\w*|"
    r"push\w*|shov\w*|hurts?)\s+(me|us|him|her|them|(my|the)\s+" + _PEOPLE + r")\b"
    r"(?!\s+(to|out|up|in\s+(my|his|her)\s+(wheel\s*chair|chair|pram|buggy))\b)",
    r"\b(punch\w*|slap\w*|kick\w*|chok\w*|strangl\w*|batter\w*|beat(s|en)?\s+up|bash\w*)\s+me\b"
    r"(?!\s+out\b)|\bbeat\w*\s+(me|us|him|her)\s+up\b",
    r"\b(hitting|beating|choking|strangling|threatening)\s+(me|" + _VICTIM + r")\b",
    r"\bthreaten\w*\s+to\s+(kill|hurt|stab|burn|beat|batter|shoot|harm|take\s+the\s+(kids|baby))",
    r"\b(hell|shell|theyll|hed|shed|he\s+will|she\s+will|hes\s+going\s+to|shes\s+going\s+to)\s+"
    r"(kill|hurt|stab|batter|beat|strangle|shoot|burn)\s+(me|us|my|the)\b",
    r"\b(by|round|around)\s+(the|my)\s+(throat|neck)\b|\bthr(ew|ows|own)\s+(\w+\s+){1,3}at\s+me\b",
    r"\bin\s+danger\b(?!\s+of)|\bdanger\s+to\s+(" + _SELF + r"|others|me|us|the|my|him|her)\b",
    r"\btr(y|ied|ies|ying)\s+to\s+(kill|strangle|stab|drown|smother|poison|hang)\s+" + _ANYONE,
    r"\btr(y|ied|ies|ying)\s+to\s+end\s+(it|my\s+life)\b",
    r"\b(hits|beats|kicks|punches|slaps|chokes|thumps)\s+me\b(?!\s+(out|at|to|up\s+at)\b)",
    r"\b(been|got|get|getting|being)\s+(hit|beaten|punched|kicked|slapped|attacked|assaulted|"
    r"battered|hurt|thumped|threatened)\b(?!\s+(by\s+a\s+(ball|bill)|with\s+a\s+bill)\b)",
    # Domestic abuse, coercive control, stalking.
    r"\babus\w+",
    r"\b(scared|frightened|afraid|terrified)\s+(of\s+(him|her|them|my\s+" + _PEOPLE + r"\b|"
    r"what\s+(he|she|they|hell|shell)\s+(\w+\s+)?do)|to\s+(go|be)\s+(back\s+|at\s+)?home|"
    r"for\s+my\s+life)",
    r"\b(scared|frightened|afraid|terrified)\s+(that\s+)?(he|she|they|my\s+" + _PEOPLE + r")\s+"
    r"(will|might|would|is\s+going\s+to)\s+(find|hurt|kill|hit|come\s+(back|after|for))\b",
    r"\b(not\s+|un|(dont|not|never)\s+feel\s+)safe\s+(at\s+home|here|with|around|in\s+my)\b",
    r"\b(i|im|we|were|kids|children|baby|theyre)\s+(am\s+|are\s+|is\s+)?(not|arent|isnt)\s+safe\b"
    r"(?!\s+to\s+(drive|cook|walk|climb|use))",
    r"\b(wont|doesnt|will\s+not|does\s+not|never)\s+let\s+me\s+(leave\s+the\s+(house|flat)|"
    r"go\s+out|out\s+of|see\s+(my\s+)?(friends|family|anyone|kids)|(talk|speak)\s+to)\b",
    r"\b((takes|took|taken|keeps\s+taking)\s+all|steal\w*|stole|stolen|controls)\s+(of\s+)?my\s+"
    r"(money|pension|benefits|bank\s+card|wages)|\bsteal\w*\s+from\s+me\b",
    r"\b(took|takes|taking|steal\w*|stole|nick\w*)\s+(money\s+)?(out\s+of|from)\s+my\s+"
    r"(purse|wallet|handbag)\b",
    r"\b(wont|will\s+not|refuses\s+to)\s+give\s+me\s+(back\s+)?my\s+(money|pension|card|phone)",
    r"\block(s|ed|ing)?\s+me\s+in\b|\bkeeps\s+me\s+locked\b|\bif\s+i\s+tell\s+(any|some)\w*",
    r"\b(leav\w*|left)\s+((me|him|her|them)\s+)?(in\s+(wet|dirty|soiled|\w+\s+own)\s+(pads|sheets|"
    r"bed|clothes|mess|wee|urine)|without\s+(food|water|(my|her|his)\s+(tablets|meds)))\b",
    r"\bstalk\w*|\b(he|she|they)\s+knows?\s+where\s+i\s+live\b|\bget\s+away\s+from\s+(him|her)\b",
    # Sexual abuse.
    r"\b(raped|rape|rapist|sexually\s+assaulted|molest\w*)\b|\b(was|been|got)\s+rapp?ed\b",
    r"\b(makes?|made|forc\w+)\s+me\s+(to\s+)?(have\s+sex|do\s+(sexual|things\s+i\s+dont)|"
    r"sleep\s+with)\b",
    r"\bforced\s+\w+self\s+on\s+me\b|\b" + _WHO + r"\s+(keeps\s+)?touch(es|ing)\s+me\b",
    r"\btouch\w*\s+(me|my\s+\w+)\s+(when\s+i\s+was|inappropriate\w*|down\s+there|sexually)",
    # A child at risk.
    r"\b(kids|children|baby|toddler|child)\s+(\w+\s+){0,3}(are|is|being|gets?)\s+left\s+"
    r"(home\s+)?(alone|on\s+(their|her|his)\s+own)\b",
    r"\b(left|leav\w*)\s+(the|her|his|their)\s+(kids|children|baby|toddler)\s+(home\s+)?alone\b",
    r"\bgroom(ing|ed)\s+(her|him|them|me|my\s+" + _PEOPLE + r")\b",
)

_SELF_BY_ACCIDENT = _SELF + r"(?!\s+(on\s+purpose|deliberately|again))"

# Everyday idioms that contain risk words. They are removed before matching, so a message that
# is only an idiom passes and a message with an idiom and a real risk phrase still matches.
IDIOMS: tuple[str, ...] = (
    r"\b(feet|back|legs?|knees?|head|shoes|hips?|neck|teeth|tooth|arthritis|cough|heat|cold|"
    r"weather|suspense|waiting|stairs|traffic|noise|bills|prices)\s+(is|are)\s+killing\s+me\b",
    r"\bcould\s+(murder|kill\s+for)\s+a\s+\w+|\b(dying|die)\s+for\s+a\s+\w+",
    r"\b(killing|kill)\s+time\b|\bkill(ed|ing)\s+it\b|\bdying\s+to\s+(see|meet|hear|get|go)\b",
    r"\bk+i+l+\w*\s+" + _SELF + r"\s+laugh\w*|\bshot\s+" + _SELF + r"\s+in\s+the\s+foot\b",
    # Accidents: "I fell and hurt myself", "cut myself shaving", "she hit her head".
    r"\b(fell|fall|tripped|slipped)\b(\s+\w+){0,4}\s+and\s+(hurt|cut|burnt)\s+" + _SELF_BY_ACCIDENT,
    r"\b(hurt|cut|burnt|burned)\s+" + _SELF + r"\s+(shaving|gardening|cooking|lifting|ironing|"
    r"in\s+the\s+(garden|kitchen)|on\s+the\s+(oven|kettle|iron|hob|fence|stairs))",
    r"\b(she|\w*(mum|mother|daughter|sister)|wife|nan|gran|niece|auntie)\s+(hit|hurt|bumped)\s+"
    r"her\s+(head|back|leg|arm|knee|hip|hand|shoulder|wrist)\b",
    r"\bhurt\w*\s+(his|her|their|my|your)\s+feelings\b",
    # Games, nagging and bills.
    r"\bbeats?\s+me\s+at\s+\w+",
    r"\bkill\s+me\s+if\s+i\s+(forget|miss|lose|am\s+late|dont\s+(ring|call|go|book))\b",
    r"\bthreatening\s+(me|us)\s+with\s+(court|bailiffs|eviction|legal\s+action)\b",
    # Someone else's death, panic attacks, flat phones and wishes for the end of life.
    r"\blost\s+(my|our|a)\s+(\w+\s+){1,2}to\s+suicide\b|\bdied\s+(of|from)\s+(an\s+)?overdose\b",
    r"\bdie\s+of\s+(boredom|embarrassment|shame|laughing|cold)\b|\b(die|dying)\s+my\s+hair\b",
    r"\b(feel|felt|thought)\s+like\s+i(m|\s+was|\s+am)\s+going\s+to\s+die\b",
    r"\b(phone|battery|mobile)s?\s+(is\s+)?(about|going)\s+to\s+die\b",
    r"\bwant\s+to\s+die\s+(at|in)\s+(home|my\s+own\s+(home|bed)|peace|the\s+hospice)\b",
    # Routine medicines: "taken all my tablets this morning".
    r"\b(take|took|taken)\s+all\s+(of\s+)?my\s+(\w+\s+)?" + _DRUGS + r"\s+(this\s+morning|"
    r"as\s+(prescribed|usual)|on\s+time|with\s+(food|breakfast)|to\s+(the\s+)?(pharmacy|chemist|"
    r"doctors?|gp|surgery|hospital|review|appointment))",
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
