"""Whole-message keywords and requests to speak to a person (flows/keywords.py)."""

from __future__ import annotations

import pytest

from flows.keywords import Keyword, asks_for_a_person, classify

OPT_OUT_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "CANCEL"]


def _spellings(word: str) -> list[str]:
    return [
        word,
        word.lower(),
        word.capitalize(),
        f"  {word.lower()}  ",
        f"{word.capitalize()}.",
        f" {word}! ",
        f"{word.lower()}?!",
        f"{word}\n",
    ]


@pytest.mark.parametrize("text", [s for word in OPT_OUT_WORDS for s in _spellings(word)])
def test_every_opt_out_word_is_opt_out_in_any_case_and_with_trailing_punctuation(text: str) -> None:
    """Twilio honours these words however they are typed, so the bot must agree with it."""
    assert classify(text) is Keyword.OPT_OUT


@pytest.mark.parametrize("text", [s for word in ("START", "UNSTOP") for s in _spellings(word)])
def test_start_and_unstop_are_opt_in(text: str) -> None:
    """Twilio re-subscribes on these words, so the bot must record the opt-in too."""
    assert classify(text) is Keyword.OPT_IN


@pytest.mark.parametrize("text", [s for word in ("HELP", "INFO") for s in _spellings(word)])
def test_help_and_info_are_help(text: str) -> None:
    """HELP and INFO must always get the help text, as carriers require."""
    assert classify(text) is Keyword.HELP


@pytest.mark.parametrize("text", _spellings("TALK"))
def test_talk_is_talk(text: str) -> None:
    """TALK is the advertised way to reach a link worker."""
    assert classify(text) is Keyword.TALK


@pytest.mark.parametrize("text", ["yes", "YES", " Yes. "])
def test_yes_is_yes(text: str) -> None:
    """A plain yes is a consent answer, whatever its case."""
    assert classify(text) is Keyword.YES


@pytest.mark.parametrize(
    "text",
    [
        "please stop texting me about the end of my tether",
        "stop it",
        "I want to stop smoking",
        "at the end of the day",
        "I had to quit my job",
        "can you cancel my appointment",
        "help me with my bills",
        "I need some info about the lunch club",
        "can we talk tomorrow",
        "start the group again please",
        "STOP STOP",
        "S T O P",
        "stopping",
        "",
        "   ",
    ],
)
def test_keywords_inside_sentences_are_not_keywords(text: str) -> None:
    """Only the whole message is a keyword, or people would be opted out by ordinary chat."""
    assert classify(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "can I speak to someone",
        "Can I speak to someone please?",
        "I want to talk to a real person",
        "could someone call me",
        "please ring me",
        "Please call me",
        "Can I talk to a link worker?",
        "I'd like to speak to a human",
        "I need to speak to somebody",
        "Could a link worker ring me?",
        "can you call me?",
        "Can someone phone me back please",
        "is anyone there?",
        "TALK",
        "talk.",
    ],
)
def test_asks_for_a_person_recognises_natural_requests(text: str) -> None:
    """People rarely text the keyword; the usual ways of asking for a person must reach one."""
    assert asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "I talked to my GP",
        "my person centred plan",
        "thanks, that's helpful",
        "I spoke to my neighbour yesterday",
        "Can you send me the address?",
        "someone called me yesterday about the group",
        "please stop texting me",
        "my worker is off sick",
        "I need help with my gas bill",
        "",
    ],
)
def test_asks_for_a_person_is_false_for_ordinary_messages(text: str) -> None:
    """Ordinary messages must not be escalated as requests for a call."""
    assert not asks_for_a_person(text)
