"""Case deadlines and priority order (flows/model.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.model import CasePriority, due_by

# 2026-11-20 is a Friday; 2026-11-23 a Monday.
FRI = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SAT = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
SUN = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MON = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("opened", [FRI, SAT, SUN, MON, datetime(2026, 11, 20, 23, 30, tzinfo=UTC)])
def test_urgent_cases_are_due_within_the_hour_even_at_weekends(opened: datetime) -> None:
    """Urgent means risk: the hour runs whatever the day."""
    assert due_by(CasePriority.URGENT, opened) == opened + timedelta(hours=1)


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
    due = due_by(priority, opened)
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
