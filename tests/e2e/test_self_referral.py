"""Self-referral conversations, end to end over every channel, awkward paths included.

The wording and steps are also played step by step in tests/unit/test_self_referral_dialog.py,
so each test here runs on the channels and databases that carry it differently
(tests/support/dialog.py): the whole conversation ``EVERYWHERE``, what the engine does around
it (STOP, timers, cases, a link worker's reply) ``AROUND``, and the other dialogs ``WORDING``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.actions.timers import fire_due
from flows import texts
from flows.model import Role
from tests.conftest import Bot
from tests.support.dialog import AROUND, EVERYWHERE, WORDING, Phone, converse, on, phone

NUMBER = "+447700900123"


async def _bot(make_bot: Any, channel: str = "sms") -> Bot:
    mode = channel.split("-")[1] if channel.startswith("telegram") else None
    bot: Bot = await make_bot(LINKBOT_SIMULATOR="on", telegram=mode)
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Hindley Health Centre")
    await bot.add_practice("P92003", "Hindley Green Surgery")
    await bot.add_practice("P92004", "Beech Hill Medical Practice")
    return bot


async def _to_name(person: Phone) -> None:
    await converse(
        person, [("Hello", ["Reply 1"]), ("1", ["YES or NO"]), ("yes", ["What is your name"])]
    )


async def _only_case(bot: Bot, token: str) -> dict[str, Any]:
    status, cases = await bot.api("GET", "/api/v1/cases?status=open", token)
    assert status == 200
    [case] = cases["items"]
    return dict(case)


@on(EVERYWHERE)
async def test_a_self_referral_from_hello_to_reference(make_bot: Any, channel: str) -> None:
    """The whole conversation: consent, details, read-back, reference; then a case routed to
    the practice, with the referral and its source, through the API."""
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await converse(
        person,
        [
            ("Hello", ["Reply 1 to get help"]),
            ("1", ["only our link workers see your answers", "YES or NO"]),
            ("yes", ["What is your name"]),
            ("mary o'brien", ["Thanks, Mary", "date of birth"]),
            ("14/3/52", ["Which GP practice"]),
            ("pemberton", ["What would you like help with", "1 Lonely"]),
            ("1 3", ["anything else"]),
            ("I find it hard to leave the house", ["How should the link worker contact you"]),
        ],
    )
    summary = await person.say("2 mornings")
    if channel.startswith("telegram"):  # no phone number known yet: asked for one
        assert "What number should the link worker call" in summary[0]
        summary = await person.say("07700 900123")
    assert len(summary) == 1
    for detail in (
        "Mary O'Brien",
        "14/03/1952",
        "Pemberton Surgery",
        "loneliness or isolation",
        "money, benefits or debt",
        "hard to leave the house",
        "a phone call, mornings",
    ):
        assert detail in summary[0], detail
    [done] = await person.say("yes")
    reference = re.search(r"reference (LB-[A-Z0-9]{6})", done)
    assert reference and "Thank you, Mary" in done and "2 working days" in done
    # What they told us is not repeated once the conversation is over.
    assert "lonel" not in done.lower() and "money" not in done.lower()

    worker = await bot.staff_token(Role.LINK_WORKER, ["P92001"])
    other = await bot.staff_token(Role.LINK_WORKER, ["P92004"])
    case = await _only_case(bot, worker)
    assert case["reason"] == "referral" and case["priority"] == "normal"
    assert case["referral"]["source"] == "self"
    assert case["referral"]["reference"] == reference[1]
    _, hidden = await bot.api("GET", "/api/v1/cases", other)
    assert hidden["items"] == []  # routed to Pemberton, not shared with other practices
    status, client = await bot.api("GET", f"/api/v1/clients/{case['client_id']}", worker)
    assert status == 200
    assert client["name"] == "Mary O'Brien" and client["date_of_birth"] == "1952-03-14"
    assert client["practice"] == "P92001"
    [referral] = client["referrals"]
    assert referral["status"] == "submitted" and referral["source"] == "self"
    assert referral["needs"] == ["loneliness", "money"]
    assert referral["notes"] == "I find it hard to leave the house"
    assert referral["contact"] == {"method": "call", "times": "mornings"}
    assert referral["case_id"] == case["id"]


@on(WORDING)
async def test_typos_capitals_and_extra_words_are_understood(make_bot: Any, channel: str) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await converse(
        person,
        [
            ("hi there", ["Reply 1"]),
            ("For me please", ["YES or NO"]),
            ("YES PLEASE", ["What is your name"]),
            ("my name is JEAN SMITH thanks", ["Thanks, Jean"]),
            ("born on the 14th of March 1952", ["Which GP practice"]),
            ("im with the pembertn surgery", ["What would you like help with"]),
            ("lonley and my landlord wont fix the damp", ["anything else"]),
            ("no thats all", ["How should"]),
            ("text me in the evenings please", ["Please check"]),
        ],
    )
    summary = (await person.inbox())[-1]
    assert "Jean Smith" in summary and "Pemberton Surgery" in summary
    assert "loneliness or isolation, housing" in summary
    assert "Notes: none" in summary and "a message, evenings" in summary


@on(WORDING)
async def test_back_and_start_again(make_bot: Any, channel: str) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann", ["Thanks, Ann", "date of birth"]),
            ("back", ["What is your name"]),
            ("Anne Jones", ["Thanks, Anne"]),
            ("1/2/1960", ["Which GP"]),
            ("go back", ["date of birth"]),
            ("2/1/1960", ["Which GP"]),
            ("start again", ["start again", "What is your name"]),
            ("Bea", ["Thanks, Bea"]),
        ],
    )


@on(WORDING)
async def test_impossible_future_and_unreadable_dates_are_refused_kindly(
    make_bot: Any, channel: str
) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann", ["date of birth"]),
            ("31/2/1990", ["doesn't exist", "14/3/1952"]),
            ("1/1/2030", ["in the future"]),
            ("March 1952", ["couldn't read that date"]),
            ("1952-03-14", ["Which GP"]),
        ],
    )


@on(WORDING)
async def test_practice_not_sure_a_choice_and_an_unknown_name(make_bot: Any, channel: str) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann", ["date of birth"]),
            ("14/3/52", ["Which GP"]),
            (
                "hindley",
                ["Which one do you mean", "Hindley Health Centre", "Hindley Green Surgery"],
            ),
            ("2", ["What would you like help with"]),
            ("back", ["Which GP"]),
            ("Riverside", ["couldn't find that practice", "NOT SURE"]),
            ("Riverside medical", ["What would you like help with"]),
            ("back", ["Which GP"]),
            ("not sure", ["What would you like help with"]),
            ("4", ["anything else"]),
            ("no", ["How should"]),
            ("1", ["Please check", "GP: not sure"]),
        ],
    )


@on(WORDING)
async def test_the_summary_can_be_corrected_before_sending(make_bot: Any, channel: str) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann Lee", []),
            ("14/3/52", []),
            ("Pemberton", []),
            ("money", []),
            ("no", []),
            ("1 afternoons", ["Please check", "Pemberton Surgery", "a message, afternoons"]),
            ("3", ["Which GP"]),
            ("Beech Hill", ["Please check", "Beech Hill Medical Practice"]),
            ("change my birth date", ["date of birth"]),
            ("15/3/1952", ["Please check", "15/03/1952"]),
            ("hmm", ["Reply YES to send"]),
            ("yes", ["reference LB-"]),
        ],
    )
    token = await bot.staff_token()
    case = await _only_case(bot, token)
    _, client = await bot.api("GET", f"/api/v1/clients/{case['client_id']}", token)
    assert client["practice"] == "P92004" and client["date_of_birth"] == "1952-03-15"


@on(AROUND)
async def test_stop_mid_way_wins_and_start_resumes_where_it_stopped(
    make_bot: Any, channel: str
) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(person, [("Ann", ["date of birth"])])
    assert await person.say("stop") == [texts.opted_out(bot.services.settings.service)]
    assert await person.say("14/3/52") == []  # nothing at all is sent after STOP
    bot.clock.advance(timedelta(days=8))
    await fire_due(bot.services)
    assert await person.say("START") == [texts.opted_in(bot.services.settings.service)]
    await converse(person, [("1952-03-14", ["Which GP"])])


@on(AROUND)
async def test_silence_gets_one_nudge_then_an_incomplete_referral_for_staff(
    make_bot: Any, channel: str
) -> None:
    """Three days' silence: one gentle nudge; four more: kept for staff; they can still finish."""
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    token = await bot.staff_token()
    await _to_name(person)
    await converse(
        person,
        [("Ann", ["date of birth"]), ("14/3/52", ["Which GP"]), ("Pemberton", ["help with"])],
    )
    sent = len(await person.inbox())
    bot.clock.advance(timedelta(days=2, hours=23))
    await fire_due(bot.services)
    assert len(await person.inbox()) == sent
    bot.clock.advance(timedelta(hours=2))
    await fire_due(bot.services)
    [nudge] = (await person.inbox())[sent:]
    assert nudge == texts.SR_NUDGE.format(service=bot.services.settings.service_name)
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"] == []

    bot.clock.advance(timedelta(days=4, hours=1))
    await fire_due(bot.services)
    assert len(await person.inbox()) == sent + 1  # one nudge only
    case = await _only_case(bot, token)
    assert case["reason"] == "incomplete_referral" and case["referral"]["source"] == "self"
    _, client = await bot.api("GET", f"/api/v1/clients/{case['client_id']}", token)
    assert client["referrals"][0]["status"] == "incomplete"
    assert client["referrals"][0]["practice"] == "P92001"

    bot.clock.advance(timedelta(days=30))
    await fire_due(bot.services)
    assert len(await person.inbox()) == sent + 1
    # Weeks later they come back: a greeting gets "welcome back" and the question again.
    await converse(
        person,
        [
            ("hello", ["Welcome back", "What would you like help with"]),
            ("5", ["anything else"]),
            ("no", []),
            ("1", ["Please check"]),
            ("yes", ["reference"]),
        ],
    )
    case = await _only_case(bot, token)
    assert case["reason"] == "referral"
    _, client = await bot.api("GET", f"/api/v1/clients/{case['client_id']}", token)
    assert client["referrals"][0]["status"] == "submitted"


