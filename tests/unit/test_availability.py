"""Free slots from link workers' patterns (flows/availability.py): weekly and one-off times,
bank holidays, leave, sessions and held slots; which three to offer; reading the answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows import texts
from flows.availability import Busy, Pattern, check_pattern, choose, clash, free, slots
from flows.calendar import WorkingDays
from flows.gsm import is_gsm7, segments
from flows.offers import CALL, read_answer
from flows.texts import Nation

LONDON = ZoneInfo("Europe/London")
ENGLAND = WorkingDays(Nation.ENGLAND, LONDON)
SCOTLAND = WorkingDays(Nation.SCOTLAND, LONDON)
FRIDAY = 4


def _weekly(weekday: int, starts: str = "09:00", ends: str = "12:00", **more: object) -> Pattern:
    values: dict[str, object] = {
        "id": 1,
        "worker_id": 7,
        "worker": "Sam Jones",
        "weekday": weekday,
        "on_date": None,
        "starts": time.fromisoformat(starts),
        "ends": time.fromisoformat(ends),
        "slot_minutes": 60,
        "location": "Pemberton Surgery",
    } | more
    return Pattern(**values)  # type: ignore[arg-type]  # the fields above, by name


def _week_of(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), LONDON)
    return start, start + timedelta(days=7)


def test_a_weekly_pattern_gives_its_slots_in_local_time_across_the_clocks_changing() -> None:
    """Fridays 9 to 12 in hourly slots: 9am London is 8am UTC in summer and 9am in winter."""
    summer = slots([_weekly(FRIDAY)], ENGLAND, *_week_of(date(2026, 10, 19)))
    winter = slots([_weekly(FRIDAY)], ENGLAND, *_week_of(date(2026, 10, 26)))
    assert [s.starts_at.hour for s in summer] == [8, 9, 10]
    assert [s.starts_at.hour for s in winter] == [9, 10, 11]
    assert {s.starts_at.astimezone(LONDON).hour for s in summer + winter} == {9, 10, 11}


def test_a_bank_holiday_has_no_weekly_slots_but_a_one_off_time_on_it_stands() -> None:
    """Christmas Day 2026 is a Friday: no Friday slots that week, unless a one-off is set."""
    week = _week_of(date(2026, 12, 21))
    assert slots([_weekly(FRIDAY)], ENGLAND, *week) == []
    one_off = replace(_weekly(FRIDAY), id=2, weekday=None, on_date=date(2026, 12, 25))
    assert len(slots([one_off], ENGLAND, *week)) == 3


def test_each_nation_keeps_its_own_bank_holidays() -> None:
    """Monday 30 November 2026 is St Andrew's Day: a holiday in Scotland, not in England."""
    monday = _weekly(0)
    week = _week_of(date(2026, 11, 30))
    assert len(slots([monday], ENGLAND, *week)) == 3
    assert slots([monday], SCOTLAND, *week) == []


def test_a_pattern_runs_only_between_its_first_and_last_day() -> None:
    ended = _weekly(FRIDAY, valid_until=date(2026, 12, 4))
    assert len(slots([ended], ENGLAND, *_week_of(date(2026, 11, 30)))) == 3
    assert slots([ended], ENGLAND, *_week_of(date(2026, 12, 7))) == []


def test_leave_a_session_or_a_held_slot_takes_a_slot_out_of_the_free_ones() -> None:
    found = slots([_weekly(FRIDAY)], ENGLAND, *_week_of(date(2026, 11, 23)))
    nine, ten, eleven = (s.starts_at for s in found)
    busy = [
        Busy(7, nine + timedelta(minutes=30), nine + timedelta(minutes=75), "booked"),  # 9:30-10:15
        Busy(8, eleven, eleven + timedelta(hours=1), "leave"),  # someone else's leave
    ]
    assert [s.starts_at for s in free(found, busy)] == [eleven]
    assert clash(7, ten, 60, busy) is busy[0]
    assert clash(7, eleven, 60, busy) is None
    assert clash(None, nine, 60, busy) is None  # a worker not known as a user clashes with none


def test_three_choices_are_spread_over_different_days_where_they_can_be() -> None:
    patterns = [_weekly(1), _weekly(2, id=2), _weekly(3, id=3)]
    found = slots(patterns, ENGLAND, *_week_of(date(2026, 11, 23)))
    assert [s.starts_at.day for s in choose(found)] == [24, 25, 26]
    one_day = slots([_weekly(1)], ENGLAND, *_week_of(date(2026, 11, 23)))
    assert [s.starts_at.hour for s in choose(one_day)] == [9, 10, 11]
    assert choose([]) == []


@pytest.mark.parametrize(
    ("weekday", "on_date", "starts", "ends", "minutes", "problem"),
    [
        (None, None, "09:00", "12:00", 60, "weekday:"),
        (1, date(2026, 12, 1), "09:00", "12:00", 60, "weekday:"),
        (1, None, "12:00", "09:00", 60, "ends:"),
        (1, None, "09:00", "09:30", 60, "ends:"),
        (1, None, "09:00", "12:00", 2, "slot_minutes:"),
    ],
)
def test_a_pattern_that_cannot_give_slots_is_refused_naming_the_field(
    weekday: int | None, on_date: date | None, starts: str, ends: str, minutes: int, problem: str
) -> None:
    said = check_pattern(
        weekday, on_date, time.fromisoformat(starts), time.fromisoformat(ends), minutes
    )
    assert said is not None and said.startswith(problem)
    assert check_pattern(1, None, time(9), time(12), 60) is None


@pytest.mark.parametrize(
    ("text", "read"),
    [("1", 1), (" 2. ", 2), ("Option 3", 3), ("3 please", 3), ("No. 2", 2), ("CALL", CALL)],
)
def test_an_answer_to_an_offer_is_a_number_or_call(text: str, read: int | str) -> None:
    assert read_answer(text) == read


@pytest.mark.parametrize("text", ["no 2", "12", "I could do 2 maybe", "yes", "", "call at 3"])
def test_other_messages_are_not_taken_for_an_answer_to_an_offer(text: str) -> None:
    assert read_answer(text) is None


def test_an_offer_of_three_times_is_plain_gsm_text_in_two_segments_at_most() -> None:
    choices = [
        ("Tue 8 Dec at 10am", "Sam", "Pemberton Surgery"),
        ("Wed 9 Dec at 2:30pm", "Alex", "Pemberton Surgery"),
        ("Fri 11 Dec at 11am", "Sam", "Wigan Library, Room 2"),
    ]
    said = texts.offer("Community Link Worker service:", choices, "Tue 8 Dec at 9am")
    assert "1) Tue 8 Dec at 10am with Sam at Pemberton Surgery 2)" in said
    assert is_gsm7(said) and segments(said) <= 2
    one = texts.offer("Sorry, that time has just gone.", choices[:1], "3pm")
    assert one.endswith("Reply 1 to book, or CALL for a call instead. We hold it until 3pm.")
    assert ", with Sam at Pemberton Surgery." in one


def test_no_slot_is_given_outside_the_asked_span() -> None:
    start = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday, 10am
    found = slots([_weekly(FRIDAY)], ENGLAND, start, start + timedelta(hours=1))
    assert [s.starts_at for s in found] == [start]
