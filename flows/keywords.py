"""Whole-message keywords: opt-out and opt-in as Twilio acts on them, HELP and TALK."""

from __future__ import annotations

import enum
import re

# Twilio's default opt-out and opt-in words. They act only as the whole message.
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "CANCEL"}
)
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
TALK_WORDS = frozenset({"TALK"})


class Keyword(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    YES = "yes"
    HELP = "help"
    TALK = "talk"


def normalise(text: str) -> str:
    """Upper case, outer spaces and trailing punctuation gone: 'stop.' and ' Stop! ' are STOP."""
    return re.sub(r"[\s.!,?]+$", "", text.strip()).strip().upper()


def classify(text: str) -> Keyword | None:
    word = normalise(text)
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if word in OPT_IN_WORDS:
        return Keyword.OPT_IN
    if word == "YES":
        return Keyword.YES
    if word in HELP_WORDS:
        return Keyword.HELP
    if word in TALK_WORDS:
        return Keyword.TALK
    return None


_SPEAK_TO_PERSON = (
    r"\b(speak|talk|chat)\s+(to|with)\s+(a\s+|an\s+|the\s+|some\s*one|some\s*body|my\s+)?"
    r"(real\s+|actual\s+)?(person|human|someone|somebody|one|link\s*worker|worker|staff)\b"
    r"|\b(is\s+)?(there\s+)?(any\s*one|some\s*one|any\s*body)\s+(there|real)\b"
)
_CALL_ME = (
    r"|\b(can|could|will|would)\s+(some\s*one|some\s*body|a\s+person|you|a\s+link\s*worker)"
    r"\s+(please\s+)?(call|ring|phone|contact)\s+me\b"
    r"|\bplease\s+(call|ring|phone)\s+me\b"
)
_ASK_FOR_PERSON = re.compile(_SPEAK_TO_PERSON + _CALL_ME, re.IGNORECASE)
_ASK_TO_SPEAK = re.compile(_SPEAK_TO_PERSON, re.IGNORECASE)


def asks_for_a_person(text: str, *, calls_are_answers: bool = False) -> bool:
    """True for TALK, or a sentence asking to speak to a person.

    ``calls_are_answers``: the bot has just asked how to contact them, so "please call me"
    answers that question rather than asking for a person."""
    if classify(text) is Keyword.TALK:
        return True
    pattern = _ASK_TO_SPEAK if calls_are_answers else _ASK_FOR_PERSON
    return bool(pattern.search(text))