@on(AROUND)
async def test_talk_mid_way_hands_over_and_keeps_what_was_said(make_bot: Any, channel: str) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    token = await bot.staff_token()
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann Lee", []),
            ("14/3/52", []),
            ("can I talk to a real person", ["link worker will reply"]),
        ],
    )
    assert await person.say("I am worried about my rent") == []  # joins the case, no robot
    case = await _only_case(bot, token)
    assert case["reason"] == "talk" and case["referral"]["source"] == "self"
    _, detail = await bot.api("GET", f"/api/v1/cases/{case['id']}", token)
    assert detail["messages"][-1]["text"] == "I am worried about my rent"
    assert detail["client"]["referrals"][0]["status"] == "incomplete"


@on(AROUND)
async def test_declining_consent_takes_no_details(make_bot: Any, channel: str) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    token = await bot.staff_token()
    await converse(
        person, [("Hello", []), ("1", ["YES or NO"]), ("no thanks", ["won't ask for any details"])]
    )
    query = (
        f"telegram_chat_id={person.number}"
        if channel.startswith("telegram")
        else f"phone=%2B{NUMBER[1:]}"
    )
    status, found = await bot.api("GET", f"/api/v1/clients?{query}", token)
    assert status == 200 and found["items"][0]["referrals"] == []


