"""Reading an answer to "how are things since you last saw your link worker?"."""

from __future__ import annotations

import pytest

from flows.conversations.check_in import how_are_things


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("1", "better"),
        ("2", "same"),
        ("3", "worse"),
        (" 3. ", "worse"),
        ("one", "better"),
        ("Better", "better"),
        ("much better thanks", "better"),
        ("really good", "better"),
        ("a lot happier", "better"),
        ("improved", "better"),
        ("about the same", "same"),
        ("same", "same"),
        ("ok", "same"),
        ("no change", "same"),
        ("not bad", "same"),
        ("no worse", "same"),
        ("nothing has changed", "same"),
        ("worse", "worse"),
        ("not good", "worse"),
        ("not so good", "worse"),
        ("struggling", "worse"),
        ("awful", "worse"),
        ("not great tbh", "worse"),
        ("I\u2019m not feeling well", "worse"),
    ],
)
def test_answers_in_numbers_and_words(said: str, meant: str) -> None:
    assert how_are_things(said) == meant


@pytest.mark.parametrize(
    "said", ["who is this?", "4", "better in some ways but worse in others", "", "12", "hmm"]
)
def test_unclear_or_mixed_answers_are_not_guessed(said: str) -> None:
    """A mixed answer is asked again, then read by a person, never forced into a box."""
    assert how_are_things(said) is None
