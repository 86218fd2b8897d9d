"""Professional referrals: acknowledged at once, then told of each step, without clinical detail."""

from __future__ import annotations

from typing import Any

import pytest

from flows.model import Role
from testkit.fake_smtp import FakeSmtp
from tests.conftest import Bot
from tests.support.referrals import referral_body

CLIENT, GP = "+447700900123", "+447700900777"
NOTES = "Recently widowed, type 2 diabetes, low mood since March"


def _referral(**changes: Any) -> dict[str, Any]:
    needs = ["loneliness", "debt advice", "bereavement", "his allotment"]
    return referral_body(**({"client__needs": needs, "client__notes": NOTES} | changes))


async def _bot(make_bot: Any, **env: Any) -> Bot:
    bot: Bot = await make_bot(**env)
    await bot.add_practice("P92001", "Pemberton Surgery")
    await bot.add_practice("P92002", "Hindley Health Centre")
    return bot


async def test_referrer_hears_received_picked_up_first_contact_and_closed(make_bot: Any) -> None:
    bot = await _bot(make_bot)
    token = await bot.staff_token(Role.LINK_WORKER, ["P92001"])
    status, made = await bot.api("POST", "/api/v1/referrals", token, _referral())
    assert status == 201, made
    assert set(made) == {"id", "reference", "client_id", "case_id"}
    reference = made["reference"]
    await bot.services.outbox.send_due()
    [received] = bot.twilio.to(GP)
    assert f"we have your referral, reference {reference}" in received
    [notice] = bot.twilio.to(CLIENT)
    assert "Hi Mary, you have been referred to the" in notice
    assert "Pemberton" not in notice  # who referred them is not said on a possibly shared phone

    status, _ = await bot.api("POST", f"/api/v1/cases/{made['case_id']}/claim", token)
    assert status == 200
    await bot.services.outbox.send_due()
    assert bot.twilio.to(GP)[-1].endswith(
        f"referral {reference} has been picked up by Sam Worker, link worker."
    )
    await bot.api("POST", f"/api/v1/cases/{made['case_id']}/claim", token)  # again: no repeat
    status, _ = await bot.api(
        "POST",
        f"/api/v1/cases/{made['case_id']}/reply",
        token,
        {"text": "Hello Mary, this is Sam, your link worker."},
    )
    assert status == 201
    await bot.api("POST", f"/api/v1/cases/{made['case_id']}/reply", token, {"text": "Sam again"})
    await bot.services.outbox.send_due()
    assert "made first contact" in bot.twilio.to(GP)[-1]
    status, _ = await bot.api(
        "POST",
        f"/api/v1/cases/{made['case_id']}/close",
        token,
        {"outcome": "Joined the bereavement group"},
    )
    assert status == 200
    await bot.services.outbox.send_due()
    updates = bot.twilio.to(GP)
    assert len(updates) == 4 and "is now closed" in updates[-1]
    # Nothing clinical and nothing about the client reaches the referrer.
    for update in updates:
        assert reference in update
        for private in ("Mary", "widow", "diabetes", "mood", "bereavement", "lonel", "debt"):
            assert private.lower() not in update.lower()
    assert not any("widow" in text or "diabetes" in text for text in bot.twilio.to(CLIENT))


async def test_the_referral_its_pathway_and_needs_show_through_the_api(make_bot: Any) -> None:
    bot = await _bot(make_bot)
    token = await bot.staff_token()
    _, made = await bot.api(
        "POST", "/api/v1/referrals", token, _referral(referrer__pathway="hospital")
    )
    _, case = await bot.api("GET", f"/api/v1/cases/{made['case_id']}", token)
    assert case["reason"] == "referral"
    assert case["referral"] == {
        "id": made["id"],
        "reference": made["reference"],
        "source": "professional",
        "pathway": "hospital",
    }
    client = case["client"]
    assert client["id"] == made["client_id"] and client["practice"] == "P92001"
    assert client["date_of_birth"] == "1952-03-14"
    [referral] = client["referrals"]
    assert referral["needs"] == ["loneliness", "money", "bereavement", "other"]
    assert referral["needs_text"] == "his allotment"
    assert referral["notes"] == NOTES
    assert referral["referrer"] == {
        "name": "Dr Asha Patel",
        "role": "GP",
        "organisation": "Pemberton Surgery",
    }


async def test_an_existing_client_is_found_by_phone_not_duplicated(make_bot: Any) -> None:
    bot = await _bot(make_bot)
    token = await bot.staff_token()
    await bot.text(CLIENT, "Hello")
    _, first = await bot.api("GET", f"/api/v1/clients?phone=%2B{CLIENT[1:]}", token)
    _, made = await bot.api("POST", "/api/v1/referrals", token, _referral())
    assert made["client_id"] == first["items"][0]["id"]


