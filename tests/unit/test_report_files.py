"""Small-number suppression in exported figures."""

from __future__ import annotations

import pytest

from bot.report_files import suppressed


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, 0),
        (1, "<5"),
        (4, "<5"),
        (5, 5),
        (120, 120),
        (0.25, 0.25),
        (None, None),
        (True, True),
        ("P99001", "P99001"),
    ],
)
def test_counts_from_one_to_four_are_shown_as_under_five(value: object, shown: object) -> None:
    assert suppressed(value) == shown
