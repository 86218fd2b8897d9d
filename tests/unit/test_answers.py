"""Small answer readers: yes/no, greetings, back/restart, names, numbers, phones, contact."""

from __future__ import annotations

import pytest

from flows.answers import (
    Command,
    choice_number,
    clean_name,
    command,
    first_name,
    is_greeting,
    yes_no,
)
from flows.contact import ContactMethod, ContactPreference, contact_preference
from flows.phones import uk_mobile as parse_mobile

# --- yes_no -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes",
        "YES",
        "Yes!",
        "yes.",
        " yes ",
        "y",
        "Y",
        "yeah",
        "Yeah!!",
        "yep",
        "yup",
        "yes please",
        "YES PLEASE",
        "Yes please!",
        "ok",
        "OK.",
        "okay",
        "sure",
        "go on",
        "go on then",
        "please",
        "that's fine",
        "thats fine",
        "that\u2019s fine",
        "correct",
        "yes thats right",
        "Yes that's correct",
        "yes thanks",
        "yes thank you x",
        "\U0001f44d",
        "\U0001f44d\U0001f3fb",
        "yes \U0001f60a",
        "aye",
        "of course",
    ],
)
def test_yes_answers_are_true(text: str) -> None:
    assert yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "No",
        "NO!",
        "no.",
        "n",
        "N",
        "nope",
        "nah",
        "no thanks",
        "No thank you",
        "no thank you.",
        "not now",
        "not really",
        "dont",
        "don't",
        "no ta",
        "\U0001f44e",
    ],
)
def test_no_answers_are_false(text: str) -> None:
    assert yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?",
        "maybe",
        "not sure",
        "I don't know",
        "yes and no",
        "no please",
        "yes but not now",
        "what is this",
        "hello",
        "stop",
        "yesterday",
        "nobody",
        "\U0001f600",
        "2",
    ],
)
def test_anything_else_or_a_mix_is_none(text: str) -> None:
    """A mixed or unclear answer is asked again rather than read as consent or refusal."""
    assert yes_no(text) is None


# --- is_greeting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hi",
        "Hi!",
        "HELLO",
        "hello.",
        "hiya",
        "hey",
        "heyyy",
        "hiii",
        "morning",
        "Good morning",
        "good afternoon!",
        "Good evening",
        "alright",
        "hi there",
        "Hello there :)",
        "hi again",
        "Hi, how are you?",
        "hello x",
        "hi all",
        "Hellooo",
        "hiya!!",
    ],
)
def test_greetings_are_recognised_as_the_whole_message(text: str) -> None:
    assert is_greeting(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "?",
        "hi I need some help with money",
        "hello my name is Jean",
        "this",
        "high",
        "yes",
        "there",
        "good",
        "which",
        "shirley",
    ],
)
def test_messages_with_more_than_a_greeting_are_not_greetings(text: str) -> None:
    assert not is_greeting(text)


# --- command -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["back", "Back", "BACK.", "go back", "Go back please", "previous", "undo", "can I go back"],
)
def test_back_commands(text: str) -> None:
    assert command(text) is Command.BACK


@pytest.mark.parametrize(
    "text",
    [
        "start again",
        "Start again please",
        "restart",
        "RESTART",
        "start over",
        "begin again",
        "start from the beginning",
        "Can I start again?",
        "let me start again",
    ],
)
def test_restart_commands(text: str) -> None:
    assert command(text) is Command.RESTART


@pytest.mark.parametrize(
    "text",
    [
        "start",
        "START",
        "stop",
        "STOP",
        "",
        "back pain",
        "my back hurts",
        "back to work",
        "I want to start volunteering",
        "go",
        "yes",
    ],
)
def test_other_messages_are_not_commands(text: str) -> None:
    """START and STOP alone belong to the opt-in and opt-out keywords, not to these commands."""
    assert command(text) is None


def test_commands_are_plain_strings() -> None:
    assert [c.value for c in Command] == ["back", "restart"]


