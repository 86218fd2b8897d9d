"""Dates of birth as typed by text (flows/dates.py)."""

from __future__ import annotations

from datetime import date

import pytest

from flows.dates import DateAnswer, DateProblem, parse_date_of_birth

TODAY = date(2026, 11, 23)
BORN = date(1952, 3, 14)


@pytest.mark.parametrize(
    "text",
    [
        "14/3/52",
        "14/03/1952",
        "14-3-1952",
        "14.3.52",
        "14 3 1952",
        "14 March 1952",
        "14th March 1952",
        "14th of march 1952",
        "March 14 1952",
        "march 14th, 1952",
        "14 Mar 52",
        "1952-03-14",
        "14031952",
        "born 14/3/52",
        "its 14/3/1952 thanks",
        "14/3/1952.",
        "  14/03/52  ",
        "14 MARCH 1952",
        "14-Mar-1952",
        "14 Mar. 1952",
        "14 March, 1952",
        "14 March '52",
        "Mar 14th 52",
        "14 Marhc 1952",
        "It\u2019s 14th of March 1952 x",
        "my date of birth is 14/3/1952, thank you",
        "14/3/1952 (I'm 74)",
        "14/3/1952 which is 14 March 1952",
    ],
)
def test_whole_dates_in_the_forms_people_type_are_read_day_first(text: str) -> None:
    """Every common way of writing 14 March 1952 on a phone gives that date and no problem."""
    assert parse_date_of_birth(text, TODAY) == DateAnswer(BORN, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/4/1960", date(1960, 4, 3)),
        ("1/12/1970", date(1970, 12, 1)),
        ("12/1/1970", date(1970, 1, 12)),
        ("01.02.1999", date(1999, 2, 1)),
        ("Sept 3rd 1960", date(1960, 9, 3)),
        ("3 Sep 1960", date(1960, 9, 3)),
        ("1st May 1948", date(1948, 5, 1)),
        ("22nd December 1939", date(1939, 12, 22)),
        ("14 Febuary 1952", date(1952, 2, 14)),
        ("29/2/1952", date(1952, 2, 29)),
        ("01011990", date(1990, 1, 1)),
        ("1990-1-2", date(1990, 1, 2)),
    ],
)
def test_other_dates_are_day_first_and_month_names_come_from_dateutil(
    text: str, expected: date
) -> None:
    """UK order always: 3/4 is the 3rd of April; abbreviations and near-miss month names work."""
    assert parse_date_of_birth(text, TODAY) == DateAnswer(expected, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/3/52", date(1952, 3, 14)),
        ("1/1/05", date(2005, 1, 1)),
        ("1/1/00", date(2000, 1, 1)),
        ("23/11/26", date(1926, 11, 23)),  # a newborn texting us is less likely than a centenarian
        ("24/11/26", date(1926, 11, 24)),
        ("23/11/10", date(2010, 11, 23)),  # 16 today
        ("24/11/10", date(1910, 11, 24)),  # 2010 would make them 15
        ("3/4/25", date(1925, 4, 3)),
        ("1/1/27", date(1927, 1, 1)),
        ("31/12/99", date(1999, 12, 31)),
        ("29/2/00", date(2000, 2, 29)),
    ],
)
def test_two_digit_years_are_20yy_only_for_someone_at_least_16(text: str, expected: date) -> None:
    """'52' is 1952 and '05' is 2005; '25' is 1925, not a baby born last year."""
    assert parse_date_of_birth(text, TODAY) == DateAnswer(expected, None)


def test_the_two_digit_year_rule_follows_the_given_today_not_the_clock() -> None:
    """The same text can be either century, depending only on `today`."""
    assert parse_date_of_birth("1/6/30", date(2046, 6, 1)).value == date(2030, 6, 1)
    assert parse_date_of_birth("1/6/30", date(2046, 5, 31)).value == date(1930, 6, 1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "I don't know",
        "March 1952",
        "1952",
        "14/3",
        "14 March",
        "March 14",
        "14th",
        "14/3/",
        "14/3/195",
        "14/3/19522",
        "1403195",
        "140319522",
        "14 Monday 1952",
        "14 of the 1952",
        "14/3/52 or 15/3/52",
        "14 3",
        "seventy four",
        "?",
    ],
)
def test_anything_short_of_a_whole_date_is_unreadable(text: str) -> None:
    """Nothing is filled in: a missing day, month or year is asked for again."""
    assert parse_date_of_birth(text, TODAY) == DateAnswer(None, DateProblem.UNREADABLE)


@pytest.mark.parametrize(
    "text",
    [
        "31/2/1990",
        "30/2/1990",
        "29/2/1990",
        "32/1/1990",
        "0/1/1990",
        "14/13/1990",
        "14/0/1990",
        "31 June 1990",
        "31/04/1990",
        "3/14/1952",
        "31131990",
        "29/2/01",
    ],
)
def test_dates_that_cannot_exist_are_impossible(text: str) -> None:
    """A 31st of February or a 13th month is a typo to ask about, not a date to guess."""
    assert parse_date_of_birth(text, TODAY) == DateAnswer(None, DateProblem.IMPOSSIBLE)


@pytest.mark.parametrize("text", ["24/11/2026", "1/1/2027", "2030-01-01", "14 March 2052"])
def test_dates_after_today_are_future(text: str) -> None:
    assert parse_date_of_birth(text, TODAY) == DateAnswer(None, DateProblem.FUTURE)


def test_today_is_accepted_as_a_date_of_birth() -> None:
    """A baby born today is in the past for our purposes; only later dates are refused."""
    assert parse_date_of_birth("23/11/2026", TODAY) == DateAnswer(TODAY, None)


@pytest.mark.parametrize("text", ["22/11/1906", "1/1/1900", "14 March 1852", "0952-03-14"])
def test_dates_more_than_120_years_ago_are_too_old(text: str) -> None:
    assert parse_date_of_birth(text, TODAY) == DateAnswer(None, DateProblem.TOO_OLD)


def test_exactly_120_years_ago_is_still_accepted() -> None:
    assert parse_date_of_birth("23/11/1906", TODAY) == DateAnswer(date(1906, 11, 23), None)


def test_problems_are_plain_strings_for_storage_and_logs() -> None:
    assert [p.value for p in DateProblem] == ["unreadable", "impossible", "future", "too_old"]
