"""What a person would like help with, from menu numbers and their own words (flows/needs.py)."""

from __future__ import annotations

import pytest

from flows.gsm import is_gsm7
from flows.needs import NEED_BY_CODE, NEEDS, NeedsAnswer, need_codes_from_words, parse_needs

MENU = [
    (1, "loneliness", "loneliness or isolation"),
    (2, "low_mood", "low mood, anxiety or stress"),
    (3, "money", "money, benefits or debt"),
    (4, "housing", "housing"),
    (5, "caring", "caring for someone"),
    (6, "bereavement", "bereavement"),
    (7, "getting_active", "getting active"),
    (8, "alcohol_drugs", "alcohol or drugs"),
    (9, "work", "work"),
    (10, "volunteering_learning", "volunteering or learning"),
    (11, "transport", "getting out and about or transport"),
    (12, "other", "something else"),
]


def test_the_needs_list_is_numbered_in_the_service_order() -> None:
    assert [(n.number, n.code, n.label) for n in NEEDS] == MENU


def test_needs_can_be_looked_up_by_code() -> None:
    assert list(NEED_BY_CODE) == [code for _, code, _ in MENU]
    assert all(NEED_BY_CODE[n.code] is n for n in NEEDS)


def test_short_names_fit_a_numbered_sms_menu() -> None:
    """One or two words each, all GSM-7, so the menu stays cheap and readable on any phone."""
    for need in NEEDS:
        assert need.short
        assert is_gsm7(need.short)
        assert len(need.short.split()) <= 2
        assert len(need.short) <= 14
    assert len({n.short for n in NEEDS}) == len(NEEDS)


def test_labels_are_lower_case_for_a_read_back_summary() -> None:
    assert all(n.label == n.label.lower() for n in NEEDS)


def test_every_need_has_its_own_keywords() -> None:
    """A keyword that belonged to two needs would silently pick one of them."""
    seen: dict[str, str] = {}
    for need in NEEDS:
        assert need.keywords
        for keyword in need.keywords:
            assert keyword == keyword.lower().strip()
            assert seen.setdefault(keyword, need.code) == need.code


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("1", ("loneliness",)),
        ("1 3", ("loneliness", "money")),
        ("1,3", ("loneliness", "money")),
        ("1, 3", ("loneliness", "money")),
        ("1 and 3", ("loneliness", "money")),
        ("1&3", ("loneliness", "money")),
        ("1 & 3", ("loneliness", "money")),
        ("1, 3 and 12", ("loneliness", "money", "other")),
        ("one and three", ("loneliness", "money")),
        ("One, Three", ("loneliness", "money")),
        ("3.", ("money",)),
        ("3 please", ("money",)),
        ("2 and 4 thanks", ("low_mood", "housing")),
        ("number 4", ("housing",)),
        ("options 2 and 5", ("low_mood", "caring")),
        ("3 1", ("loneliness", "money")),
        ("3 3 3", ("money",)),
        ("10 11", ("volunteering_learning", "transport")),
        ("1 15", ("loneliness",)),
        ("0 and 6", ("bereavement",)),
        ("12", ("other",)),
    ],
)
def test_menu_numbers_give_their_needs_in_menu_order_with_no_own_words(
    text: str, codes: tuple[str, ...]
) -> None:
    """Numbers alone are choices; out-of-range ones are dropped and "thanks" is not words."""
    assert parse_needs(text) == NeedsAnswer(codes, None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("lonely", "loneliness"),
        ("lonley", "loneliness"),
        ("isolated", "loneliness"),
        ("I'm on my own all day", "loneliness"),
        ("no friends", "loneliness"),
        ("I have no one to talk to", "loneliness"),
        ("anxious", "low_mood"),
        ("anxiety", "low_mood"),
        ("depressed", "low_mood"),
        ("depresed", "low_mood"),
        ("stressed", "low_mood"),
        ("Feeling really low", "low_mood"),
        ("I cant get out of bed", "low_mood"),
        ("struggling with money", "money"),
        ("debts", "money"),
        ("benifits", "money"),
        ("universal credit", "money"),
        ("bills", "money"),
        ("I can't afford the gas", "money"),
        ("my landlord", "housing"),
        ("rent", "housing"),
        ("I've been evicted", "housing"),
        ("damp", "housing"),
        ("homeless", "housing"),
        ("I care for my mum", "caring"),
        ("carer", "caring"),
        ("looking after my husband", "caring"),
        ("my husband died", "bereavement"),
        ("my mum passed away", "bereavement"),
        ("grief", "bereavement"),
        ("lost my wife last year", "bereavement"),
        ("exercise", "getting_active"),
        ("walking", "getting_active"),
        ("I want to lose weight", "getting_active"),
        ("drinking too much", "alcohol_drugs"),
        ("drugs", "alcohol_drugs"),
        ("job", "work"),
        ("unemployed", "work"),
        ("I lost my job", "work"),
        ("volunteer", "volunteering_learning"),
        ("college", "volunteering_learning"),
        ("a course", "volunteering_learning"),
        ("bus", "transport"),
        ("I cant get out", "transport"),
        ("transport", "transport"),
        ("LONELY", "loneliness"),
        ("Anxiety!!", "low_mood"),
        ("something else", "other"),
    ],
)
def test_words_and_typos_people_use_find_the_need(text: str, code: str) -> None:
    """The person's own text is kept alongside, for the link worker to read."""
    assert parse_needs(text) == NeedsAnswer((code,), text.strip())


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("1 and my landlord", ("loneliness", "housing")),
        ("lonely and skint", ("loneliness", "money")),
        ("worried about my debts", ("low_mood", "money")),
        ("my wife died and I'm on my own now", ("loneliness", "bereavement")),
        ("3 and the bus", ("money", "transport")),
        ("housing, 2", ("low_mood", "housing")),
        ("Hi, I'm lonely", ("loneliness",)),
        ("not lonely just skint", ("money",)),
    ],
)
def test_numbers_and_words_together_are_all_kept(text: str, codes: tuple[str, ...]) -> None:
    assert parse_needs(text) == NeedsAnswer(codes, text)