# --- clean_name ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mary", "Mary"),
        ("mary", "Mary"),
        ("MARY", "Mary"),
        ("  Mary  ", "Mary"),
        ("Mary.", "Mary"),
        ("Mary!", "Mary"),
        ("mary o'brien", "Mary O'Brien"),
        ("mary o\u2019brien", "Mary O'Brien"),
        ("JEAN SMITH", "Jean Smith"),
        ("mcdonald", "McDonald"),
        ("john mcdonald", "John McDonald"),
        ("mary-ann smith-jones", "Mary-Ann Smith-Jones"),
        ("d'arcy", "D'Arcy"),
        ("DeShawn Smith", "DeShawn Smith"),
        ("mary Smith", "mary Smith"),
        ("José", "José"),
        ("my name is mary", "Mary"),
        ("My name is Jean Smith", "Jean Smith"),
        ("name is john", "John"),
        ("i'm mary", "Mary"),
        ("Im Mary", "Mary"),
        ("I am Mary", "Mary"),
        ("it's Jean", "Jean"),
        ("its jean", "Jean"),
        ("call me Bob", "Bob"),
        ("this is Mary", "Mary"),
        ("Mary thanks", "Mary"),
        ("Mary, thank you", "Mary"),
        ("Jean Smith thanks x", "Jean Smith"),
        ("Jean - thanks", "Jean"),
        ('"Mary"', "Mary"),
        ("St. John", "St. John"),
        ("my names jean", "Jean"),
        ("Hi, I'm Mary", "Mary"),
        ("hello my name is Jean", "Jean"),
        ("Good morning, it's Jean", "Jean"),
        ("Ima Jones", "Ima Jones"),
        ("Isabel", "Isabel"),
        ("Mary Anne Louise Smith Jones", "Mary Anne Louise Smith Jones"),
    ],
)
def test_names_are_found_and_tidied(text: str, name: str) -> None:
    assert clean_name(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "...",
        "\U0001f600",
        "hi",
        "Hello!",
        "good morning",
        "yes",
        "no",
        "ok",
        "Mary 2",
        "12345",
        "my name is 07700900123",
        "a b c d e f",
        "Mary Anne Louise Smith Jones Brown",
        "x" * 81,
        "why do you need my name?",
        "Mary?",
        "not telling",
        "I'd rather not say",
        "mary@example.com",
        "thanks",
        "my name is",
        "hi it's me",
        "me",
    ],
)
def test_things_that_are_not_names_are_none(text: str) -> None:
    """Greetings, yes/no, digits, long messages and questions are never taken as a name."""
    assert clean_name(text) is None


def test_an_80_character_name_is_allowed_but_81_is_not() -> None:
    long_word = "A" + "a" * 79
    assert clean_name(long_word) == long_word
    assert clean_name(long_word + "a") is None


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Mary", "Mary"),
        ("Mary O'Brien", "Mary"),
        ("Mary-Ann Smith", "Mary-Ann"),
        ("  Jean   Smith ", "Jean"),
        ("Mrs Jean Smith", "Jean"),
        ("Dr. Ahmed Khan", "Ahmed"),
        ("Mrs Smith", "Mrs Smith"),
        ("", ""),
    ],
)
def test_first_name(name: str, first: str) -> None:
    assert first_name(name) == first


# --- choice_number -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2",
        " 2 ",
        "2.",
        "2!",
        "number 2",
        "Number 2",
        "option 2",
        "two",
        "Two",
        "no 2",
        "No. 2",
        "#2",
        "2 please",
        "the 2nd one",
        "second",
        "option two please",
    ],
)
def test_choice_numbers_in_range_are_read(text: str) -> None:
    assert choice_number(text, 3) == 2


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("0", 3),
        ("4", 3),
        ("3", 2),
        ("2 or 3", 3),
        ("23", 3),
        ("no", 3),
        ("number", 3),
        ("", 3),
        ("two and three", 3),
        ("I have 2 kids", 3),
        ("1", 0),
        ("1.5", 3),
    ],
)
def test_choice_numbers_out_of_range_or_unclear_are_none(text: str, count: int) -> None:
    assert choice_number(text, count) is None


def test_choice_number_allows_the_last_option() -> None:
    assert choice_number("12", 12) == 12
    assert choice_number("twelve", 12) == 12
    assert choice_number("1", 1) == 1


# --- parse_mobile --------------------------------------------------------------------------

DRAMA = "+447700900123"


