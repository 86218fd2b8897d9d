"""Reading a campaign's cohort as staff write it, and pacing its sends in the send window."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from flows.campaigns import Cohort, CohortError, parse_cohort, spread
from flows.practices import PracticeInfo
from flows.sendwindow import SendWindow

LONDON = ZoneInfo("Europe/London")
DAY = SendWindow.parse("08:00-20:00", LONDON)
PRACTICES = (
    PracticeInfo(1, "P92001", "Pemberton Surgery", "Pemberton"),
    PracticeInfo(2, "P92002", "Hindley Health Centre", "Hindley"),
)


def utc(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def test_an_empty_cohort_is_everyone_with_a_session() -> None:
    assert parse_cohort({}, PRACTICES) == Cohort()


def test_every_field_is_read() -> None:
    cohort = parse_cohort(
        {
            "last_session_from": "2026-08-01",
            "last_session_to": "2026-09-30",
            "practice": ["P92001", "hindley health centre"],
            "need": ["lonely", "money"],
            "pathway": ["primary_care", "self"],
            "not_contacted_weeks": 6,
        },
        PRACTICES,
    )
    assert cohort == Cohort(
        date(2026, 8, 1),
        date(2026, 9, 30),
        (1, 2),
        ("loneliness", "money"),
        ("primary_care", "self"),
        6,
    )


def test_a_single_word_is_a_list_of_one() -> None:
    cohort = parse_cohort({"practice": "p92002", "need": "3", "pathway": "friend"}, PRACTICES)
    assert (cohort.practice_ids, cohort.needs, cohort.pathways) == ((2,), ("money",), ("friend",))


def test_one_end_of_the_date_range_is_enough() -> None:
    assert parse_cohort({"last_session_to": "2026-09-30"}, PRACTICES) == Cohort(
        last_session_to=date(2026, 9, 30)
    )
    assert parse_cohort(
        {"last_session_from": "2026-09-30", "last_session_to": "2026-09-30"}, PRACTICES
    ).last_session_to == date(2026, 9, 30)


@pytest.mark.parametrize(
    ("cohort", "field"),
    [
        ({"practise": "P92001"}, "cohort.practise"),
        ({"last_session_from": "2026-13-01"}, "cohort.last_session_from"),
        ({"last_session_from": "yesterday"}, "cohort.last_session_from"),
        ({"last_session_from": 20260801}, "cohort.last_session_from"),
        ({"last_session_to": "31/09/2026"}, "cohort.last_session_to"),
        (
            {"last_session_from": "2026-09-30", "last_session_to": "2026-08-01"},
            "cohort.last_session_to",
        ),
        ({"practice": "P99999"}, "cohort.practice"),
        ({"practice": []}, "cohort.practice"),
        ({"practice": [7]}, "cohort.practice"),
        ({"need": "flying lessons"}, "cohort.need"),
        ({"need": ""}, "cohort.need"),
        ({"pathway": "police"}, "cohort.pathway"),
        ({"pathway": ["primary_care", "a&e"]}, "cohort.pathway"),
        ({"not_contacted_weeks": 0}, "cohort.not_contacted_weeks"),
        ({"not_contacted_weeks": 521}, "cohort.not_contacted_weeks"),
        ({"not_contacted_weeks": 2.5}, "cohort.not_contacted_weeks"),
        ({"not_contacted_weeks": "6"}, "cohort.not_contacted_weeks"),
        ({"not_contacted_weeks": True}, "cohort.not_contacted_weeks"),
        (["practice"], "cohort:"),
        ("everyone", "cohort:"),
    ],
)
def test_a_cohort_we_cannot_use_names_the_field(cohort: Any, field: str) -> None:
    with pytest.raises(CohortError) as raised:
        parse_cohort(cohort, PRACTICES)
    assert str(raised.value).startswith(field)


def test_too_long_a_list_is_refused() -> None:
    with pytest.raises(CohortError, match=r"^cohort\.need: .*at most 50"):
        parse_cohort({"need": ["lonely"] * 51}, PRACTICES)


def test_sends_are_paced_at_the_rate() -> None:
    times = spread(utc(11, 24, 10), 6, 5.0, DAY)
    assert times == [utc(11, 24, 10) + timedelta(seconds=0.2 * n) for n in range(6)]


def test_pacing_never_runs_faster_than_the_rate() -> None:
    """A third of a second is not a whole number of microseconds: round the gap up, not down."""
    times = spread(utc(11, 24, 10), 10, 3.0, DAY)
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(times)}
    assert gaps == {0.333334}


def test_a_start_outside_the_window_waits_for_it_to_open() -> None:
    assert spread(utc(11, 24, 6), 2, 1.0, DAY) == [utc(11, 24, 8), utc(11, 24, 8, 0, 1)]
    # After it closes, the next morning.
    assert spread(utc(11, 24, 21), 1, 1.0, DAY) == [utc(11, 25, 8)]


def test_sends_stop_when_the_window_closes_and_carry_on_when_it_opens() -> None:
    """In November London is on GMT: the window is 08:00-20:00 UTC."""
    times = spread(utc(11, 24, 19, 59, 58), 5, 1.0, DAY)
    assert times == [
        utc(11, 24, 19, 59, 58),
        utc(11, 24, 19, 59, 59),
        utc(11, 25, 8),
        utc(11, 25, 8, 0, 1),
        utc(11, 25, 8, 0, 2),
    ]
    assert all(DAY.contains(at) for at in times)


def test_the_window_is_local_time_across_the_clock_change() -> None:
    """British Summer Time ends on 25 October 2026: the window opens at 07:00 UTC before and
    08:00 UTC after."""
    times = spread(utc(10, 24, 18, 59, 59), 2, 1.0, DAY)  # 19:59:59 BST on the Saturday
    assert times == [utc(10, 24, 18, 59, 59), utc(10, 25, 8)]  # 08:00 GMT on the Sunday


def test_a_large_campaign_is_spread_over_days_inside_the_window() -> None:
    times = spread(utc(11, 24, 19), 5000, 1.0, DAY)
    assert all(DAY.contains(at) for at in times)
    assert times == sorted(times) and len(set(times)) == 5000
    assert times[3599] == utc(11, 24, 19, 59, 59) and times[3600] == utc(11, 25, 8)
    assert times[-1] == utc(11, 25, 8) + timedelta(seconds=5000 - 3601)


def test_a_window_over_midnight() -> None:
    night = SendWindow.parse("20:00-08:00", LONDON)
    times = spread(utc(11, 24, 7, 59, 59), 3, 1.0, night)
    assert times == [utc(11, 24, 7, 59, 59), utc(11, 24, 20), utc(11, 24, 20, 0, 1)]


def test_nothing_to_send() -> None:
    assert spread(utc(11, 24, 10), 0, 1.0, DAY) == []
