"""Crisis detection (flows/safety): every message of the public set raises its concern, and
everyday messages raise none. The figures per concern are printed (pytest -s)."""

from __future__ import annotations

from collections import Counter

import pytest

from flows.safety import Concern, concerns, normalise, suggests_risk
from tests.support.crisis_messages import BY_SET, EVERYDAY_MESSAGES, RISK_MESSAGES

# Real risks, short and plain, to put next to an everyday message.
_PLAIN_RISKS = {
    "I want to kill myself": Concern.SELF_HARM,
    "he hits me": Concern.HARM_FROM_OTHERS,
    "my son has taken an overdose": Concern.SOMEONE_ELSE,
}
MOST_FALSE_ALARMS = 0.05


def _figures(pairs: list[tuple[str, str]]) -> tuple[dict[str, float], float]:
    """Recall per concern (messages raising their concern), and the share of everyday messages
    raising any."""
    seen, caught = Counter[str](), Counter[str]()
    alarms = everyday = 0
    for category, message in pairs:
        found = concerns(message)
        if category == "everyday":
            everyday += 1
            alarms += bool(found)
        else:
            seen[category] += 1
            caught[category] += category in found
    return {c: caught[c] / seen[c] for c in seen}, alarms / max(everyday, 1)


def test_the_public_sets_are_big_enough() -> None:
    """At least 200 risk messages across the concerns (50 in each) and 200 everyday ones; no
    set repeats a message, and no message is both a risk and everyday."""
    per = Counter(c for c, _ in RISK_MESSAGES)
    assert len(RISK_MESSAGES) >= 200 and len(EVERYDAY_MESSAGES) >= 200
    assert all(per[c] >= 50 for c in Concern), per
    for name, pairs in BY_SET.items():
        messages = [m for _, m in pairs]
        assert len(set(messages)) == len(messages), name
    assert not {m for _, m in RISK_MESSAGES} & set(EVERYDAY_MESSAGES)


@pytest.mark.parametrize("name", list(BY_SET))
def test_recall_is_complete_in_every_concern_with_few_false_alarms(name: str) -> None:
    """The figures a clinical safety officer signs, for each set: 100% recall per concern, at
    most 5% false alarms on everyday messages."""
    recall, false_alarms = _figures(BY_SET[name])
    for concern, share in sorted(recall.items()):
        print(f"{name} {concern}: recall {share:.1%}")
    print(f"{name} everyday: false alarms {false_alarms:.1%}")
    assert recall == {c.value: 1.0 for c in Concern}
    assert false_alarms <= MOST_FALSE_ALARMS


@pytest.mark.parametrize(("concern", "text"), RISK_MESSAGES, ids=lambda v: str(v)[:40])
def test_each_risk_message_raises_its_concern(concern: Concern, text: str) -> None:
    """A missed message means no contacts and no urgent case: each must raise its own concern."""
    assert concern in concerns(text)


@pytest.mark.parametrize("text", EVERYDAY_MESSAGES, ids=lambda v: v[:40])
def test_everyday_messages_raise_nothing(text: str) -> None:
    """False alarms send crisis numbers to people asking about bills and buses, and swamp staff."""
    assert concerns(text) == ()
    assert not suggests_risk(text)


@pytest.mark.parametrize(
    "text",
    [
        "my feet are killing me and I want to kill myself",
        "I could murder a takeaway. I took an overdose",
        "dying for a cuppa, he hits me when I make one",
        "killing time before I end it all",
        "I fell and hurt myself, and I want to hurt myself again",
        "I'm not suicidal, but I've been saving my tablets",
        "I would never hurt myself. My husband hits me",
    ],
)
def test_an_idiom_or_a_negation_next_to_a_real_risk_is_still_caught(text: str) -> None:
    """Idioms and negations are excused only when nothing else in the message is worrying."""
    assert suggests_risk(text)


@pytest.mark.parametrize("text", EVERYDAY_MESSAGES, ids=lambda v: v[:40])
def test_no_everyday_message_hides_a_real_risk(text: str) -> None:
    """Whatever an everyday message excuses, a real risk sent with it still raises its concern."""
    for risk, concern in _PLAIN_RISKS.items():
        assert concern in concerns(f"{text} {risk}"), risk
        assert concern in concerns(f"{risk}. {text}"), risk


def test_someone_elses_risk_is_not_read_as_the_texters() -> None:
    """'She wants to end it' is about her: the texter gets what to do for her, not told that
    they themselves are at risk; both are raised when both are said."""
    assert concerns("my friend says she wants to end it") == (Concern.SOMEONE_ELSE,)
    assert concerns("my mum has taken all her tablets") == (Concern.SOMEONE_ELSE,)
    both = concerns("my friend wants to end it and I want to kill myself too")
    assert set(both) == {Concern.SOMEONE_ELSE, Concern.SELF_HARM}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I’m gonna KMS!!!", "im going to kms"),
        ("i want to diiiie", "i want to die"),
        ("su1c1de", "suicide"),
        ("every1 wud b beta off widout me", "everyone would be better off without me"),
        ("nuthin 2 live 4", "nothing to live for"),
        ("thinkin of takin all ma pills", "thinking of taking all my pills"),
        ("took 20 tablets", "took 20 tablets"),
        ("5 kms to the shop", "5 kms to the shop"),
        ("I DON’T want", "i dont want"),
        ("  can't   go\non  ", "cant go on"),
        ("self-harm!!", "self-harm"),
        ("café", "cafe"),
        ("again and again", "again and again"),
    ],
)
def test_normalise_folds_spelling_text_speak_and_repeated_letters(text: str, expected: str) -> None:
    """Phrases are written once against the normalised form, so normalising must be predictable."""
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "concern"),
    [
        ("I want to kil myslef", Concern.SELF_HARM),
        ("feeling suicdal", Concern.SELF_HARM),
        ("he keeps hitting me", Concern.HARM_FROM_OTHERS),
        ("he keeps hittin me", Concern.HARM_FROM_OTHERS),
        ("my brother is going to kill himslef", Concern.SOMEONE_ELSE),
    ],
)
def test_a_slip_of_the_thumb_in_a_phrase_is_still_caught(text: str, concern: Concern) -> None:
    """Phrases allow a letter or two wrong in a longer word (the first letter must be right)."""
    assert concern in concerns(text)


def test_a_slip_never_turns_an_everyday_word_into_a_risk() -> None:
    """Short words and first letters must be typed right: dine is not die, fill is not kill."""
    for text in ("I want to dine out", "fill myself up with soup", "don't kid myself", "skill"):
        assert concerns(text) == (), text