@on(AROUND)
async def test_crisis_mid_way_gets_contacts_and_the_referral_carries_on(
    make_bot: Any, channel: str
) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    token = await bot.staff_token()
    await _to_name(person)
    await converse(person, [("Ann Lee", []), ("14/3/52", ["Which GP"])])
    [crisis] = await person.say("honestly i dont want to be here anymore")
    assert crisis == texts.crisis(bot.services.settings.service)
    case = await _only_case(bot, token)
    assert case["priority"] == "urgent" and case["reason"] == "crisis"
    await converse(
        person,
        [("Pemberton", ["help with"]), ("2", []), ("no", []), ("1", []), ("yes", ["reference"])],
    )
    case = await _only_case(bot, token)
    assert case["priority"] == "urgent" and case["reason"] == "crisis"  # still at the top
    assert case["referral"]["source"] == "self"


@on(AROUND)
async def test_a_known_client_starting_again_keeps_their_details(
    make_bot: Any, channel: str
) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    token = await bot.staff_token()
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann Lee", []),
            ("14/3/52", []),
            ("Pemberton", []),
            ("1", []),
            ("no", []),
            ("1", []),
            ("yes", ["reference"]),
        ],
    )
    case = await _only_case(bot, token)
    await bot.api("POST", f"/api/v1/cases/{case['id']}/close", token, {"outcome": "Supported"})
    await converse(
        person,
        [
            ("1", ["YES or NO"]),
            ("yes", ["Welcome back, Ann", "1 Lonely"]),
            ("bereavement", ["anything else"]),
            ("no", []),
            ("1", ["Please check", "Ann Lee", "14/03/1952", "Pemberton Surgery", "bereavement"]),
            ("yes", ["reference"]),
        ],
    )
    _, client = await bot.api("GET", f"/api/v1/clients/{case['client_id']}", token)
    assert [r["needs"] for r in client["referrals"]] == [["bereavement"], ["loneliness"]]


@on(WORDING)
async def test_needs_told_in_words_first_skip_the_menu(make_bot: Any, channel: str) -> None:
    """'I've been so lonely since my wife died' after the welcome starts a referral with that."""
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await converse(
        person,
        [
            ("Hello", ["Reply 1"]),
            ("I've been so lonely since my wife died", ["YES or NO"]),
            ("ok", ["name"]),
            ("Ted", []),
            ("1/1/1940", []),
            ("Pemberton", ["anything else"]),
        ],
    )