def test_unrecognised_words_with_a_menu_number_keep_the_number_and_the_words() -> None:
    """The code other is only for when nothing else was chosen; the words still reach the worker."""
    text = "1 and something about my cat"
    assert parse_needs(text) == NeedsAnswer(("loneliness",), text)


def test_own_words_are_the_text_stripped() -> None:
    assert parse_needs("  my landlord  \n") == NeedsAnswer(("housing",), "my landlord")


@pytest.mark.parametrize(
    "text",
    [
        "I'm fine",
        "I was told to text",
        "I run a business",
        "my parents",
        "I have 2 kids",
        "my son is 7",
        "I'm 72",
        "lovely",
        "I keep waking up",
        "my boiler doesn't work",
        "it's complicated",
        "not lonely",
        "my friend said you could help",
    ],
)
def test_words_that_name_no_need_are_other_with_their_own_words(text: str) -> None:
    """Nothing is invented: no money from "fine", no transport from "text", no housing in
    "parents", no bus in "business", and numbers inside a sentence are not menu choices."""
    assert parse_needs(text) == NeedsAnswer(("other",), text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("lonly", "loneliness"),
        ("lonelyness", "loneliness"),
        ("anxeity", "low_mood"),
        ("depresion", "low_mood"),
        ("stresed", "low_mood"),
        ("benifits", "money"),
        ("lanlord", "housing"),
        ("homless", "housing"),
        ("accomodation", "housing"),
        ("greif", "bereavement"),
        ("bereavment", "bereavement"),
        ("excercise", "getting_active"),
        ("alchol", "alcohol_drugs"),
        ("unemploed", "work"),
        ("volunteeer", "volunteering_learning"),
        ("transprot", "transport"),
    ],
)
def test_one_slip_of_the_thumb_in_a_longer_keyword_still_matches(text: str, code: str) -> None:
    assert parse_needs(text) == NeedsAnswer((code,), text)


@pytest.mark.parametrize(
    "text",
    [
        "I feel hopeless",
        "I got dressed today",
        "I'm giving it a go",
        "there's a crack in my window",
        "my taxes",
        "who cares",
        "all sorts",
        "in addition",
        "my neighbour Mr Carter",
        "resting",
        "I'm a trans woman",
        "monkey",
    ],
)
def test_real_words_one_letter_from_a_keyword_are_not_typos_of_it(text: str) -> None:
    """Near words are not needs: "hopeless" is not "homeless", "dressed" not "depressed"."""
    assert parse_needs(text) == NeedsAnswer(("other",), text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?",
        "...",
        "!!!",
        "\U0001f600",
        "\U0001f44d\U0001f44d",
        "hi",
        "hello",
        "Hi there!",
        "good morning",
        "0",
        "15",
        "13 and 99",
        "yes",
        "ok",
        "thanks",
        "not sure",
    ],
)
def test_nothing_usable_is_none(text: str) -> None:
    """Empty, punctuation, emoji, greetings, out-of-range numbers: the bot asks again."""
    assert parse_needs(text) is None


@pytest.mark.parametrize(
    ("items", "codes", "unknown"),
    [
        (["money"], ["money"], []),
        (["3"], ["money"], []),
        (["debt advice"], ["money"], []),
        (["housing", "1"], ["loneliness", "housing"], []),
        (["Low_Mood", " 2 "], ["low_mood"], []),
        (["other"], ["other"], []),
        (["12"], ["other"], []),
        (["knitting circle"], ["other"], ["knitting circle"]),
        (["15"], ["other"], ["15"]),
        (["work", "0", "bus pass"], ["work", "transport", "other"], ["0"]),
        (["", "  "], [], []),
        ([], [], []),
        (["money", "money", "3"], ["money"], []),
    ],
)
def test_need_codes_from_words_for_the_api(
    items: list[str], codes: list[str], unknown: list[str]
) -> None:
    """Codes, menu numbers and words all work; unknown items are returned and count as other."""
    assert need_codes_from_words(items) == (codes, unknown)


def test_need_codes_from_words_takes_any_iterable() -> None:
    assert need_codes_from_words(iter(("bus", "lonely"))) == (["loneliness", "transport"], [])
