"""Case deadlines and priority order (flows/model.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.calendar import WorkingDays
from flows.model import CasePriority, due_by
from flows.texts import Nation

NI = Nation.NORTHERN_IRELAND
ENGLAND = WorkingDays(Nation.ENGLAND, UTC)
WEEKENDS_ONLY = WorkingDays(None, UTC)

# 2026-11-20 is a Friday; 2026-11-23 a Monday.
FRI = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SAT = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
SUN = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MON = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("opened", [FRI, SAT, SUN, MON, datetime(2026, 11, 20, 23, 30, tzinfo=UTC)])
def test_urgent_cases_are_due_within_the_hour_even_at_weekends(opened: datetime) -> None:
    """Urgent means risk: the hour runs whatever the day."""
    assert due_by(CasePriority.URGENT, opened, ENGLAND) == opened + timedelta(hours=1)


@pytest.mark.parametrize(
    ("priority", "opened", "expected"),
    [
        (CasePriority.NORMAL, MON, datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),  # Mon -> Wed
        (CasePriority.NORMAL, WED, datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),  # Wed -> Fri
        (CasePriority.NORMAL, FRI, datetime(2026, 11, 24, 15, 30, tzinfo=UTC)),  # Fri -> Tue
        (CasePriority.NORMAL, SAT, datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),  # Sat -> Tue
        (CasePriority.NORMAL, SUN, datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),  # Sun -> Tue
        (CasePriority.HIGH, FRI, datetime(2026, 11, 23, 15, 30, tzinfo=UTC)),  # Fri -> Mon
        (CasePriority.HIGH, MON, datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),  # Mon -> Tue
        (CasePriority.LOW, MON, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),  # Mon -> next Mon
        (CasePriority.LOW, FRI, datetime(2026, 11, 27, 15, 30, tzinfo=UTC)),  # Fri -> next Fri
        (CasePriority.LOW, WED, datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),  # Wed -> next Wed
    ],
)
def test_non_urgent_cases_are_due_in_working_days_skipping_weekends(
    priority: CasePriority, opened: datetime, expected: datetime
) -> None:
    """Link workers do not work weekends, so deadlines must not fall due on them."""
    due = due_by(priority, opened, WEEKENDS_ONLY)
    assert due == expected
    assert due.weekday() < 5


def test_rank_orders_urgent_high_normal_low() -> None:
    """Work lists sort by rank, so urgent cases must come first and low last."""
    ranked = sorted(CasePriority, key=lambda p: p.rank)
    assert ranked == [CasePriority.URGENT, CasePriority.HIGH, CasePriority.NORMAL, CasePriority.LOW]
    assert [p.rank for p in ranked] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        (CasePriority.URGENT, CasePriority.HIGH),
        (CasePriority.HIGH, CasePriority.NORMAL),
        (CasePriority.NORMAL, CasePriority.LOW),
        (CasePriority.URGENT, CasePriority.LOW),
    ],
)
def test_a_more_pressing_priority_has_a_smaller_rank(
    higher: CasePriority, lower: CasePriority
) -> None:
    """A smaller rank sorts first."""
    assert higher.rank < lower.rank


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Yes see you then", True),
        ("ok", True),
        ("No problem, see you then", True),
        ("no worries", True),
        ("no", False),
        ("no sorry", False),
        ("I can't make it", False),
        ("need to change it", False),
        ("Can we rearrange?", False),
        ("which room is it?", None),
        ("maybe", None),
    ],
)
def test_answers_to_an_appointment_request(text: str, expected: bool | None) -> None:
    """'No problem' is a yes; 'can't make it' is a no; a question is neither."""
    from flows.appointments import reply_to_request

    assert reply_to_request(text) is expected


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("nation", "priority", "opened", "expected"),
    [
        # Thursday 24 Dec 2026: Christmas Day Friday, Boxing Day (observed) Monday 28th.
        (Nation.ENGLAND, CasePriority.HIGH, datetime(2026, 12, 24, 10, tzinfo=UTC), (12, 29)),
        (Nation.ENGLAND, CasePriority.NORMAL, datetime(2026, 12, 24, 10, tzinfo=UTC), (12, 30)),
        # Friday 27 Nov 2026: St Andrew's Day (Monday 30th) is a bank holiday in Scotland only.
        (Nation.SCOTLAND, CasePriority.HIGH, datetime(2026, 11, 27, 10, tzinfo=UTC), (12, 1)),
        (Nation.ENGLAND, CasePriority.HIGH, datetime(2026, 11, 27, 10, tzinfo=UTC), (11, 30)),
        # Monday 16 Mar 2026: St Patrick's Day (Tuesday 17th) in Northern Ireland only.
        (NI, CasePriority.HIGH, datetime(2026, 3, 16, 9, tzinfo=UTC), (3, 18)),
        (Nation.WALES, CasePriority.HIGH, datetime(2026, 3, 16, 10, tzinfo=UTC), (3, 17)),
    ],
)
def test_working_days_skip_the_bank_holidays_of_the_service_s_nation(
    nation: Nation, priority: CasePriority, opened: datetime, expected: tuple[int, int]
) -> None:
    """A case opened before a bank holiday is not due on it: the holiday is no working day
    for the link workers of that nation."""
    due = due_by(priority, opened, WorkingDays(nation, LONDON))
    assert (due.month, due.day) == expected
    assert due.astimezone(LONDON).time() == opened.astimezone(LONDON).time()


def test_the_urgent_hour_runs_on_a_bank_holiday_too() -> None:
    christmas = datetime(2026, 12, 25, 9, tzinfo=UTC)
    assert due_by(CasePriority.URGENT, christmas, WorkingDays(Nation.ENGLAND, LONDON)) == (
        christmas + timedelta(hours=1)
    )


def test_a_bank_holiday_is_named_and_a_weekday_that_is_not_one_is_a_working_day() -> None:
    days = WorkingDays(Nation.SCOTLAND, LONDON)
    assert days.bank_holiday(date(2026, 11, 30)) == "Saint Andrew's Day"
    assert not days.works_on(date(2026, 11, 30))
    assert days.works_on(date(2026, 12, 1))
    assert not days.works_on(date(2026, 12, 5))  # a Saturday
    assert WorkingDays(None, LONDON).works_on(date(2026, 12, 25))  # no holidays known