async def test_a_timer_that_cannot_be_handled_is_set_aside_and_the_rest_still_fire(
    make_bot: Any,
) -> None:
    """A damaged row makes one timer fail: it is marked failed, not retried for ever, and
    other people's nudges still go."""
    from sqlalchemy import text

    bot = await _bot(make_bot)
    first, second = phone(bot, "sms", NUMBER), phone(bot, "sms", "+447700900124")
    for person in (first, second):
        await _to_name(person)
        await converse(person, [("Ann", ["date of birth"])])
    async with bot.services.db.write() as session:
        await session.execute(
            text("UPDATE client SET flow_state = 'not json' WHERE phone = :p"), {"p": NUMBER}
        )
    bot.clock.advance(timedelta(days=3, hours=1))
    assert await fire_due(bot.services) == 1
    [nudge] = (await second.inbox())[-1:]
    assert nudge.startswith("Hi from the")
    async with bot.services.db.read() as session:
        states = (await session.execute(text("SELECT status FROM timer ORDER BY id"))).scalars()
        assert sorted(states) == ["done", "failed", "pending"]  # the second's next step waits
    assert await fire_due(bot.services) == 0


@on(AROUND)
async def test_once_a_link_worker_replies_the_bot_stops_asking_questions(
    make_bot: Any, channel: str
) -> None:
    """After a crisis mid-referral a worker writes; the client's answer is for them, not a
    date-of-birth parser."""
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    token = await bot.staff_token()
    await _to_name(person)
    await converse(person, [("Ann", ["date of birth"])])
    await person.say("I don't want to be here anymore")
    case = await _only_case(bot, token)
    await bot.api(
        "POST",
        f"/api/v1/cases/{case['id']}/reply",
        token,
        {"text": "Ann, this is Sam. Are you safe right now?"},
    )
    assert (await person.inbox())[-1] == "Ann, this is Sam. Are you safe right now?"
    assert await person.say("not really") == []
    _, detail = await bot.api("GET", f"/api/v1/cases/{case['id']}", token)
    assert detail["messages"][-1]["text"] == "not really"
    assert detail["client"]["referrals"][0]["status"] == "incomplete"


@on(WORDING)
async def test_please_call_me_answers_the_contact_question(make_bot: Any, channel: str) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann", []),
            ("14/3/52", []),
            ("Pemberton", []),
            ("3", []),
            ("no", ["How should"]),
        ],
    )
    answer = await person.say("please call me in the mornings")
    if channel.startswith("telegram"):  # no number yet: asked for one, then the read-back
        assert "What number" in answer[0]
        answer = await person.say("07700 900123")
    assert "a phone call, mornings" in answer[0]


@on(WORDING)
async def test_questions_back_get_a_reason_and_the_question_again(
    make_bot: Any, channel: str
) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(
        person,
        [
            ("why do you need that?", ["only ask what a link worker needs", "what is your name"]),
            ("Ann", ["date of birth"]),
            ("what?", ["only ask what", "date of birth"]),
            ("14/3/52", ["Which GP"]),
        ],
    )


@on(WORDING)
async def test_an_unknown_practice_at_the_choice_is_kept_after_asking_twice(
    make_bot: Any, channel: str
) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann", []),
            ("14/3/52", []),
            ("hindley", ["Which one do you mean"]),
            ("the one near the big supermarket", ["couldn't find that practice"]),
            ("the one near the big supermarket", ["What would you like help with"]),
        ],
    )


@on(WORDING)
async def test_coming_back_with_ok_to_the_read_back_shows_it_again(
    make_bot: Any, channel: str
) -> None:
    """After days away, "ok" is not taken as sending a referral they cannot see."""
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    token = await bot.staff_token()
    await _to_name(person)
    await converse(
        person,
        [
            ("Ann", []),
            ("14/3/52", []),
            ("Pemberton", []),
            ("3", []),
            ("no", []),
            ("text", ["Please check"]),
        ],
    )
    bot.clock.advance(timedelta(days=2))
    await converse(person, [("ok", ["Welcome back", "Please check", "Ann"])])
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"] == []
    await converse(person, [("yes", ["reference"])])


@on(WORDING)
async def test_a_message_about_someone_else_is_asked_about_not_assumed(
    make_bot: Any, channel: str
) -> None:
    bot = await _bot(make_bot, channel)
    person = phone(bot, channel, NUMBER)
    await converse(
        person,
        [
            ("Hello", []),
            (
                "my friend is struggling with debt",
                ["1 if you would like help for yourself", "2 to tell us about a friend"],
            ),
            ("2", ["first name"]),
        ],
    )
