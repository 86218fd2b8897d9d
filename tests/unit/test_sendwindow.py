"""The daily send window (flows/sendwindow.py), including clock changes in Europe/London."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from flows.sendwindow import SendWindow

LONDON = ZoneInfo("Europe/London")
DAY = SendWindow.parse("08:00-20:00", LONDON)
NIGHT = SendWindow.parse("20:00-08:00", LONDON)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("08:00-20:00", time(8), time(20)),
        ("8:00-20:00", time(8), time(20)),
        (" 09:30 - 17:45 ", time(9, 30), time(17, 45)),
        ("20:00-08:00", time(20), time(8)),
        ("00:00-23:59", time(0), time(23, 59)),
    ],
)
def test_parse_accepts_valid_windows(text: str, start: time, end: time) -> None:
    """Any HH:MM-HH:MM pair of real times, spaces allowed, is a window."""
    window = SendWindow.parse(text, LONDON)
    assert (window.start, window.end, window.zone) == (start, end, LONDON)


@pytest.mark.parametrize(
    "text",
    [
        "25:00-08:00",
        "08:00-24:00",
        "08:60-20:00",
        "08:00-08:00",
        "garbage",
        "",
        "08:00",
        "0800-2000",
        "08:00-20:00-21:00",
        "8-20",
        "08:0-20:00",
    ],
)
def test_parse_rejects_invalid_windows(text: str) -> None:
    """A window that is not two distinct times of day must fail at start-up, not at send time."""
    with pytest.raises(ValueError):
        SendWindow.parse(text, LONDON)


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        (utc(2026, 1, 14, 8, 0), True),  # opening minute, GMT
        (utc(2026, 1, 14, 7, 59, 59), False),
        (utc(2026, 1, 14, 19, 59, 59), True),
        (utc(2026, 1, 14, 20, 0), False),  # closing time is outside
        (utc(2026, 7, 14, 7, 0), True),  # 08:00 BST
        (utc(2026, 7, 14, 6, 59), False),  # 07:59 BST
        (utc(2026, 7, 14, 19, 0), False),  # 20:00 BST
    ],
)
def test_contains_includes_the_opening_and_excludes_the_closing_time(
    at: datetime, inside: bool
) -> None:
    """The window is half-open in local time: 08:00 may send, 20:00 may not."""
    assert DAY.contains(at) is inside


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        (utc(2026, 1, 14, 20, 0), True),
        (utc(2026, 1, 14, 23, 30), True),
        (utc(2026, 1, 15, 0, 0), True),
        (utc(2026, 1, 15, 7, 59), True),
        (utc(2026, 1, 15, 8, 0), False),
        (utc(2026, 1, 15, 12, 0), False),
        (utc(2026, 1, 15, 19, 59), False),
    ],
)
def test_overnight_window_wraps_past_midnight(at: datetime, inside: bool) -> None:
    """An end before the start means the window runs through midnight."""
    assert NIGHT.contains(at) is inside


def test_next_opening_inside_the_window_is_now() -> None:
    """A message due inside the window goes at once."""
    at = utc(2026, 1, 14, 12, 0)
    assert DAY.next_opening(at) == at


@pytest.mark.parametrize(
    ("window", "at", "expected"),
    [
        (DAY, utc(2026, 1, 14, 6, 0), utc(2026, 1, 14, 8, 0)),  # early, same day
        (DAY, utc(2026, 1, 14, 20, 0), utc(2026, 1, 15, 8, 0)),  # after close, next day
        (DAY, utc(2026, 1, 14, 23, 59), utc(2026, 1, 15, 8, 0)),
        (DAY, utc(2026, 12, 31, 21, 0), utc(2027, 1, 1, 8, 0)),  # across the year
        (DAY, utc(2026, 7, 14, 20, 0), utc(2026, 7, 15, 7, 0)),  # summer: 08:00 BST
        (NIGHT, utc(2026, 1, 15, 12, 0), utc(2026, 1, 15, 20, 0)),
        (NIGHT, utc(2026, 1, 15, 8, 0), utc(2026, 1, 15, 20, 0)),
        (NIGHT, utc(2026, 7, 15, 12, 0), utc(2026, 7, 15, 19, 0)),  # 20:00 BST
    ],
)
def test_next_opening_is_the_next_local_opening_time(
    window: SendWindow, at: datetime, expected: datetime
) -> None:
    """Held messages wait for the next local opening, expressed in UTC."""
    opening = window.next_opening(at)
    assert opening == expected
    assert opening.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Clocks go forward at 01:00 UTC on Sunday 29 March 2026: 08:00 BST is 07:00 UTC.
        (utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 7, 0)),
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 7, 0)),
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 7, 0)),
        # Clocks go back at 01:00 UTC on Sunday 25 October 2026: 08:00 GMT is 08:00 UTC.
        (utc(2026, 10, 24, 19, 0), utc(2026, 10, 25, 8, 0)),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 8, 0)),  # 01:30 BST
        (utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 8, 0)),  # 01:30 GMT
        (utc(2026, 10, 25, 7, 30), utc(2026, 10, 25, 8, 0)),  # 07:30 GMT, was 08:30 BST
    ],
)
def test_next_opening_lands_on_local_opening_across_clock_changes(
    at: datetime, expected: datetime
) -> None:
    """On clock-change days the window still opens at 08:00 on the wall clock."""
    assert DAY.next_opening(at) == expected
    assert DAY.contains(expected)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 29, 12, 0), utc(2026, 3, 29, 19, 0)),  # 20:00 BST
        (utc(2026, 10, 25, 12, 0), utc(2026, 10, 25, 20, 0)),  # 20:00 GMT
    ],
)
def test_overnight_window_opens_at_local_time_on_clock_change_days(
    at: datetime, expected: datetime
) -> None:
    """An overnight window follows the wall clock through a clock change too."""
    assert NIGHT.next_opening(at) == expected


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        (utc(2026, 3, 29, 6, 59), True),  # 07:59 BST
        (utc(2026, 3, 29, 7, 0), False),  # 08:00 BST
        (utc(2026, 10, 25, 7, 59), True),  # 07:59 GMT
        (utc(2026, 10, 25, 8, 0), False),  # 08:00 GMT
    ],
)
def test_overnight_window_closes_at_local_time_on_clock_change_days(
    at: datetime, inside: bool
) -> None:
    """The overnight window closes at 08:00 on the wall clock, whatever the offset."""
    assert NIGHT.contains(at) is inside


def test_next_opening_accepts_times_in_other_zones() -> None:
    """Callers may pass local times; the answer is the same instant."""
    at = datetime(2026, 1, 14, 21, 0, tzinfo=LONDON)
    assert DAY.next_opening(at) == utc(2026, 1, 15, 8, 0)


def test_last_open_before_is_the_moment_itself_inside_the_window() -> None:
    window = SendWindow.parse("08:00-20:00", ZoneInfo("Europe/London"))
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert window.last_open_before(at) == at


def test_last_open_before_an_early_morning_is_just_before_the_evening_close() -> None:
    window = SendWindow.parse("08:00-20:00", ZoneInfo("Europe/London"))
    at = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert window.last_open_before(at) == datetime(2026, 11, 24, 19, 45, tzinfo=UTC)


def test_last_open_before_follows_the_local_clock_in_summer() -> None:
    window = SendWindow.parse("08:00-20:00", ZoneInfo("Europe/London"))
    at = datetime(2027, 6, 10, 21, 0, tzinfo=UTC)  # 22:00 BST
    assert window.last_open_before(at) == datetime(2027, 6, 10, 18, 45, tzinfo=UTC)
