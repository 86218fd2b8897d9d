"""Follow-up campaigns: choosing a cohort, a dry run, sending on the day in the window through
the outbox, counting what came of it, and pausing, resuming and cancelling."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.actions.timers import fire_due
from flows import texts
from flows.model import Role
from tests.conftest import Bot
from tests.support.campaigns import (
    Seed,
    campaign_client_ids,
    number,
    seed,
    sent_times,
    timer_statuses,
)

# The fake clock starts on Tuesday 24 November 2026 at 10:00 in London (GMT, so local time is
# UTC). Campaigns in these tests go on the Thursday; the send window opens at 08:00.
SEND_ON = "2026-11-26"
SEND_AT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
SESSION = "2026-10-14T10:00:00+01:00"
ANN, BOB, CAT, DAN = "+447700900201", "+447700900202", "+447700900203", "+447700900204"
OWN_WORDS = (
    "The walking group starts again on Monday at 10am at Pemberton Library. "
    "Reply if you would like to come along."
)


def utc(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


async def _practices(bot: Bot) -> None:
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Hindley Health Centre")


async def _campaign(bot: Bot, token: str, **body: Any) -> tuple[int, Any]:
    """POST /api/v1/campaigns: a check-in for everyone with a session unless told otherwise."""
    if "message" not in body:
        body.setdefault("flow", "check_in")
    body = {"name": "Autumn check-in", "send_on": SEND_ON, "cohort": {}, **body}
    return await bot.api("POST", "/api/v1/campaigns", token, body)


async def _made(bot: Bot, token: str, **body: Any) -> dict[str, Any]:
    status, made = await _campaign(bot, token, **body)
    assert status == 201, made
    return dict(made)


async def _get(bot: Bot, token: str, campaign_id: str) -> dict[str, Any]:
    status, found = await bot.api("GET", f"/api/v1/campaigns/{campaign_id}", token)
    assert status == 200, found
    return dict(found)


def _counts(campaign: dict[str, Any]) -> dict[str, Any]:
    names = (
        "status",
        "eligible",
        "written",
        "sent",
        "delivered",
        "answered",
        "escalated",
        "waiting",
        "skipped",
    )
    return {name: campaign[name] for name in names}


async def _at(bot: Bot, when: datetime) -> None:
    """Move the clock, fire what is due and send what the outbox may."""
    bot.clock.set(when)
    await fire_due(bot.services)
    await bot.services.outbox.send_due()


def _check_ins_to(bot: Bot, phone: str) -> list[str]:
    check_in = texts.FU_CHECK_IN.format(service=bot.services.settings.service_name)
    return [body for body in bot.twilio.to(phone) if body == check_in]


async def _referred_client(bot: Bot, token: str, phone: str, practice: str = "P92001") -> str:
    """A client referred by their GP, seen once by a link worker, with the case closed: all
    through the API, as the service would do it."""
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
                "name": "A Client",
                "phone": phone,
                "date_of_birth": "1950-03-14",
                "practice": practice,
                "needs": ["lonely"],
            },
            "client_consent": True,
        },
    )
    assert status == 201, made
    status, session = await bot.api(
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
    assert status == 201, session
    status, closed = await bot.api(
        "POST", f"/api/v1/cases/{made['case_id']}/close", token, {"outcome": "supported"}
    )
    assert status == 200, closed
    await bot.services.outbox.send_due()
    return str(made["client_id"])


# A dry run


async def test_a_dry_run_counts_the_cohort_and_previews_the_message_and_creates_nothing(
    bot: Bot,
) -> None:
    token = await bot.staff_token()
    now = bot.clock.now()
    session = (utc(10, 14),)
    await seed(
        bot.services.db,
        [
            Seed(number(1), sessions=session),
            Seed(number(2), sessions=session),
            Seed(number(3), sessions=session),
            Seed(number(4), sessions=session, opted_out=True),
            Seed(number(5), sessions=session, open_case=True),
            Seed(number(6), sessions=session, booked=utc(12, 1)),
            Seed(number(7), sessions=session, flow="self_referral"),
            Seed(number(8), dna=utc(10, 14)),  # never came to a session: not in any cohort
            Seed(number(9), sessions=session, booked=utc(11, 20)),  # that session is past
        ],
        now,
    )
    status, preview = await _campaign(bot, token, dry_run=True)
    assert status == 200, preview
    check_in = texts.FU_CHECK_IN.format(service=bot.services.settings.service_name)
    assert preview == {
        "eligible": 4,
        "excluded": {"opted_out": 1, "open_case": 1, "session_booked": 1, "in_conversation": 1},
        "preview": {"text": check_in, "characters": len(check_in), "segments": 1, "gsm7": True},
        "send_at": "2026-11-26T08:00:00+00:00",
    }
    _, listed = await bot.api("GET", "/api/v1/campaigns", token)
    assert listed == {"items": [], "next": None}
    await _at(bot, SEND_AT + timedelta(hours=1))
    assert bot.twilio.sent == []


async def test_a_dry_run_previews_the_staffs_own_message_with_its_cost(bot: Bot) -> None:
    token = await bot.staff_token()
    message = "Our café is open again on Fridays 😊 Reply if you'd like to come. " * 2
    status, preview = await _campaign(bot, token, message=message, dry_run=True)
    assert status == 200, preview
    assert preview["preview"] == {
        "text": message.strip(),
        "characters": len(message.strip()),
        "segments": 2,
        "gsm7": False,
    }
    assert preview["eligible"] == 0


# Who a cohort reaches


async def test_each_cohort_field_narrows_the_cohort(bot: Bot) -> None:
    """Dates are local dates: a session at 00:30 on 1 October (BST) is in October."""
    token = await bot.staff_token()
    await _practices(bot)
    now = bot.clock.now()
    ann, bob, cat, dan, eve = await seed(
        bot.services.db,
        [
            Seed(
                ANN,
                sessions=(utc(8, 15),),
                practice="P92001",
                needs=("loneliness",),
                source="professional",
                pathway="primary_care",
                messaged=utc(8, 15),
            ),
            Seed(
                BOB,
                sessions=(datetime(2026, 9, 30, 22, 30, tzinfo=UTC),),
                practice="P92002",
                needs=("money",),
                source="professional",
                pathway="social_care",
            ),
            Seed(
                CAT,
                sessions=(datetime(2026, 9, 30, 23, 30, tzinfo=UTC),),
                practice="P92001",
                needs=("housing", "money"),
                source="self",
                messaged=utc(11, 20),
            ),
            Seed(
                DAN, sessions=(utc(7, 31),), practice="P92002", needs=("low_mood",), source="friend"
            ),
            Seed(number(5), sessions=(utc(8, 10), utc(11, 2)), messaged=utc(10, 20)),
        ],
        now,
    )
    everyone = {ann, bob, cat, dan, eve}
    cases: list[tuple[dict[str, Any], set[int]]] = [
        ({}, everyone),
        ({"last_session_from": "2026-08-01", "last_session_to": "2026-09-30"}, {ann, bob}),
        ({"last_session_from": "2026-10-01"}, {cat, eve}),
        ({"last_session_to": "2026-07-31"}, {dan}),
        ({"last_session_from": "2026-08-10", "last_session_to": "2026-08-10"}, set()),
        ({"practice": "P92001"}, {ann, cat}),
        ({"practice": ["hindley health centre"]}, {bob, dan}),
        ({"need": "money"}, {bob, cat}),
        ({"need": ["lonely", "housing"]}, {ann, cat}),
        ({"pathway": "primary_care"}, {ann}),
        ({"pathway": ["self"]}, {cat}),
        ({"pathway": ["friend", "social_care"]}, {bob, dan}),
        ({"not_contacted_weeks": 4}, {ann, bob, dan, eve}),
        ({"not_contacted_weeks": 6}, {ann, bob, dan}),
        ({"not_contacted_weeks": 16}, {bob, dan}),
        ({"practice": "P92001", "need": "money"}, {cat}),
    ]
    for cohort, expected in cases:
        status, preview = await _campaign(bot, token, cohort=cohort, dry_run=True)
        assert (status, preview["eligible"]) == (200, len(expected)), cohort
        made = await _made(bot, token, cohort=cohort)
        assert made["eligible"] == len(expected), cohort
        assert await campaign_client_ids(bot.services.db, made["id"]) == expected, cohort


# Asking for a campaign that cannot be made


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"flow": None, "message": None}, "message"),  # neither
        ({"message": "Hello"}, "message"),  # and a flow: both
        ({"flow": None, "message": ""}, "message"),
        ({"flow": None, "message": "x" * 613}, "message"),
        ({"flow": "survey"}, "flow"),
        ({"send_on": None}, "send_on"),
        ({"send_on": "next Thursday"}, "send_on"),
        ({"send_on": 20261126}, "send_on"),
        ({"send_on": "2026-11-23"}, "send_on"),  # yesterday
        ({"send_on": "2027-12-01"}, "send_on"),  # more than a year ahead
        ({"dry_run": "yes"}, "dry_run"),
        ({"cohort": None}, "cohort"),
        ({"cohort": "everyone"}, "cohort"),
        ({"cohort": {"colour": "blue"}}, "cohort.colour"),
        ({"cohort": {"last_session_from": "2026-02-30"}}, "cohort.last_session_from"),
        (
            {"cohort": {"last_session_from": "2026-10-01", "last_session_to": "2026-09-01"}},
            "cohort.last_session_to",
        ),
        ({"cohort": {"practice": "P99999"}}, "cohort.practice"),
        ({"cohort": {"need": ["lonely", "juggling"]}}, "cohort.need"),
        ({"cohort": {"pathway": "police"}}, "cohort.pathway"),
        ({"cohort": {"not_contacted_weeks": "six"}}, "cohort.not_contacted_weeks"),
        ({"cohort": {"not_contacted_weeks": True}}, "cohort.not_contacted_weeks"),
    ],
)
async def test_a_campaign_that_cannot_be_made_is_refused_naming_the_field(
    bot: Bot, change: dict[str, Any], field: str
) -> None:
    token = await bot.staff_token()
    await _practices(bot)
    await seed(bot.services.db, [Seed(ANN, sessions=(utc(10, 14),))], bot.clock.now())
    body: dict[str, Any] = {
        "name": "Autumn check-in",
        "flow": "check_in",
        "send_on": SEND_ON,
        "cohort": {},
    }
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    for dry_run in (True, False):
        status, refused = await bot.api(
            "POST",
            "/api/v1/campaigns",
            token,
            {**body, "dry_run": dry_run} if "dry_run" not in change else body,
        )
        assert status == 422, refused
        assert refused["error"]["code"] == "invalid"
        assert refused["error"]["message"].startswith(f"{field}:"), refused
    _, listed = await bot.api("GET", "/api/v1/campaigns", token)
    assert listed["items"] == []


async def test_a_body_that_is_not_json_is_a_400(bot: Bot) -> None:
    token = await bot.staff_token()
    response = await bot.client.post(
        "/api/v1/campaigns", data="{name:", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 400
    status, refused = await bot.api("POST", "/api/v1/campaigns", token, ["a", "list"])
    assert status == 422 and refused["error"]["code"] == "invalid"


async def test_campaigns_need_a_token_and_unknown_ids_are_404(bot: Bot) -> None:
    token = await bot.staff_token()
    for method, path in (
        ("GET", "/api/v1/campaigns"),
        ("POST", "/api/v1/campaigns"),
        ("GET", "/api/v1/campaigns/1"),
        ("POST", "/api/v1/campaigns/1/pause"),
    ):
        response = await bot.client.request(method, path, json={})
        assert response.status == 401, path
        status, _ = await bot.api(method, path, "not-a-token", {})
        assert status == 401, path
    for method, path in (
        ("GET", "/api/v1/campaigns/999"),
        ("GET", "/api/v1/campaigns/abc"),
        ("GET", "/api/v1/campaigns/%C2%B2"),
        ("POST", "/api/v1/campaigns/999/pause"),
        ("POST", "/api/v1/campaigns/999/resume"),
        ("POST", "/api/v1/campaigns/999/cancel"),
    ):
        status, missing = await bot.api(method, path, token)
        assert status == 404 and missing["error"]["code"] == "not_found", path


async def test_a_link_worker_reaches_only_their_own_practices(bot: Bot) -> None:
    admin = await bot.staff_token()
    await _practices(bot)
    worker = await bot.staff_token(Role.LINK_WORKER, ["P92001"])
    now = bot.clock.now()
    ann, _bob, _cat = await seed(
        bot.services.db,
        [
            Seed(ANN, sessions=(utc(10, 14),), practice="P92001"),
            Seed(BOB, sessions=(utc(10, 14),), practice="P92002"),
            Seed(CAT, sessions=(utc(10, 14),)),  # no practice known
        ],
        now,
    )
    _, preview = await _campaign(bot, worker, dry_run=True)
    assert preview["eligible"] == 1
    _, preview = await _campaign(bot, admin, dry_run=True)
    assert preview["eligible"] == 3
    for practice in ("P92002", ["P92001", "Hindley Health Centre"]):
        status, refused = await _campaign(bot, worker, cohort={"practice": practice})
        assert status == 422 and refused["error"]["message"].startswith("cohort.practice:")
    mine = await _made(bot, worker, cohort={"practice": "Pemberton Surgery"})
    assert await campaign_client_ids(bot.services.db, mine["id"]) == {ann}
    theirs = await _made(bot, admin, name="Everyone")
    # A link worker sees and changes only the campaigns they made; an admin sees them all.
    _, listed = await bot.api("GET", "/api/v1/campaigns", worker)
    assert [c["id"] for c in listed["items"]] == [mine["id"]]
    _, listed = await bot.api("GET", "/api/v1/campaigns", admin)
    assert [c["id"] for c in listed["items"]] == [theirs["id"], mine["id"]]
    for method, path in (("GET", ""), ("POST", "/pause"), ("POST", "/cancel")):
        status, _ = await bot.api(method, f"/api/v1/campaigns/{theirs['id']}{path}", worker)
        assert status == 404
    assert (await _get(bot, admin, theirs["id"]))["status"] == "scheduled"


# Sending


async def test_a_campaign_for_today_starts_now_when_the_window_is_open(bot: Bot) -> None:
    token = await bot.staff_token()
    await seed(bot.services.db, [Seed(ANN, sessions=(utc(10, 14),))], bot.clock.now())
    made = await _made(bot, token, send_on="2026-11-24", cohort={"last_session_to": "2026-10-14"})
    assert made["send_at"] == "2026-11-24T10:00:00+00:00" and made["status"] == "sending"
    assert made["cohort"] == {"last_session_to": "2026-10-14"}  # as given
    await _at(bot, bot.clock.now())
    assert len(_check_ins_to(bot, ANN)) == 1


async def test_a_check_in_campaign_goes_on_its_day_in_the_window_through_the_outbox(
    bot: Bot,
) -> None:
    """Paced at TWILIO_MAX_RATE (one a second here) from the window's opening on the day;
    someone who opted out after it was scheduled is skipped, and counted as skipped."""
    token = await bot.staff_token()
    await _practices(bot)
    for phone in (ANN, BOB, CAT, DAN):
        await _referred_client(bot, token, phone)
    made = await _made(
        bot, token, cohort={"practice": "P92001", "pathway": "primary_care", "need": "lonely"}
    )
    assert made["eligible"] == 4 and made["status"] == "scheduled"
    assert made["send_at"] == "2026-11-26T08:00:00+00:00"
    await bot.text(DAN, "STOP")
    await _at(bot, utc(11, 25, 12))
    await _at(bot, SEND_AT - timedelta(seconds=1))
    assert [_check_ins_to(bot, p) for p in (ANN, BOB, CAT, DAN)] == [[], [], [], []]
    assert (await _get(bot, token, made["id"]))["status"] == "scheduled"

    bot.clock.set(SEND_AT)
    assert await fire_due(bot.services) == 1  # one a second: only the first is due
    assert bot.twilio.sent[-1].to != ANN  # written to the outbox, not sent by the timer
    await bot.services.outbox.send_due()
    assert len(_check_ins_to(bot, ANN)) == 1 and _check_ins_to(bot, BOB) == []
    assert (await _get(bot, token, made["id"]))["status"] == "sending"
    await _at(bot, SEND_AT + timedelta(seconds=10))
    assert [len(_check_ins_to(bot, p)) for p in (ANN, BOB, CAT, DAN)] == [1, 1, 1, 0]
    sent = await sent_times(bot.services.db, "check_in")
    window = bot.services.settings.window
    assert len(sent) == 3 and all(at >= SEND_AT and window.contains(at) for at in sent)
    assert _counts(await _get(bot, token, made["id"])) == {
        "status": "finished",
        "eligible": 4,
        "written": 3,
        "sent": 3,
        "delivered": 0,
        "answered": 0,
        "escalated": 0,
        "waiting": 0,
        "skipped": 1,
    }

    check_in = _check_ins_to(bot, ANN)[0]
    ann_sid = next(m.sid for m in bot.twilio.sent if m.to == ANN and m.body == check_in)
    response = await bot.webhooks.status(ann_sid, "delivered")
    assert response.status == 200
    await bot.text(ANN, "1")
    assert bot.twilio.to(ANN)[-1] == texts.FU_BETTER
    await bot.text(BOB, "3")
    assert bot.twilio.to(BOB)[-1] == texts.FU_WORSE
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    [case] = cases["items"]
    assert case["priority"] == "high" and case["reason"] == "follow_up"
    assert _counts(await _get(bot, token, made["id"])) == {
        "status": "finished",
        "eligible": 4,
        "written": 3,
        "sent": 3,
        "delivered": 1,
        "answered": 2,
        "escalated": 1,
        "waiting": 0,
        "skipped": 1,
    }
    # Nobody is asked twice: the automatic check-in ten weeks on does not follow.
    await _at(bot, datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    assert [len(_check_ins_to(bot, p)) for p in (ANN, BOB, CAT, DAN)] == [1, 1, 1, 0]


async def test_a_campaign_of_the_staffs_own_words_sends_them_and_a_reply_goes_to_a_person(
    bot: Bot,
) -> None:
    token = await bot.staff_token()
    await _practices(bot)
    client_id = await _referred_client(bot, token, ANN)
    made = await _made(bot, token, message=OWN_WORDS, name="Walking group")
    assert made["flow"] is None and made["message"] == OWN_WORDS
    assert made["preview"]["text"] == OWN_WORDS
    await _at(bot, SEND_AT + timedelta(seconds=5))
    assert bot.twilio.to(ANN)[-1] == OWN_WORDS
    await bot.text(ANN, "Yes please, I would love to")
    assert bot.twilio.to(ANN)[-1] == texts.acknowledge(bot.services.settings.service)
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    [case] = cases["items"]
    assert case["client_id"] == client_id and case["reason"] == "follow_up"
    _, full = await bot.api("GET", f"/api/v1/cases/{case['id']}", token)
    assert "Yes please, I would love to" in [m["text"] for m in full["messages"]]
    assert _counts(await _get(bot, token, made["id"])) == {
        "status": "finished",
        "eligible": 1,
        "written": 1,
        "sent": 1,
        "delivered": 0,
        "answered": 1,
        "escalated": 1,
        "waiting": 0,
        "skipped": 0,
    }


async def test_a_paused_campaign_sends_nothing_more_until_it_resumes(bot: Bot) -> None:
    """Resumed late in the day, the sends still left wait for the window to open again
    rather than being written to the outbox after it has closed."""
    token = await bot.staff_token()
    phones = [number(n) for n in range(5)]
    await seed(bot.services.db, [Seed(p, sessions=(utc(10, 14),)) for p in phones], bot.clock.now())
    made = await _made(bot, token)
    await _at(bot, SEND_AT)
    assert [len(_check_ins_to(bot, p)) for p in phones] == [1, 0, 0, 0, 0]
    status, paused = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/pause", token)
    assert status == 200 and _counts(paused) == {
        "status": "paused",
        "eligible": 5,
        "written": 1,
        "sent": 1,
        "delivered": 0,
        "answered": 0,
        "escalated": 0,
        "waiting": 4,
        "skipped": 0,
    }
    status, again = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/pause", token)
    assert (status, again["status"], again["waiting"]) == (200, "paused", 4)  # no harm done
    for hours in (1, 6, 11):
        await _at(bot, SEND_AT + timedelta(hours=hours))
    assert len(bot.twilio.sent) == 1

    resumed_at = utc(11, 26, 19, 59, 57)
    bot.clock.set(resumed_at)
    status, resumed = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/resume", token)
    assert status == 200 and resumed["status"] == "sending" and resumed["waiting"] == 4
    status, refused = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/resume", token)
    assert status == 422 and refused["error"]["message"].startswith("status:")
    for second in range(3):
        await _at(bot, resumed_at + timedelta(seconds=second))
    assert [len(_check_ins_to(bot, p)) for p in phones] == [1, 1, 1, 1, 0]
    await _at(bot, utc(11, 26, 20, 30))
    assert (await _get(bot, token, made["id"]))["written"] == 4  # the last waits for morning
    await _at(bot, utc(11, 27, 8, 0, 1))
    assert [len(_check_ins_to(bot, p)) for p in phones] == [1, 1, 1, 1, 1]
    window = bot.services.settings.window
    assert all(window.contains(at) for at in await sent_times(bot.services.db, "check_in"))
    assert _counts(await _get(bot, token, made["id"])) == {
        "status": "finished",
        "eligible": 5,
        "written": 5,
        "sent": 5,
        "delivered": 0,
        "answered": 0,
        "escalated": 0,
        "waiting": 0,
        "skipped": 0,
    }


async def test_a_campaign_paused_before_its_day_keeps_its_day(bot: Bot) -> None:
    token = await bot.staff_token()
    phones = [number(n) for n in range(3)]
    await seed(bot.services.db, [Seed(p, sessions=(utc(10, 14),)) for p in phones], bot.clock.now())
    made = await _made(bot, token)
    await bot.api("POST", f"/api/v1/campaigns/{made['id']}/pause", token)
    status, resumed = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/resume", token)
    assert status == 200 and resumed["status"] == "scheduled"
    await _at(bot, SEND_AT - timedelta(seconds=1))
    assert bot.twilio.sent == []
    await _at(bot, SEND_AT + timedelta(seconds=2))
    assert Counter(m.to for m in bot.twilio.sent) == Counter(phones)


async def test_a_cancelled_campaign_sends_nothing_more_ever(bot: Bot) -> None:
    token = await bot.staff_token()
    phones = [number(n) for n in range(4)]
    await seed(bot.services.db, [Seed(p, sessions=(utc(10, 14),)) for p in phones], bot.clock.now())
    made = await _made(bot, token)
    await _at(bot, SEND_AT)
    status, cancelled = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/cancel", token)
    assert status == 200 and _counts(cancelled) == {
        "status": "cancelled",
        "eligible": 4,
        "written": 1,
        "sent": 1,
        "delivered": 0,
        "answered": 0,
        "escalated": 0,
        "waiting": 0,
        "skipped": 0,
    }
    for action in ("pause", "resume", "cancel"):
        status, refused = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/{action}", token)
        assert status == 422 and refused["error"]["message"].startswith("status:"), action
    for when in (SEND_AT + timedelta(minutes=1), utc(11, 27, 9), utc(12, 30, 9)):
        await _at(bot, when)
    assert [len(_check_ins_to(bot, p)) for p in phones] == [1, 0, 0, 0]
    assert await timer_statuses(bot.services.db, made["id"]) == {"done": 1, "cancelled": 3}
    assert (await _get(bot, token, made["id"]))["status"] == "cancelled"


async def test_a_paused_campaign_can_be_cancelled(bot: Bot) -> None:
    token = await bot.staff_token()
    await seed(bot.services.db, [Seed(ANN, sessions=(utc(10, 14),))], bot.clock.now())
    made = await _made(bot, token)
    await bot.api("POST", f"/api/v1/campaigns/{made['id']}/pause", token)
    status, cancelled = await bot.api("POST", f"/api/v1/campaigns/{made['id']}/cancel", token)
    assert status == 200 and cancelled["status"] == "cancelled" and cancelled["waiting"] == 0
    await _at(bot, SEND_AT + timedelta(hours=1))
    assert bot.twilio.sent == []


# Listing


async def test_campaigns_are_listed_newest_first_a_page_at_a_time(bot: Bot) -> None:
    token = await bot.staff_token()
    await seed(bot.services.db, [Seed(ANN, sessions=(utc(10, 14),))], bot.clock.now())
    first = await _made(bot, token, name="Autumn check-in")
    second = await _made(bot, token, name="Walking group", message=OWN_WORDS, send_on="2026-12-01")
    _, listed = await bot.api("GET", "/api/v1/campaigns", token)
    assert listed["next"] is None
    assert [(c["id"], c["name"], c["send_on"], c["eligible"]) for c in listed["items"]] == [
        (second["id"], "Walking group", "2026-12-01", 1),
        (first["id"], "Autumn check-in", SEND_ON, 1),
    ]
    assert listed["items"][1] == await _get(bot, token, first["id"])
    assert listed["items"][1]["cohort"] == {} and listed["items"][1]["flow"] == "check_in"
    for n in range(50):
        await _made(bot, token, name=f"Campaign {n}")
    _, page = await bot.api("GET", "/api/v1/campaigns", token)
    assert len(page["items"]) == 50 and page["next"] is not None
    assert page["items"][0]["name"] == "Campaign 49"
    _, rest = await bot.api("GET", f"/api/v1/campaigns?before={page['next']}", token)
    assert [c["id"] for c in rest["items"]] == [second["id"], first["id"]]
    assert rest["next"] is None
    status, refused = await bot.api("GET", "/api/v1/campaigns?before=abc", token)
    assert status == 422 and refused["error"]["message"].startswith("before:")


async def test_a_page_cursor_that_is_not_one_of_ours_is_refused(bot: Bot) -> None:
    token = await bot.staff_token()
    for cursor in ("abc", "-1", "99999999999999999999999", "\u00b2"):
        status, refused = await bot.api("GET", f"/api/v1/campaigns?before={cursor}", token)
        assert status == 422 and refused["error"]["message"].startswith("before:"), cursor
