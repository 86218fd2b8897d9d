"""Reminder wording tested: a service's variants checked at start-up, and the figures'
verdict on generated cohorts with a known effect, a known lack of one, and too few sessions."""

from __future__ import annotations

import random

import pytest

from flows.variants import ReminderVariant, assign, read
from storage.reports.variants import MIN_SESSIONS, compare

COST = (
    "{service}: a reminder of your session with {worker} on {when} at {location}. A missed "
    "session is a place someone else could have had. If you can't make it, reply NO."
)


def test_variants_are_read_with_the_standard_wording_as_null() -> None:
    got = read([{"name": "standard", "text": None}, {"name": "cost", "text": COST}])
    assert got == (ReminderVariant("standard"), ReminderVariant("cost", COST))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ([{"name": "only", "text": None}], "a list of 2 to 6"),
        ({"name": "x"}, "a list of 2 to 6"),
        ([{"name": "a"}, {"name": "a"}], "used twice"),
        ([{"name": "A B"}, {"name": "b"}], "a name of lower-case"),
        ([{"name": "a"}, {"name": "b", "text": "Come on {day}"}], "unknown placeholder {day}"),
        ([{"name": "a"}, {"name": "b", "text": "See you soon"}], "must say {when}"),
        ([{"name": "a"}, {"name": "b", "text": "See you {when"}], "without its pair"),
        ([{"name": "a"}, {"name": "b", "text": "See you {when} \u2019"}], "GSM-7"),
        ([{"name": "a"}, {"name": "b", "text": "{when} " + "x" * 300}], "too long"),
    ],
)
def test_a_variant_that_cannot_be_sent_is_refused_naming_the_problem(
    raw: object, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem.replace("{", r"\{").replace("}", r"\}")):
        read(raw)


def test_bookings_are_given_each_variant_about_equally() -> None:
    variants = read([{"name": "standard", "text": None}, {"name": "cost", "text": COST}])
    given = [assign(variants, random.Random(n)) for n in range(1000)]
    assert 400 < given.count("cost") < 600
    assert assign((), random.Random(1)) is None


def _cohort(seed: int, rates: dict[str, float], n: int) -> list[tuple[str, int, int, int, int]]:
    """``n`` sessions per wording with a true did-not-attend rate each; about 80% confirmed."""
    chance = random.Random(seed)
    counts = []
    for name, rate in rates.items():
        missed = sum(chance.random() < rate for _ in range(n))
        confirmed = sum(chance.random() < 0.8 for _ in range(n))
        counts.append((name, n, confirmed, n - missed, missed))
    return counts


def test_a_known_effect_is_found_and_each_interval_holds_its_true_rate() -> None:
    """400 sessions each at true DNA rates of 23% (standard) and 12% (naming the cost)."""
    figures = compare(_cohort(21, {"cost": 0.12, "standard": 0.23}, 400))
    for name, true_rate in (("cost", 0.12), ("standard", 0.23)):
        low, high = figures["variants"][name]["dna_rate_ci"]
        assert low < true_rate < high
        assert figures["variants"][name]["sessions"] == 400
    assert figures["p_value"] < 0.05
    assert figures["verdict"].startswith("cost has the lowest did-not-attend rate")


def test_no_effect_gives_no_clear_difference() -> None:
    figures = compare(_cohort(5, {"cost": 0.2, "name": 0.2, "standard": 0.2}, 300))
    assert figures["p_value"] > 0.05
    assert figures["verdict"].startswith("No clear difference yet")


def test_too_few_sessions_says_so_in_plain_words() -> None:
    figures = compare(_cohort(3, {"cost": 0.1, "standard": 0.3}, MIN_SESSIONS - 1))
    assert figures["p_value"] is None
    assert figures["verdict"].startswith("Not enough sessions yet to tell")
    assert figures["verdict"].endswith("(cost and standard have fewer).")
    assert figures["variants"]["cost"]["dna_rate_ci"] is not None  # the rates still show
    assert compare([])["verdict"].startswith("Not enough sessions yet to tell")