@pytest.mark.parametrize(
    "text",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "447700900123",
        "0044 7700 900 123",
        "her number is 07700-900-123",
        "(07700) 900 123",
        "my mobile: 07700 900123 thanks",
        "+44 (0)7700 900123",
    ],
)
def test_uk_mobiles_in_the_drama_range_become_e164(text: str) -> None:
    """Ofcom's 07700 900xxx range is for fiction and tests; phonenumbers calls it invalid,
    so the module's fallback rule must accept it."""
    assert parse_mobile(text) == DRAMA


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07911 123456", "+447911123456"),
        ("07400 123456", "+447400123456"),
        ("07624 123456", "+447624123456"),
    ],
)
def test_real_mobile_ranges_are_accepted(text: str, expected: str) -> None:
    assert parse_mobile(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no",
        "01942 123456",
        "0161 496 0000",
        "020 7946 0000",
        "0800 123 4567",
        "07000 123456",
        "0761 123 4567",
        "0770090012",
        "077009001234",
        "7700900123",
        "+1 202 555 0143",
        "+33 6 12 34 56 78",
        "07700 900123 or 07700 900456",
        "14/03/1952",
    ],
)
def test_landlines_wrong_lengths_foreign_and_several_numbers_are_none(text: str) -> None:
    assert parse_mobile(text) is None


def test_the_same_number_twice_is_still_one_number() -> None:
    assert parse_mobile("07700 900123, yes 07700900123") == DRAMA


# --- contact_preference --------------------------------------------------------------------

MESSAGE, CALL, EITHER = ContactMethod.MESSAGE, ContactMethod.CALL, ContactMethod.EITHER


@pytest.mark.parametrize(
    ("text", "method", "when"),
    [
        ("1", MESSAGE, None),
        ("2", CALL, None),
        ("3", EITHER, None),
        ("2.", CALL, None),
        ("2 mornings", CALL, "mornings"),
        ("2. Mornings please", CALL, "mornings"),
        ("1 - weekends", MESSAGE, "weekends"),
        ("3 weekdays after 10", EITHER, "weekdays after 10"),
        ("3 any time", EITHER, "any time"),
        ("text", MESSAGE, None),
        ("Text please", MESSAGE, None),
        ("txt me", MESSAGE, None),
        ("a message", MESSAGE, None),
        ("SMS", MESSAGE, None),
        ("chat", MESSAGE, None),
        ("text please, evenings", MESSAGE, "evenings"),
        ("whatsapp me weekends", MESSAGE, "weekends"),
        ("text me on my phone", MESSAGE, None),
        ("call", CALL, None),
        ("call me after 2pm", CALL, "after 2pm"),
        ("ring me in the afternoon please", CALL, "afternoons"),
        ("phone me", CALL, None),
        ("Phone call in the morning", CALL, "mornings"),
        ("call me any time", CALL, "any time"),
        ("call, dont mind when", CALL, "any time"),
        ("I dont mind a call", CALL, None),
        ("either, any time", EITHER, "any time"),
        ("either", EITHER, None),
        ("both", EITHER, None),
        ("any", EITHER, None),
        ("dont mind", EITHER, None),
        ("whatever", EITHER, None),
        ("text or call", EITHER, None),
        ("text only, dont call", MESSAGE, None),
        ("please don't ring, text is best", MESSAGE, None),
        ("no calls please, text me in the evenings", MESSAGE, "evenings"),
        ("call me on Tuesdays or Thursdays", CALL, "Tuesdays or Thursdays"),
    ],
)
def test_contact_preference(text: str, method: ContactMethod, when: str | None) -> None:
    assert contact_preference(text) == ContactPreference(method, when)


def test_own_words_for_when_are_kept_to_60_characters() -> None:
    text = "call me " + "on a day when the sun is shining and the birds are singing outside"
    answer = contact_preference(text)
    assert answer is not None
    assert answer.method is CALL
    assert answer.when is not None
    assert 0 < len(answer.when) <= 60
    assert answer.when.startswith("day when the sun is shining")
    assert answer.when.endswith("singing")  # cut at a word, never inside one


@pytest.mark.parametrize(
    "text",
    ["", "hello", "mornings", "2pm", "10am", "1:30", "3.30pm", "after 5", "dont call me", "4", "?"],
)
def test_no_way_of_contact_is_none(text: str) -> None:
    """A time alone, a number that is a time, or only a refusal gives no method: ask again."""
    assert contact_preference(text) is None


def test_contact_methods_are_plain_strings() -> None:
    assert [m.value for m in ContactMethod] == ["message", "call", "either"]
