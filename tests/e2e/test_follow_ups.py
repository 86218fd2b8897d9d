"""Follow-up check-ins: sent ten weeks after the last session, in the window, and answered."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.actions.timers import fire_due
from flows import texts
from storage.tables import TimerRow
from tests.conftest import Bot
from tests.support.dialog import TelegramPhone, converse

PHONE = "+447700900123"
CHAT = 900123
# The fake clock starts on Tuesday 24 November 2026 at 10:00 in London (GMT). The session
# below was on Monday evening, so ten weeks later falls at 21:00, outside the send window.
SESSION = "2026-11-23T21:00:00+00:00"
TEN_WEEKS_ON = datetime(2027, 2, 1, 21, 0, tzinfo=UTC)
WINDOW_OPENS = datetime(2027, 2, 2, 8, 0, tzinfo=UTC)


def each_said(name: str, said: list[str]) -> pytest.MarkDecorator:
    """Each way of saying it on SQLite, and the first on PostgreSQL too: how the words are
    read is played step by step in tests/unit/test_check_in_dialog.py."""
    pairs = [(text, "sqlite") for text in said] + [(said[0], "postgresql")]
    return pytest.mark.parametrize((name, "database_url"), pairs, indirect=["database_url"])


async def _client_with_a_session(bot: Bot, token: str, phone: str = PHONE) -> str:
    """A client who talked to a link worker, had one session and whose case is closed."""
    await bot.text(phone, "Hello")
    await bot.text(phone, "TALK")
    _, found = await bot.api("GET", f"/api/v1/clients?phone=%2B{phone[1:]}", token)
    client_id = str(found["items"][0]["id"])
    status, made = await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": client_id,
            "starts_at": SESSION,
            "duration_minutes": 45,
            "location": "Pemberton Library",
            "worker": "Sam Jones",
            "outcome": "attended",
        },
    )
    assert status == 201, made
    case_id = (await bot.api("GET", "/api/v1/cases", token))[1]["items"][0]["id"]
    await bot.api("POST", f"/api/v1/cases/{case_id}/close", token, {"outcome": "supported"})
    await bot.services.outbox.send_due()
    return client_id


async def _at(bot: Bot, when: datetime) -> None:
    """Move the clock, fire what is due and send what the outbox may."""
    bot.clock.set(when)
    await fire_due(bot.services)
    await bot.services.outbox.send_due()


async def _checked_in(bot: Bot, token: str, phone: str = PHONE) -> str:
    client_id = await _client_with_a_session(bot, token, phone)
    await _at(bot, WINDOW_OPENS)
    assert bot.twilio.to(phone)[-1] == texts.FU_CHECK_IN.format(
        service=bot.services.settings.service_name
    )
    return client_id


async def _follow_up(bot: Bot, token: str, client_id: str) -> dict[str, Any]:
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    return dict(client["follow_ups"][-1])


async def _open_cases(bot: Bot, token: str) -> list[dict[str, Any]]:
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    return list(cases["items"])


async def test_the_check_in_goes_ten_weeks_after_the_last_session_when_the_window_opens(
    bot: Bot,
) -> None:
    token = await bot.staff_token()
    await _client_with_a_session(bot, token)
    before = len(bot.twilio.to(PHONE))
    await _at(bot, TEN_WEEKS_ON - timedelta(minutes=1))
    await _at(bot, TEN_WEEKS_ON + timedelta(minutes=1))  # due, but the window is shut
    assert len(bot.twilio.to(PHONE)) == before
    await _at(bot, WINDOW_OPENS)
    assert bot.twilio.to(PHONE)[before:] == [
        "Hello from the Community Link Worker service. How are things since you last saw your "
        "link worker? Reply 1 if better, 2 if the same, or 3 if worse."
    ]
    sent = bot.twilio.sent[-1]
    assert bot.services.settings.window.contains(bot.clock.now()) and sent.to == PHONE


async def test_a_later_session_moves_the_check_in(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client_with_a_session(bot, token)
    status, _ = await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": client_id,
            "starts_at": "2026-11-24T09:00:00Z",
            "duration_minutes": 30,
            "location": "Pemberton Library",
            "worker": "Sam Jones",
            "outcome": "attended",
        },
    )
    assert status == 201
    await _at(bot, WINDOW_OPENS)
    assert texts.FU_CHECK_IN[:20] not in bot.twilio.to(PHONE)[-1]
    await _at(bot, datetime(2027, 2, 2, 9, 0, tzinfo=UTC))  # ten weeks after the second
    assert bot.twilio.to(PHONE)[-1].startswith("Hello from the")


async def test_one_gentle_nudge_then_nothing_more(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    sent = len(bot.twilio.to(PHONE))
    await _at(bot, WINDOW_OPENS + timedelta(days=4))
    assert bot.twilio.to(PHONE)[sent:] == [
        "Hello again from the Community Link Worker service. We'd love to know how you are. "
        "Reply 1 if things are better, 2 if about the same, or 3 if worse."
    ]
    for days in (8, 15, 30):
        await _at(bot, WINDOW_OPENS + timedelta(days=days))
    assert len(bot.twilio.to(PHONE)) == sent + 1
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["nudged_at"] and follow_up["ended_at"] and follow_up["answer"] is None
    # Once it has lapsed, a message is an ordinary one again, for the queue.
    await bot.text(PHONE, "Sorry I missed your text, things are about the same")
    assert bot.twilio.to(PHONE)[-1] == texts.acknowledge(bot.services.settings.service)


async def test_an_answer_before_the_nudge_means_no_nudge(bot: Bot) -> None:
    token = await bot.staff_token()
    await _checked_in(bot, token)
    await bot.text(PHONE, "1")
    await bot.text(PHONE, "no thanks")
    sent = len(bot.twilio.to(PHONE))
    await _at(bot, WINDOW_OPENS + timedelta(days=10))
    assert len(bot.twilio.to(PHONE)) == sent


async def test_no_check_in_for_someone_who_opted_out(bot: Bot) -> None:
    token = await bot.staff_token()
    await _client_with_a_session(bot, token)
    await bot.text(PHONE, "STOP")
    sent = len(bot.twilio.to(PHONE))
    await _at(bot, WINDOW_OPENS)
    await _at(bot, WINDOW_OPENS + timedelta(weeks=20))
    assert len(bot.twilio.to(PHONE)) == sent
    async with bot.services.db.read() as session:
        timers = (
            (await session.execute(select(TimerRow.status).where(TimerRow.kind == "follow_up")))
            .scalars()
            .all()
        )
    assert list(timers) == ["dropped"]


async def test_an_open_case_holds_the_check_in_until_it_closes(bot: Bot) -> None:
    token = await bot.staff_token()
    await _client_with_a_session(bot, token)
    bot.clock.set(WINDOW_OPENS - timedelta(days=1))
    await bot.text(PHONE, "Can someone ring me about my gas bill")
    sent = len(bot.twilio.to(PHONE))
    await _at(bot, WINDOW_OPENS)
    assert len(bot.twilio.to(PHONE)) == sent  # they are talking with a link worker
    case_id = (await _open_cases(bot, token))[0]["id"]
    await bot.api("POST", f"/api/v1/cases/{case_id}/close", token, {"outcome": "helped"})
    await _at(bot, WINDOW_OPENS + timedelta(days=7))
    assert bot.twilio.to(PHONE)[-1].startswith("Hello from the")


async def test_a_booked_session_holds_the_check_in(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _client_with_a_session(bot, token)
    bot.clock.set(WINDOW_OPENS - timedelta(days=2))
    status, _ = await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": client_id,
            "starts_at": "2027-02-05T10:00:00Z",
            "duration_minutes": 30,
            "location": "Pemberton Library",
            "worker": "Sam Jones",
        },
    )
    assert status == 201
    await bot.services.outbox.send_due()
    await _at(bot, WINDOW_OPENS)
    assert not any(t.startswith("Hello from the") for t in bot.twilio.to(PHONE))


async def test_better_thanks_them_and_closes_the_loop(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, "1")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_BETTER
    await bot.text(PHONE, "The walking group has been lovely, thank you")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_THANKS
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["answer"] == "better" and follow_up["case_id"] is None
    assert follow_up["words"] == "The walking group has been lovely, thank you"
    assert follow_up["ended_at"] is not None
    assert await _open_cases(bot, token) == []


@each_said("said", ["2", "about the same", "Same really"])
async def test_about_the_same_thanks_them(bot: Bot, said: str) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, said)
    assert bot.twilio.to(PHONE)[-1] == texts.FU_SAME
    await bot.text(PHONE, "no")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_THANKS
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["answer"] == "same" and follow_up["words"] is None
    assert await _open_cases(bot, token) == []


@each_said("said", ["3", "worse", "Not good at all"])
async def test_worse_opens_a_case_and_their_words_join_it(bot: Bot, said: str) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, said)
    assert bot.twilio.to(PHONE)[-1] == texts.FU_WORSE
    [case] = await _open_cases(bot, token)
    assert case["reason"] == "follow_up" and case["priority"] == "high"
    await bot.text(PHONE, "Money worries again")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_NOTED
    _, full = await bot.api("GET", f"/api/v1/cases/{case['id']}", token)
    assert "Money worries again" in [m["text"] for m in full["messages"]]
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["answer"] == "worse" and follow_up["case_id"] == case["id"]


async def test_worse_in_their_own_words_is_taken_whole(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, "Worse, I lost my job and I am behind on the rent")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_WORSE_NOTED
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["answer"] == "worse" and "behind on the rent" in follow_up["words"]
    assert len(await _open_cases(bot, token)) == 1


async def test_an_unclear_answer_is_asked_again_then_goes_to_a_person(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, "who is this?")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_AGAIN
    assert await _open_cases(bot, token) == []
    await bot.text(PHONE, "hmm")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_UNCLEAR_TO_QUEUE
    [case] = await _open_cases(bot, token)
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["answer"] == "unclear" and follow_up["case_id"] == case["id"]


async def test_asking_for_a_person_opens_a_case(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, "TALK")
    assert bot.twilio.to(PHONE)[-1] == texts.talk(bot.services.settings.service)
    [case] = await _open_cases(bot, token)
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["answer"] == "talk" and follow_up["case_id"] == case["id"]


async def test_worrying_words_get_crisis_contacts_and_an_urgent_case_first(bot: Bot) -> None:
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, "worse, I don't want to be here any more")
    assert bot.twilio.to(PHONE)[-1] == texts.crisis(bot.services.settings.service)
    [case] = await _open_cases(bot, token)
    assert case["priority"] == "urgent"
    follow_up = await _follow_up(bot, token, client_id)
    assert follow_up["case_id"] == case["id"]


async def test_the_report_counts_check_ins_sent_and_answered(bot: Bot) -> None:
    token = await bot.staff_token()
    await bot.add_practice("P92001", "Pemberton Surgery")
    status, made = await bot.api(
        "POST",
        "/api/v1/referrals",
        token,
        {
            "referrer": {
                "name": "Dr Shah",
                "role": "GP",
                "organisation": "Pemberton Surgery",
                "pathway": "primary_care",
                "phone": "07700900999",
            },
            "client": {
                "name": "Ann Lee",
                "phone": PHONE,
                "date_of_birth": "1950-03-14",
                "practice": "P92001",
                "needs": ["lonely"],
            },
            "client_consent": True,
        },
    )
    assert status == 201, made
    await bot.api("POST", f"/api/v1/cases/{made['case_id']}/close", token, {"outcome": "ok"})
    await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": made["client_id"],
            "starts_at": SESSION,
            "duration_minutes": 45,
            "location": "Pemberton Library",
            "worker": "Sam Jones",
            "outcome": "attended",
        },
    )
    await _at(bot, WINDOW_OPENS)
    period = "/api/v1/reports/summary?from=2026-11-01&to=2027-03-31"
    _, summary = await bot.api("GET", period, token)
    assert summary["follow_ups"] == {"sent": 1, "answered": 0}
    await bot.text(PHONE, "better")
    _, summary = await bot.api("GET", period, token)
    assert summary["follow_ups"] == {"sent": 1, "answered": 1}


# SWEMWBS by message: the wording is licensed, so these tests supply placeholder statements in
# a wording file, as a service holding the licence would supply the real ones.
STATEMENTS = [f"Test statement {n}" for n in range(1, 8)]


async def _with_wording(make_bot: Any, tmp_path: Any) -> Bot:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "swemwbs.json").write_text(
        json.dumps(
            {"instrument": "swemwbs", "intro": "Think about the last 2 weeks.", "items": STATEMENTS}
        )
    )
    made: Bot = await make_bot(QUESTIONNAIRES_DIR=str(folder))
    return made


async def _to_the_questions(bot: Bot, token: str) -> str:
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, "better")
    await bot.text(PHONE, "nothing else")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_OFFER.format(count=7)
    await bot.text(PHONE, "yes")
    assert bot.twilio.to(PHONE)[-2:] == [
        "Thank you. Think about the last 2 weeks. Reply with a number from 1 to 5: 1 none of the "
        "time, 2 rarely, 3 some of the time, 4 often, 5 all of the time",
        "1 of 7: Test statement 1",
    ]
    return client_id


async def _scores(bot: Bot, token: str, client_id: str) -> list[dict[str, Any]]:
    _, client = await bot.api("GET", f"/api/v1/clients/{client_id}", token)
    return list(client["scores"])


async def test_without_the_wording_the_questions_are_not_offered(bot: Bot) -> None:
    token = await bot.staff_token()
    await _checked_in(bot, token)
    await bot.text(PHONE, "better")
    await bot.text(PHONE, "no")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_THANKS


async def test_a_swemwbs_taken_by_message_is_scored_by_the_published_table(
    make_bot: Any, tmp_path: Any
) -> None:
    bot = await _with_wording(make_bot, tmp_path)
    token = await bot.staff_token()
    client_id = await _to_the_questions(bot, token)
    for n, answer in enumerate(["3", "4", "2", "5", "3", "4"], start=2):
        await bot.text(PHONE, answer)
        assert bot.twilio.to(PHONE)[-1] == f"{n} of 7: Test statement {n}"
    await bot.text(PHONE, "3")
    assert bot.twilio.to(PHONE)[-1] == texts.Q_DONE
    [score] = await _scores(bot, token, client_id)
    # 3+4+2+5+3+4+3 = 24, which the SWEMWBS conversion table turns into 21.54.
    assert score["answers"] == [3, 4, 2, 5, 3, 4, 3] and score["raw"] == 24
    assert score["metric"] == 21.54 and score["status"] == "complete"
    assert score["via"] == "message"


@each_said("bad", ["0", "6", "often", "3 or 4"])
async def test_an_answer_off_the_scale_is_asked_again_kindly(
    make_bot: Any, tmp_path: Any, bad: str
) -> None:
    bot = await _with_wording(make_bot, tmp_path)
    token = await bot.staff_token()
    client_id = await _to_the_questions(bot, token)
    await bot.text(PHONE, bad)
    assert bot.twilio.to(PHONE)[-1] == (
        "Sorry, please reply with one number from 1 to 5. 1 of 7: Test statement 1"
    )
    await bot.text(PHONE, "5")
    assert bot.twilio.to(PHONE)[-1] == "2 of 7: Test statement 2"
    [score] = await _scores(bot, token, client_id)
    assert score["answers"] == [5]


async def test_a_half_finished_questionnaire_is_kept_as_incomplete_and_not_scored(
    make_bot: Any, tmp_path: Any
) -> None:
    bot = await _with_wording(make_bot, tmp_path)
    token = await bot.staff_token()
    client_id = await _to_the_questions(bot, token)
    for answer in ("4", "4", "3"):
        await bot.text(PHONE, answer)
    await _at(bot, bot.clock.now() + timedelta(days=4))  # they went quiet: it lapses
    [score] = await _scores(bot, token, client_id)
    assert score["answers"] == [4, 4, 3] and score["status"] == "incomplete"
    assert score["raw"] is None and score["metric"] is None
    await bot.text(PHONE, "5")  # no longer taken as an answer
    assert bot.twilio.to(PHONE)[-1] != "5 of 7: Test statement 5"
    assert (await _scores(bot, token, client_id))[0]["answers"] == [4, 4, 3]


async def test_they_can_stop_the_questions_part_way(make_bot: Any, tmp_path: Any) -> None:
    bot = await _with_wording(make_bot, tmp_path)
    token = await bot.staff_token()
    client_id = await _to_the_questions(bot, token)
    await bot.text(PHONE, "2")
    await bot.text(PHONE, "no more please")
    assert bot.twilio.to(PHONE)[-1] == texts.Q_STOPPED
    [score] = await _scores(bot, token, client_id)
    assert score["answers"] == [2] and score["status"] == "incomplete"


async def test_saying_no_to_the_questions_thanks_them(make_bot: Any, tmp_path: Any) -> None:
    bot = await _with_wording(make_bot, tmp_path)
    token = await bot.staff_token()
    client_id = await _checked_in(bot, token)
    await bot.text(PHONE, "same")
    await bot.text(PHONE, "no")
    await bot.text(PHONE, "no thank you")
    assert bot.twilio.to(PHONE)[-1] == texts.FU_THANKS
    assert await _scores(bot, token, client_id) == []


async def test_the_report_shows_the_change_in_wellbeing(bot: Bot) -> None:
    """First and last SWEMWBS for each client: mean change and the share who improved."""
    token = await bot.staff_token()
    changes = {
        "+447700900201": ([2] * 7, [3] * 7),
        "+447700900202": ([3] * 7, [2] * 7),
        "+447700900203": ([2] * 7, [4] * 7),
    }
    for phone, (first, last) in changes.items():
        status, made = await bot.api(
            "POST",
            "/api/v1/referrals",
            token,
            {
                "referrer": {
                    "name": "Dr Shah",
                    "role": "GP",
                    "organisation": "Surgery",
                    "pathway": "primary_care",
                    "phone": "07700900999",
                },
                "client": {"name": "A Client", "phone": phone, "needs": ["lonely"]},
                "client_consent": True,
            },
        )
        assert status == 201, made
        for answers, taken in ((first, "2026-11-24T09:00:00Z"), (last, "2026-11-24T09:30:00Z")):
            status, score = await bot.api(
                "POST",
                f"/api/v1/clients/{made['client_id']}/scores",
                token,
                {"instrument": "swemwbs", "answers": answers, "taken_at": taken},
            )
            assert status == 201, score
    _, summary = await bot.api(
        "GET", "/api/v1/reports/summary?from=2026-11-01&to=2026-11-30", token
    )
    # Metric scores: 14 -> 15.32, 21 -> 19.25, 28 -> 25.03. Changes: +3.93, -3.93, +9.71.
    assert summary["wellbeing"] == {
        "clients_with_first_and_last": 3,
        "mean_change": 3.24,
        "positive_share": 2 / 3,
    }


async def test_on_telegram_the_check_in_has_buttons_and_a_press_answers_it(
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(telegram="webhook")
    assert bot.telegram is not None
    person = TelegramPhone(bot, bot.telegram, CHAT, polling=False, press=True)
    token = await bot.staff_token()
    await person.say("Hello")
    await person.say("TALK")
    _, found = await bot.api("GET", f"/api/v1/clients?telegram_chat_id={CHAT}", token)
    client_id = found["items"][0]["id"]
    await bot.api(
        "POST",
        "/api/v1/appointments",
        token,
        {
            "client_id": client_id,
            "starts_at": SESSION,
            "duration_minutes": 45,
            "location": "Pemberton Library",
            "worker": "Sam Jones",
            "outcome": "attended",
        },
    )
    case_id = (await _open_cases(bot, token))[0]["id"]
    await bot.api("POST", f"/api/v1/cases/{case_id}/close", token, {"outcome": "supported"})
    await _at(bot, WINDOW_OPENS)
    check_in = bot.telegram.last(CHAT)
    assert check_in.text.startswith("Hello from the") and check_in.reply_markup is not None
    labels = [b["text"] for row in check_in.reply_markup["inline_keyboard"] for b in row]
    assert labels == ["Better", "About the same", "Worse"]
    await converse(person, [("3", [texts.FU_WORSE])])  # pressed, not typed
    assert bot.telegram.answered_callbacks
    [case] = await _open_cases(bot, token)
    assert case["reason"] == "follow_up" and case["priority"] == "high"


async def test_a_conversation_left_weeks_ago_does_not_hold_the_check_in(bot: Bot) -> None:
    """Someone who began to suggest a friend and stopped is not "in a conversation" for ever."""
    token = await bot.staff_token()
    await _client_with_a_session(bot, token)
    bot.clock.set(WINDOW_OPENS - timedelta(days=3))
    await bot.text(PHONE, "2")  # to suggest a friend; they never say who
    await _at(bot, WINDOW_OPENS)
    assert not bot.twilio.to(PHONE)[-1].startswith("Hello from the")  # only three days ago
    await _at(bot, WINDOW_OPENS + timedelta(days=7))
    assert bot.twilio.to(PHONE)[-1].startswith("Hello from the")


async def test_a_campaign_of_news_does_not_stand_in_for_the_check_in(bot: Bot) -> None:
    """A notice about a walking group is not asking how they are: the check-in still goes."""
    token = await bot.staff_token()
    await _client_with_a_session(bot, token)
    status, made = await bot.api(
        "POST",
        "/api/v1/campaigns",
        token,
        {
            "name": "Walking group",
            "message": "The walking group restarts on Monday at 10am.",
            "send_on": "2026-11-26",
            "cohort": {},
        },
    )
    assert status == 201, made
    await _at(bot, datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    assert bot.twilio.to(PHONE)[-1] == "The walking group restarts on Monday at 10am."
    await _at(bot, WINDOW_OPENS)
    assert bot.twilio.to(PHONE)[-1].startswith("Hello from the")
