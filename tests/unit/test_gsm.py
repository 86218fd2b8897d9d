"""GSM-7 detection and SMS segment counting (flows/gsm.py)."""

from __future__ import annotations

import pytest

from flows.gsm import is_gsm7, segments, septets


@pytest.mark.parametrize(
    "text",
    ["", "Hello", "£5 @ 10:00, café", "Ça va? Ñ ü ß É", "[brackets] {braces} ~ ^ | \\ €", "a\nb"],
)
def test_is_gsm7_accepts_the_gsm_alphabet_and_its_extension(text: str) -> None:
    """These texts can go as cheap 7-bit SMS."""
    assert is_gsm7(text)


@pytest.mark.parametrize(
    "text", ["😀", "don’t", "“quoted”", "en – dash", "tab\there", "naïve", "ł", "`"]
)
def test_is_gsm7_rejects_characters_outside_gsm(text: str) -> None:
    """Any one of these forces the whole message into UCS-2."""
    assert not is_gsm7(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("€" * 80, 1),  # 160 septets
        ("€" * 81, 2),  # 162 septets
        ("€" + "a" * 158, 1),  # 160 septets
        ("€" + "a" * 159, 2),  # 161 septets
        ("[" * 152, 2),  # 304 septets: 76 escaped pairs in each segment
        ("[" * 153, 3),  # 306 septets, but a pair is never split: 76 + 76 + 1
    ],
)
def test_segments_for_gsm7_are_160_then_153_with_extended_characters_double(
    text: str, expected: int
) -> None:
    """Each GSM-7 segment is paid for, so the count must match what the carrier bills."""
    assert segments(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("€", 2), ("a€[", 5), ("abc", 3)])
def test_septets_counts_extended_characters_twice(text: str, expected: int) -> None:
    """Extension characters need an escape septet before them."""
    assert septets(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😀", 1),
        ("😀" + "a" * 68, 1),  # 70 UTF-16 units
        ("😀" + "a" * 69, 2),  # 71 units
        ("é" * 69 + "’", 1),  # 70 units, UCS-2 because of the curly apostrophe
        ("’" + "a" * 70, 2),
        ("’" + "a" * 133, 2),  # 134 units
        ("’" + "a" * 134, 3),  # 135 units
        ("😀" * 35, 1),  # 70 units
        ("😀" * 36, 2),  # 72 units
    ],
)
def test_segments_for_non_gsm_text_are_ucs2_70_then_67(text: str, expected: int) -> None:
    """One character outside GSM-7 switches the whole message to UCS-2 and its smaller segments."""
    assert segments(text) == expected


def test_segments_never_split_an_escape_sequence_across_segments() -> None:
    """An extension character's escape and code must share a segment (Twilio counts it so)."""
    # 306 septets, but the euro sign would straddle the end of segment one (septets 153-154),
    # so it moves to segment two: 152 + 153 + 1 septets = three segments.
    text = "a" * 152 + "€" + "a" * 152
    assert septets(text) == 306
    assert segments(text) == 3


def test_segments_never_split_an_emoji_across_segments() -> None:
    """A surrogate pair cannot be cut between two UCS-2 segments (Twilio counts it so)."""
    # 134 units, but the emoji would straddle units 67-68, so it moves: 66 + 67 + 1 = three.
    text = "a" * 66 + "😀" + "a" * 66
    assert len(text.encode("utf-16-le")) // 2 == 134
    assert segments(text) == 3
