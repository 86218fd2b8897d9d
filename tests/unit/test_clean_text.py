"""flows.messages.clean_text: the one cleaning of text from outside."""

from __future__ import annotations

import pytest

from flows.messages import MAX_TEXT, clean_text


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Hello 😊 Здравствуйте ŵ", "Hello 😊 Здравствуйте ŵ"),
        ("a\x00b", "ab"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("windows\r\nmac\rend", "windows\nmac\nend"),
        ("\x07bell\x1b[31m\x7f", "bell[31m\x7f"),
        ("lone \ud800 and \udfff", "lone \ufffd and \ufffd"),
        ("", ""),
    ],
)
def test_controls_go_surrogates_are_replaced_and_the_rest_is_kept(raw: str, kept: str) -> None:
    assert clean_text(raw) == kept


def test_text_is_capped_and_cleaning_never_lets_it_grow() -> None:
    assert clean_text("x" * (MAX_TEXT * 300)) == "x" * MAX_TEXT
    assert clean_text("\x00" * MAX_TEXT + "abc") == "abc"
    # Only the first twice the cap is read at all, so a megabyte costs no more than that.
    assert clean_text("\x00" * (MAX_TEXT * 2) + "abc") == ""
    assert clean_text("abcdef", 3) == "abc"


def test_cleaned_text_is_utf8_and_has_no_nul() -> None:
    text = clean_text("".join(map(chr, range(0, 0xE000, 7))))
    assert "\x00" not in text
    text.encode("utf-8")  # raises on a surrogate
