"""The SMS path end to end: signed webhooks in, the engine, the queue, the outbox, Twilio out."""

from __future__ import annotations

from flows import texts
from flows.model import Role
from tests.conftest import PUBLIC_BASE_URL, Bot

PHONE = "+447700900123"


async def test_new_number_gets_the_welcome_at_twilio(bot: Bot) -> None:
    """A first text from a new number is answered with the welcome, by the REST API."""
    await bot.text(PHONE, "Hello")
    assert bot.twilio.to(PHONE) == [texts.welcome(bot.services.settings.service)]
    sent = bot.twilio.sent[0]
    assert sent.sender == "+447700900001"
    assert sent.status_callback == f"{PUBLIC_BASE_URL}/sms/status"


async def test_webhook_answers_with_empty_twiml(bot: Bot) -> None:
    """Replies never go as TwiML: the webhook's answer is an empty Response."""
    response = await bot.webhooks.sms(PHONE, "Hello")
    assert response.status == 200
    assert response.content_type == "text/xml"
    assert await response.text() == "<Response></Response>"


async def test_free_text_opens_a_case_and_staff_reply_reaches_the_phone(bot: Bot) -> None:
    """What the bot cannot place (asked once) lands in the queue; a worker's reply goes back."""
    token = await bot.staff_token()
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "Is this the surgery?")
    assert bot.twilio.to(PHONE)[-1] == texts.WELCOME_AGAIN
    await bot.text(PHONE, "I was given this number by the nurse")
    assert bot.twilio.to(PHONE)[-1] == texts.acknowledge(bot.services.settings.service)

    status, cases = await bot.api("GET", "/api/v1/cases?status=open", token)
    assert status == 200
    assert cases["next"] is None
    [case] = cases["items"]
    assert case["reason"] == "message" and case["priority"] == "normal"
    assert case["status"] == "open" and case["assigned_to"] is None

    status, detail = await bot.api("GET", f"/api/v1/cases/{case['id']}", token)
    assert status == 200
    said = [(m["direction"], m["text"]) for m in detail["messages"]]
    assert ("in", "Hello") in said
    assert ("in", "I was given this number by the nurse") in said

    status, claimed = await bot.api("POST", f"/api/v1/cases/{case['id']}/claim", token)
    assert status == 200 and claimed["assigned_to"] is not None

    status, reply = await bot.api(
        "POST", f"/api/v1/cases/{case['id']}/reply", token, {"text": "Hi, this is Sam."}
    )
    assert status == 201 and reply["delivery"] == "pending"
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE)[-1] == "Hi, this is Sam."

    # The client's answer joins the case, and no automatic reply interrupts the conversation.
    sent_before = len(bot.twilio.sent)
    await bot.text(PHONE, "Thank you Sam")
    assert len(bot.twilio.sent) == sent_before
    _, detail = await bot.api("GET", f"/api/v1/cases/{case['id']}", token)
    assert detail["messages"][-1]["text"] == "Thank you Sam"
    assert [m["delivery"] for m in detail["messages"] if m["text"] == "Hi, this is Sam."] == [
        "queued"
    ]

    status, closed = await bot.api(
        "POST",
        f"/api/v1/cases/{case['id']}/close",
        token,
        {"outcome": "Joined a walking group", "onward_referrals": []},
    )
    assert status == 200 and closed["status"] == "closed"
    _, open_cases = await bot.api("GET", "/api/v1/cases?status=open", token)
    assert open_cases["items"] == []


async def test_stop_gets_one_confirmation_then_nothing_until_start(bot: Bot) -> None:
    """After STOP nothing reaches the number, staff replies included, until START."""
    token = await bot.staff_token()
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "Can I talk to someone please")
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    case_id = cases["items"][0]["id"]

    before = len(bot.twilio.to(PHONE))
    await bot.text(PHONE, "stop")
    assert bot.twilio.to(PHONE)[before:] == [texts.opted_out(bot.services.settings.service)]

    await bot.text(PHONE, "STOP")
    await bot.text(PHONE, "hello?")
    await bot.text(PHONE, "HELP")
    status, body = await bot.api(
        "POST", f"/api/v1/cases/{case_id}/reply", token, {"text": "Are you there?"}
    )
    assert status == 422 and body["error"]["code"] == "opted_out"
    await bot.services.outbox.send_due()
    assert len(bot.twilio.to(PHONE)) == before + 1

    await bot.text(PHONE, "START")
    assert bot.twilio.to(PHONE)[-1] == texts.opted_in(bot.services.settings.service)
    status, _ = await bot.api(
        "POST", f"/api/v1/cases/{case_id}/reply", token, {"text": "Welcome back"}
    )
    assert status == 201
    await bot.services.outbox.send_due()
    assert bot.twilio.to(PHONE)[-1] == "Welcome back"


