"""Crisis detection (flows/safety.py): risk messages are caught, everyday messages are not."""

from __future__ import annotations

import pytest

from flows.safety import normalise, suggests_risk
from tests.support.crisis_messages import EVERYDAY_MESSAGES, RISK_MESSAGES

# Real risks, short and plain, to put next to an everyday message.
_PLAIN_RISKS = ("I want to kill myself", "he hits me", "I took an overdose")


def test_the_sets_are_big_enough() -> None:
    """The sets must stay broad: at least 60 risk and 40 everyday messages, none repeated."""
    assert len(RISK_MESSAGES) >= 60
    assert len(EVERYDAY_MESSAGES) >= 40
    assert len(set(RISK_MESSAGES)) == len(RISK_MESSAGES)
    assert len(set(EVERYDAY_MESSAGES)) == len(EVERYDAY_MESSAGES)


@pytest.mark.parametrize("text", RISK_MESSAGES)
def test_suggests_risk_catches_risk_messages(text: str) -> None:
    """A missed risk message means no crisis contacts and no urgent case: it must be caught."""
    assert suggests_risk(text)


@pytest.mark.parametrize("text", EVERYDAY_MESSAGES)
def test_suggests_risk_is_false_for_everyday_messages(text: str) -> None:
    """False alarms send crisis numbers to people asking about bills and buses, and swamp staff."""
    assert not suggests_risk(text)


@pytest.mark.parametrize(
    "text",
    [
        "my feet are killing me and I want to kill myself",
        "I could murder a takeaway. I took an overdose",
        "dying for a cuppa, he hits me when I make one",
        "killing time before I end it all",
        "I fell and hurt myself, and I want to hurt myself again",
    ],
)
def test_an_idiom_next_to_a_real_risk_is_still_caught(text: str) -> None:
    """Idioms are excused only when nothing else in the message is worrying."""
    assert suggests_risk(text)


@pytest.mark.parametrize("text", EVERYDAY_MESSAGES)
def test_no_everyday_message_hides_a_real_risk(text: str) -> None:
    """Whatever an everyday message excuses, a real risk sent with it is still caught."""
    for risk in _PLAIN_RISKS:
        assert suggests_risk(f"{text} {risk}"), risk
        assert suggests_risk(f"{risk}. {text}"), risk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I DON’T want", "i dont want"),
        ("  can't   go\non  ", "cant go on"),
        ("self-harm!!", "self-harm"),
        ("café", "cafe"),
    ],
)
def test_normalise_folds_case_apostrophes_accents_and_spaces(text: str, expected: str) -> None:
    """Patterns are written once against the folded form, so folding must be predictable."""
    assert normalise(text) == expected
