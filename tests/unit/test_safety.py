"""Crisis detection (flows/safety.py): risk messages are caught, everyday messages are not."""

from __future__ import annotations

import pytest

from flows.safety import normalise, suggests_risk

RISK_MESSAGES = [
    # Suicide, said directly.
    "I want to kill myself",
    "I’m going to kill myself tonight",
    "I KEEP THINKING ABOUT KILLING MYSELF",
    "I feel suicidal",
    "Suicidal thoughts again",
    "im thinking about sucide",
    "thinking of suiside",
    "I've been thinking of taking my own life",
    "i'm going to end my life",
    "I want to die",
    "i just wanna die",
    "i want 2 die",
    "I'm going to top myself",
    # Suicide, said indirectly.
    "I dont want to be here anymore",
    "I don’t want to be here anymore",
    "I don't want to live anymore",
    "I don't want to wake up tomorrow",
    "I want to go to sleep and never wake up",
    "I can't go on like this",
    "I CANT GO ON",
    "I can’t carry on",
    "everyone would be better off without me",
    "Everyone would be better off if I was gone",
    "I wish I was dead",
    "there's no point in living",
    "I don't see the point in living anymore",
    "life isn't worth living",
    "Nothing to live for anymore",
    "I have no reason to carry on",
    "I'm going to end it all",
    "I keep thinking about ending it",
    "I won't be here much longer",
    "I just wanted to say goodbye to everyone",
    # Self-harm and overdose.
    "I've been self harming again",
    "I self-harm when it gets bad",
    "I've been cutting myself",
    "I cut my wrists last night",
    "I took an overdose",
    "I've taken too many pills",
    "I'm going to take all my pills",
    "I want to hang myself",
    "I'm going to jump off the bridge",
    # Violence and abuse.
    "my husband hits me",
    "He hurts me",
    "he beats me when he drinks",
    "he pushed me down the stairs",
    "my partner is abusive",
    "he threatened to kill me",
    "I'm scared to go home",
    "I don't feel safe at home",
    "I was raped",
    "I'm going to hurt someone",
    "I want to murder him",
    # A real risk next to an idiom is still a risk.
    "my feet are killing me and I want to kill myself",
    "killing time before I end it all",
]

EVERYDAY_MESSAGES = [
    "my feet are killing me",
    "My back is killing me today",
    "I could murder a takeaway",
    "I could kill for a bacon sandwich",
    "dying for a cuppa",
    "I'm dying for a cup of tea",
    "killing time before my appointment",
    "I killed it at the quiz last night",
    "I'm dying to see the grandkids",
    "I need help with my gas bill",
    "please stop texting me about the end of my tether",
    "Can I change my appointment to Tuesday?",
    "I feel lonely since my wife passed away",
    "I am 72 and my mum died last year",
    "Where is the nearest food bank?",
    "I'm struggling with money",
    "Could I join a walking group?",
    "I'd like to volunteer at the skills cafe",
    "Thanks for your help",
    "I've been cutting back on sugar",
    "I'm cutting my hair tomorrow",
    "I want to stop smoking",
    "the end of the month is hard for money",
    "I forgot to take my tablets this morning",
    "I hurt my back lifting the shopping",
    "I'm scared of going out on my own since my fall",
]


def test_the_tables_are_big_enough() -> None:
    """The tables must stay broad: at least 30 risk and 20 everyday messages."""
    assert len(RISK_MESSAGES) >= 30
    assert len(EVERYDAY_MESSAGES) >= 20


@pytest.mark.parametrize("text", RISK_MESSAGES)
def test_suggests_risk_catches_risk_messages(text: str) -> None:
    """A missed risk message means no crisis contacts and no urgent case: it must be caught."""
    assert suggests_risk(text)


@pytest.mark.parametrize("text", EVERYDAY_MESSAGES)
def test_suggests_risk_is_false_for_everyday_messages(text: str) -> None:
    """False alarms send crisis numbers to people asking about bills and buses, and swamp staff."""
    assert not suggests_risk(text)


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