async def test_every_twilio_opt_out_word_opts_out(bot: Bot) -> None:
    """STOPALL, UNSUBSCRIBE, END, QUIT, REVOKE, OPTOUT and CANCEL act like STOP, in any case."""
    for n, word in enumerate(
        ["stopall", "Unsubscribe", "END", "quit", "revoke", "OptOut", "cancel"]
    ):
        phone = f"+4477009002{n:02d}"
        await bot.text(phone, word)
        assert bot.twilio.to(phone) == [texts.opted_out(bot.services.settings.service)]
        await bot.text(phone, "anyone there")
        assert len(bot.twilio.to(phone)) == 1


async def test_staff_reply_waiting_when_stop_arrives_is_not_sent(bot: Bot) -> None:
    """A reply written before STOP but not yet sent is held back once STOP arrives."""
    token = await bot.staff_token()
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "TALK")
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    status, _ = await bot.api(
        "POST", f"/api/v1/cases/{cases['items'][0]['id']}/reply", token, {"text": "Hi there"}
    )
    assert status == 201
    response = await bot.webhooks.sms(PHONE, "STOP")  # arrives before the outbox runs
    assert response.status == 200
    await bot.services.outbox.send_due()
    assert "Hi there" not in bot.twilio.to(PHONE)
    assert bot.twilio.to(PHONE)[-1] == texts.opted_out(bot.services.settings.service)
    _, detail = await bot.api("GET", f"/api/v1/cases/{cases['items'][0]['id']}", token)
    assert [m["delivery"] for m in detail["messages"] if m["text"] == "Hi there"] == ["suppressed"]


async def test_yes_from_someone_opted_out_opts_them_back_in(bot: Bot) -> None:
    """Twilio treats YES from an opted-out number as opting in; so does linkbot."""
    await bot.text(PHONE, "STOP")
    await bot.text(PHONE, "yes")
    assert bot.twilio.to(PHONE)[-1] == texts.opted_in(bot.services.settings.service)


async def test_help_and_talk(bot: Bot) -> None:
    """HELP says how to reach a person and how to stop; TALK opens a case."""
    token = await bot.staff_token()
    await bot.text(PHONE, "help")
    help_text = bot.twilio.to(PHONE)[-1]
    assert "TALK" in help_text and "STOP" in help_text and "01942 000000" in help_text
    await bot.text(PHONE, "Can I speak to a real person please")
    assert bot.twilio.to(PHONE)[-1] == texts.talk(bot.services.settings.service)
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert [c["reason"] for c in cases["items"]] == ["talk"]
    await bot.text(PHONE, "TALK")  # the open case is used, not a second one
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert len(cases["items"]) == 1


async def test_crisis_words_get_contacts_and_an_urgent_case_at_the_top(bot: Bot) -> None:
    """Risk wording gets the nation's crisis contacts at once and an urgent case first in line."""
    token = await bot.staff_token()
    await bot.text("+447700900555", "Hello")
    await bot.text("+447700900555", "TALK")
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "i dont want to be here anymore, i want to end my life")
    crisis = bot.twilio.to(PHONE)[-1]
    assert "999" in crisis and "116 123" in crisis and "85258" in crisis and "111" in crisis
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"][0]["priority"] == "urgent"
    assert cases["items"][0]["reason"] == "crisis"
    assert cases["items"][1]["priority"] == "normal"


async def test_link_worker_sees_only_their_practices_and_the_shared_pool(bot: Bot) -> None:
    """A worker never sees another practice's cases or clients, by list, link or search."""
    await bot.add_practice("P1", "Millbrook Surgery")
    await bot.add_practice("P2", "Canal Street")
    worker = await bot.staff_token(Role.LINK_WORKER, ["P1"])
    admin = await bot.staff_token()
    await bot.text(PHONE, "Hello")
    await bot.text(PHONE, "TALK")
    _, cases = await bot.api("GET", "/api/v1/cases", admin)
    case_id, client_id = cases["items"][0]["id"], cases["items"][0]["client_id"]

    # Unmatched to a practice: in the shared pool every worker sees.
    _, seen = await bot.api("GET", "/api/v1/cases", worker)
    assert [c["id"] for c in seen["items"]] == [case_id]

    async with bot.services.db.write() as session:
        from sqlalchemy import text

        await session.execute(
            text("UPDATE client SET practice_id = (SELECT id FROM practice WHERE code='P2')")
        )
        await session.execute(
            text("UPDATE cases SET practice_id = (SELECT id FROM practice WHERE code='P2')")
        )
    _, seen = await bot.api("GET", "/api/v1/cases", worker)
    assert seen["items"] == []
    status, _ = await bot.api("GET", f"/api/v1/cases/{case_id}", worker)
    assert status == 404
    status, _ = await bot.api("POST", f"/api/v1/cases/{case_id}/reply", worker, {"text": "x"})
    assert status == 404
    status, _ = await bot.api("GET", f"/api/v1/clients/{client_id}", worker)
    assert status == 404
    status, found = await bot.api("GET", f"/api/v1/clients?phone={PHONE}", worker)
    assert status == 200 and found["items"] == []
    status, found = await bot.api("GET", "/api/v1/clients?phone=07700900123", admin)
    assert [c["id"] for c in found["items"]] == [client_id]
    assert found["items"][0]["practice"] == "P2"
