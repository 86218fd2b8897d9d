"""Matching what someone types to the service's GP practices (flows/practices.py)."""

from __future__ import annotations

import pytest

from flows.practices import PracticeInfo, PracticeMatch, is_not_sure, match_practice

PEMBERTON = PracticeInfo(1, "P92001", "Pemberton Surgery", "Pemberton")
BEECH_HILL = PracticeInfo(2, "P92002", "Beech Hill Medical Practice", "Beech Hill")
BEECHWOOD = PracticeInfo(3, "P92003", "Beechwood Surgery", "Orrell")
HINDLEY_HC = PracticeInfo(4, "P92004", "Hindley Health Centre", "Hindley")
HINDLEY_GREEN = PracticeInfo(5, "P92005", "Hindley Green Surgery", "Hindley Green")
MARSH_GREEN = PracticeInfo(6, "P92006", "Marsh Green Medical Centre", "Pemberton")
PATEL = PracticeInfo(7, "P92007", "Dr Patel & Partners", "Wigan")
FAMILY = PracticeInfo(8, "P92008", "The Family Practice", "Ince")
SHEVINGTON = PracticeInfo(9, "P92009", "Shevington Surgery", None)
ST_JAMES = PracticeInfo(10, "P92010", "St. James's Medical Centre", "Ashton")

PRACTICES = (
    PEMBERTON,
    BEECH_HILL,
    BEECHWOOD,
    HINDLEY_HC,
    HINDLEY_GREEN,
    MARSH_GREEN,
    PATEL,
    FAMILY,
    SHEVINGTON,
    ST_JAMES,
)


def chosen(practice: PracticeInfo) -> PracticeMatch:
    return PracticeMatch(practice, ())


@pytest.mark.parametrize(
    ("text", "practice"),
    [
        ("Pemberton Surgery", PEMBERTON),
        ("pemberton surgery", PEMBERTON),
        ("PEMBERTON", PEMBERTON),
        ("pemberton", PEMBERTON),
        ("Pemberton Surgery.", PEMBERTON),
        ("the pemberton surgery please", PEMBERTON),
        ("my gp is pemberton", PEMBERTON),
        ("its pemberton thanks", PEMBERTON),
        ("at Pemberton", PEMBERTON),
        ("pembertn surgery", PEMBERTON),
        ("Pemberton doctors", PEMBERTON),
        ("Pemberton drs", PEMBERTON),
        ("doctor's at pemberton", PEMBERTON),
        ("my family doctor is at pemberton", PEMBERTON),
        ("P92001", PEMBERTON),
        ("p92003", BEECHWOOD),
        ("Beech Hill Medical Practice", BEECH_HILL),
        ("beech hill", BEECH_HILL),
        ("beechhill", BEECH_HILL),
        ("beech hil", BEECH_HILL),
        ("I'm with the Beech Hill medical practice thanks", BEECH_HILL),
        ("beech hill medical pratice", BEECH_HILL),
        ("Beechwood", BEECHWOOD),
        ("beechwod", BEECHWOOD),
        ("beech wood surgery", BEECHWOOD),
        ("hindley green", HINDLEY_GREEN),
        ("Hindley Green Surgery", HINDLEY_GREEN),
        ("Hindley Health Centre", HINDLEY_HC),
        ("hindley health center", HINDLEY_HC),
        ("marsh green", MARSH_GREEN),
        ("Marsh Green Medical Centre", MARSH_GREEN),
        ("dr patel", PATEL),
        ("Dr Patel and partners", PATEL),
        ("patels", PATEL),
        ("the family practice", FAMILY),
        ("Family Practice", FAMILY),
        ("shevington", SHEVINGTON),
        ("shevingtn", SHEVINGTON),
        ("st james", ST_JAMES),
        ("St James's", ST_JAMES),
        ("saint james medical centre", ST_JAMES),
    ],
)
def test_a_practice_that_is_clearly_meant_is_chosen(text: str, practice: PracticeInfo) -> None:
    """Case, generic words, typos, partial names and extra words do not get in the way."""
    assert match_practice(text, PRACTICES) == chosen(practice)


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("hindley", (HINDLEY_HC, HINDLEY_GREEN)),
        ("Hindley surgery", (HINDLEY_HC, HINDLEY_GREEN)),
        ("hindly", (HINDLEY_HC, HINDLEY_GREEN)),
        ("green", (HINDLEY_GREEN, MARSH_GREEN)),
        ("beech", (BEECHWOOD, BEECH_HILL)),
    ],
)
def test_a_distinctive_word_shared_by_practices_gives_choices(
    text: str, choices: tuple[PracticeInfo, ...]
) -> None:
    """Typing "hindley" could mean either Hindley practice, so the person is asked which."""
    match = match_practice(text, PRACTICES)
    assert match.chosen is None
    assert set(match.choices) == set(choices)
    assert len(match.choices) == len(choices)