async def test_updates_go_by_email_when_only_an_address_is_given(
    make_bot: Any, fake_smtp: FakeSmtp
) -> None:
    bot = await _bot(
        make_bot,
        ssl_context=fake_smtp.ssl_context(),
        SMTP_URL=fake_smtp.url,
        EMAIL_FROM="linkbot@service.example.org",
    )
    token = await bot.staff_token()
    body = _referral(
        referrer={
            "name": "Jo Hale",
            "role": "Social worker",
            "organisation": "Adult Social Care",
            "pathway": "social_care",
            "email": "jo.hale@council.example.org",
        }
    )
    status, made = await bot.api("POST", "/api/v1/referrals", token, body)
    assert status == 201, made
    await bot.services.outbox.send_due()
    [mail] = fake_smtp.to("jo.hale@council.example.org")
    assert made["reference"] in mail.get_content()
    assert mail["Subject"] == "Community Link Worker service: referral update"
    await bot.api("POST", f"/api/v1/cases/{made['case_id']}/claim", token)
    await bot.services.outbox.send_due()
    [_, update] = fake_smtp.to("jo.hale@council.example.org")
    assert "picked up by Sam Worker" in update.get_content()
    assert bot.twilio.to(GP) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"client_consent": False}, "client_consent"),
        ({"client_consent": "yes"}, "client_consent"),
        ({"referrer__pathway": "pharmacy"}, "referrer.pathway"),
        ({"referrer__pathway": ["hospital"]}, "referrer.pathway"),
        ({"referrer__pathway": {}}, "referrer.pathway"),
        ({"client__phone": "+1 202 555 0143"}, "client.phone"),
        ({"client__practice": "Pemberton Surgry"}, "client.practice"),
        ({"referrer__phone": None}, "referrer.phone"),
        ({"referrer__phone": "01942 123456"}, "referrer.phone"),
        ({"referrer__phone": None, "referrer__email": "jo@council"}, "referrer.email"),
        ({"referrer__name": ""}, "name"),
        ({"client__name": None}, "name"),
        ({"client__phone": "12"}, "client.phone"),
        ({"client__date_of_birth": "31/02/1950"}, "client.date_of_birth"),
        ({"client__date_of_birth": "2090-01-01"}, "client.date_of_birth"),
        ({"client__practice": "Nowhere Surgery"}, "client.practice"),
        ({"client__needs": "loneliness"}, "client.needs"),
        ({"client__notes": "x" * 2001}, "notes"),
        ({"client": "Mary"}, "client"),
    ],
)
async def test_bad_referrals_get_422_naming_the_field(
    make_bot: Any, changes: dict[str, Any], field: str
) -> None:
    bot = await _bot(make_bot)
    token = await bot.staff_token()
    status, body = await bot.api("POST", "/api/v1/referrals", token, _referral(**changes))
    assert status == 422, body
    assert body["error"]["message"].startswith(field), body
    _, cases = await bot.api("GET", "/api/v1/cases", token)
    assert cases["items"] == []
    assert bot.twilio.sent == []


async def test_referrals_need_a_token_and_json(make_bot: Any) -> None:
    bot = await _bot(make_bot)
    response = await bot.client.post("/api/v1/referrals", json=_referral())
    assert response.status == 401
    token = await bot.staff_token()
    response = await bot.client.post(
        "/api/v1/referrals", data="{not json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 400


async def test_a_known_client_by_another_name_keeps_it_and_the_referral_says_so(
    make_bot: Any,
) -> None:
    """A carer's number given for the client: the carer's record is not renamed."""
    bot = await _bot(make_bot)
    token = await bot.staff_token()
    for said in (
        "Hello",
        "1",
        "yes",
        "Peter Hughes",
        "1/1/1950",
        "Pemberton",
        "1",
        "no",
        "1",
        "yes",
    ):
        await bot.text(CLIENT, said)
    _, made = await bot.api("POST", "/api/v1/referrals", token, _referral())
    _, client = await bot.api("GET", f"/api/v1/clients/{made['client_id']}", token)
    assert client["name"] == "Peter Hughes" and client["date_of_birth"] == "1950-01-01"
    newest = client["referrals"][0]
    assert newest["notes"] == NOTES  # the referrer's words, as they wrote them
    assert newest["date_of_birth"] == "1952-03-14"
    assert newest["mismatch"] == (
        "The name given (Mary O'Brien) differs from the one held. "
        "The date of birth given (1952-03-14) differs from the one held."
    )


async def test_two_referrers_for_one_client_both_hear_every_step(make_bot: Any) -> None:
    """A GP and a hospital team refer the same person: one case, and both are kept informed,
    including the second, who joins after a link worker already has the case."""
    bot = await _bot(make_bot)
    token = await bot.staff_token()
    _, first = await bot.api("POST", "/api/v1/referrals", token, _referral())
    await bot.api("POST", f"/api/v1/cases/{first['case_id']}/claim", token)
    ward = {
        "name": "Nurse Lee",
        "role": "Discharge nurse",
        "organisation": "Royal Infirmary",
        "pathway": "hospital",
        "phone": "07700 900888",
    }
    _, second = await bot.api("POST", "/api/v1/referrals", token, _referral(referrer=ward))
    assert second["case_id"] == first["case_id"] and second["id"] != first["id"]
    await bot.api("POST", f"/api/v1/cases/{first['case_id']}/reply", token, {"text": "Hi Mary"})
    await bot.api("POST", f"/api/v1/cases/{first['case_id']}/close", token, {"outcome": "Done"})
    await bot.services.outbox.send_due()
    for number, made in ((GP, first), ("+447700900888", second)):
        updates = bot.twilio.to(number)
        assert len(updates) == 4, (number, updates)
        assert all(made["reference"] in u for u in updates)
        assert "picked up by Sam Worker" in updates[1]
