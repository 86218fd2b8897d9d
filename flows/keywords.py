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


_ASK_FOR_PERSON = re.compile(
    r"\b(speak|talk|chat)\s+(to|with)\s+(a\s+|an\s+|the\s+|some\s*one|some\s*body|my\s+)?"
    r"(real\s+|actual\s+)?(person|human|someone|somebody|one|link\s*worker|worker|staff)\b"
    r"|\b(can|could|will|would)\s+(some\s*one|some\s*body|a\s+person|you|a\s+link\s*worker)"
    r"\s+(please\s+)?(call|ring|phone|contact)\s+me\b"
    r"|\bplease\s+(call|ring|phone)\s+me\b"
    r"|\b(is\s+)?(there\s+)?(any\s*one|some\s*one|any\s*body)\s+(there|real)\b",
    re.IGNORECASE,
)


def asks_for_a_person(text: str) -> bool:
    """True for TALK, or a sentence asking to speak to a person."""
    return classify(text) is Keyword.TALK or bool(_ASK_FOR_PERSON.search(text))