def test_choices_put_the_fullest_match_first() -> None:
    """All of Hindley Health Centre's own words were typed, only half of Hindley Green's."""
    assert match_practice("hindley", PRACTICES) == PracticeMatch(None, (HINDLEY_HC, HINDLEY_GREEN))


def test_choices_are_at_most_three() -> None:
    greens = [
        PracticeInfo(i, f"X{i:05d}", f"Green {name} Surgery", None)
        for i, name in enumerate(["Lane", "Park", "Road", "Street", "View"])
    ]
    match = match_practice("green", greens)
    assert match.chosen is None
    assert len(match.choices) == 3
    assert set(match.choices) <= set(greens)


@pytest.mark.parametrize("text", ["Wigan", "I live in Orrell", "ince"])
def test_an_area_alone_offers_the_practices_there_but_never_chooses(text: str) -> None:
    match = match_practice(text, PRACTICES)
    assert match.chosen is None
    assert len(match.choices) == 1
    assert match.choices[0].area is not None
    assert match.choices[0].area.lower() in text.lower()


def test_an_area_with_several_practices_offers_them_all() -> None:
    """Marsh Green is in Pemberton too, but "Pemberton" names Pemberton Surgery itself."""
    assert match_practice("pemberton", PRACTICES) == chosen(PEMBERTON)
    others = [PEMBERTON, MARSH_GREEN, PracticeInfo(11, "P92011", "Lamberhead Surgery", "Pemberton")]
    match = match_practice("I'm in Pemberton", others[1:])
    assert match == PracticeMatch(None, tuple(others[1:]))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "xyz",
        "London Road Surgery",
        "the surgery",
        "the medical centre",
        "my doctors",
        "Family",
        "12345",
        "P99999",
        "\U0001f600",
    ],
)
def test_nothing_close_gives_neither(text: str) -> None:
    """Generic words alone, unknown names and unknown codes choose nothing and offer nothing."""
    assert match_practice(text, PRACTICES) == PracticeMatch(None, ())


def test_no_practices_gives_neither() -> None:
    assert match_practice("Pemberton Surgery", ()) == PracticeMatch(None, ())


def test_a_practice_with_no_area_is_still_matched_by_name() -> None:
    assert match_practice("Shevington Surgery", [SHEVINGTON]) == chosen(SHEVINGTON)


@pytest.mark.parametrize(
    "text",
    [
        "not sure",
        "Not sure",
        "dont know",
        "don't know",
        "don\u2019t know",
        "I don't know",
        "no idea",
        "No idea sorry",
        "unsure",
        "idk",
        "dunno",
        "not sure which",
        "Not sure which one",
        "can't remember",
        "cant remember the name",
        "I'm not sure which surgery, sorry",
        "?",
        "??",
        " ? ",
    ],
)
def test_not_sure_answers_are_recognised(text: str) -> None:
    assert is_not_sure(text)


@pytest.mark.parametrize(
    "text",
    [
        "Pemberton Surgery",
        "pemberton",
        "beech hill",
        "P92001",
        "not sure, pemberton maybe",
        "I think it's Hindley but not sure",
        "",
        "yes",
        "sure",
        "Pemberton?",
    ],
)
def test_practice_names_and_other_answers_are_not_not_sure(text: str) -> None:
    """A name said with doubt is still a name to try, so it is not "not sure"."""
    assert not is_not_sure(text)
