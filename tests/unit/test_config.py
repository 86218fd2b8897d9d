"""Settings loading and start-up checks (bot/config.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "f" * 32


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No real environment variable or .env file may leak into these tests."""
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
        monkeypatch.delenv(field, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


def test_defaults_load_with_an_empty_environment() -> None:
    """A fresh checkout must start with no settings at all."""
    settings = load_settings({})
    assert settings.database_url == "sqlite:///data/linkbot.db"
    assert settings.linkbot_port == 8080
    assert settings.service_timezone == "Europe/London"
    assert settings.window.start.hour == 8 and settings.window.end.hour == 20
    assert settings.log_level == "INFO"
    assert not settings.sms_enabled
    assert not settings.telegram_enabled


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SEND_WINDOW", "25:00-08:00", "SEND_WINDOW"),
        ("TWILIO_FROM", "hello", "TWILIO_FROM"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL"),
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("LINKBOT_PORT", "70000", "LINKBOT_PORT"),
        ("LINKBOT_PORT", "0", "LINKBOT_PORT"),
        ("LINKBOT_PORT", "eighty", "LINKBOT_PORT"),
        ("SERVICE_NATION", "france", "SERVICE_NATION"),
        ("SERVICE_TIMEZONE", "Mars/Base", "SERVICE_TIMEZONE"),
        ("REMINDER_OFFSETS", "48h,soon", "REMINDER_OFFSETS"),
        ("FOLLOW_UP_AFTER", "0w", "FOLLOW_UP_AFTER"),
        ("PUBLIC_BASE_URL", "ftp://x", "PUBLIC_BASE_URL"),
        ("TWILIO_ACCOUNT_SID", SID, "TWILIO_AUTH_TOKEN"),
        ("TWILIO_ACCOUNT_SID", "ACnothex", "TWILIO_ACCOUNT_SID"),
        ("TWILIO_MAX_RATE", "0", "TWILIO_MAX_RATE"),
        ("TELEGRAM_WEBHOOK_SECRET", "with spaces", "TELEGRAM_WEBHOOK_SECRET"),
        ("SMTP_URL", "http://x", "SMTP_URL"),
        ("LINKBOT_SIMULATOR", "maybe", "LINKBOT_SIMULATOR"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
    ],
)
def test_a_bad_value_raises_one_line_naming_the_variable(
    variable: str, value: str, named: str
) -> None:
    """An operator must see at once which setting is wrong, in one line of the start-up log."""
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{named}: "), message
    assert "\n" not in message
    assert len(message) > len(named) + 2


def test_a_bad_value_in_the_process_environment_is_reported_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without an explicit mapping the real environment is read, with the same one-line error."""
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError, match=r"^LOG_LEVEL: "):
        load_settings(env_file=None)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("+447700900001", "+447700900001"),
        ("MG" + "0123456789abcdef" * 2, "MG" + "0123456789abcdef" * 2),
        ("MG" + "0123456789ABCDEF" * 2, "MG" + "0123456789ABCDEF" * 2),
    ],
)
def test_twilio_from_accepts_e164_numbers_and_messaging_service_sids(
    value: str, stored: str
) -> None:
    """Twilio sends from a number or through a Messaging Service; both must be accepted."""
    assert load_settings({"TWILIO_FROM": value}).twilio_from == stored


@pytest.mark.parametrize("value", ["07700900001", "MG123", "+44", "hello"])
def test_twilio_from_rejects_national_numbers_and_short_sids(value: str) -> None:
    """Twilio needs E.164 or a full MG SID; anything else would fail on first send."""
    with pytest.raises(ConfigError, match=r"^TWILIO_FROM: "):
        load_settings({"TWILIO_FROM": value})


def test_simulator_is_on_when_no_channel_is_configured() -> None:
    """With nothing to talk to, the simulator is the only way to try the bot."""
    assert load_settings({}).simulator_enabled


def test_simulator_is_off_when_twilio_is_configured() -> None:
    """A production SMS deployment must not expose the simulator by default."""
    settings = load_settings(
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": "+447700900001"}
    )
    assert settings.sms_enabled
    assert not settings.simulator_enabled


def test_simulator_is_off_when_telegram_is_configured() -> None:
    """Telegram is a real channel too, so the simulator goes off with it."""
    assert not load_settings({"TELEGRAM_BOT_TOKEN": "123:abc"}).simulator_enabled


@pytest.mark.parametrize("value", ["on", "ON", " yes ", "1", "true"])
def test_simulator_can_be_forced_on_beside_twilio(value: str) -> None:
    """LINKBOT_SIMULATOR=on keeps the simulator even when SMS is live."""
    settings = load_settings(
        {
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM": "+447700900001",
            "LINKBOT_SIMULATOR": value,
        }
    )
    assert settings.simulator_enabled
    assert settings.simulator_open_to_all


def test_simulator_can_be_forced_off() -> None:
    """LINKBOT_SIMULATOR=off wins even when there is no other channel."""
    assert not load_settings({"LINKBOT_SIMULATOR": "off"}).simulator_enabled


def test_twilio_needs_a_from_when_sms_is_on() -> None:
    """Credentials without a sender would fail on the first message; fail at start-up instead."""
    with pytest.raises(ConfigError, match=r"^TWILIO_FROM: "):
        load_settings({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN})


def test_smtp_needs_email_from() -> None:
    """Email cannot be sent without a sender address."""
    with pytest.raises(ConfigError, match=r"^EMAIL_FROM: "):
        load_settings({"SMTP_URL": "smtp://user:pw@mail.example.org:587"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("48h,2h", [timedelta(hours=48), timedelta(hours=2)]),
        ("2h,48h", [timedelta(hours=48), timedelta(hours=2)]),
        (" 3d , 90m ", [timedelta(days=3), timedelta(minutes=90)]),
    ],
)
def test_reminder_deltas_are_parsed_longest_first(value: str, expected: list[timedelta]) -> None:
    """Reminders are scheduled from the earliest (longest before) to the latest."""
    assert load_settings({"REMINDER_OFFSETS": value}).reminder_deltas == expected


def test_follow_up_delta_is_parsed() -> None:
    """The default follow-up is ten weeks after a case closes."""
    assert load_settings({"FOLLOW_UP_AFTER": "10w"}).follow_up_delta == timedelta(weeks=10)
    assert load_settings({}).follow_up_delta == timedelta(weeks=10)


def test_lower_case_variable_names_are_accepted() -> None:
    """Variable names are case-insensitive, as in the environment."""
    assert load_settings({"log_level": "debug"}).log_level == "DEBUG"


def test_a_bad_questionnaire_file_stops_start_up_naming_the_variable_and_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "swemwbs.json").write_text('{"instrument": "swemwbs", "items": ["only one"]}')
    with pytest.raises(ConfigError, match=r"^QUESTIONNAIRES_DIR: .*swemwbs\.json") as caught:
        load_settings({"QUESTIONNAIRES_DIR": str(tmp_path)}, env_file=None)
    assert "\n" not in str(caught.value)


def test_questionnaire_wording_makes_swemwbs_askable(tmp_path: Path) -> None:
    items = [f"Statement {n}" for n in range(1, 8)]
    (tmp_path / "swemwbs.json").write_text(json.dumps({"instrument": "swemwbs", "items": items}))
    without = load_settings({}, env_file=None).service.questionnaire("swemwbs")
    settings = load_settings({"QUESTIONNAIRES_DIR": str(tmp_path)}, env_file=None)
    swemwbs = settings.service.questionnaire("swemwbs")
    assert without is not None and not without.askable
    assert swemwbs is not None and swemwbs.askable and swemwbs.items == tuple(items)


SMS_ON = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": "+447700900001"}
SMTP_ON = {"SMTP_URL": "smtp://user:pw@mail.example.org:587", "EMAIL_FROM": "bot@example.org"}


def test_the_duty_contact_is_off_by_default() -> None:
    """With no duty contact nothing is alerted, and nothing else has to be set up."""
    assert load_settings({}).duty_address is None
    assert load_settings({"DUTY_CONTACT": "  "}).duty_address is None


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("07700 900123", "tel:+447700900123"),
        ("+44 7700 900123", "tel:+447700900123"),
        ("01942 000111", "tel:+441942000111"),
    ],
)
def test_a_duty_phone_number_is_kept_in_e164_and_goes_by_sms(value: str, address: str) -> None:
    """However the number is written, alerts go to one E.164 number by SMS."""
    settings = load_settings(SMS_ON | {"DUTY_CONTACT": value})
    assert str(settings.duty_address) == address


def test_a_duty_email_address_goes_by_email() -> None:
    """An e-mail duty contact is reached through the SMTP server set up for referrers."""
    settings = load_settings(SMTP_ON | {"DUTY_CONTACT": " duty@practice.nhs.uk "})
    assert str(settings.duty_address) == "mailto:duty@practice.nhs.uk"


@pytest.mark.parametrize(
    "value", ["hello", "12", "+44", "duty@", "duty@nowhere", "two@at@example.org", "a b@c.org"]
)
def test_a_duty_contact_that_is_neither_a_number_nor_an_address_is_refused(value: str) -> None:
    """A mistyped duty contact would mean alerts that go nowhere: stop at start-up instead."""
    with pytest.raises(ConfigError) as caught:
        load_settings(SMS_ON | SMTP_ON | {"DUTY_CONTACT": value})
    message = str(caught.value)
    assert message.startswith("DUTY_CONTACT: ") and "\n" not in message, message


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"DUTY_CONTACT": "07700 900123"}, "SMS"),
        (SMTP_ON | {"DUTY_CONTACT": "07700 900123"}, "SMS"),
        ({"DUTY_CONTACT": "duty@practice.nhs.uk"}, "SMTP_URL"),
        (SMS_ON | {"DUTY_CONTACT": "duty@practice.nhs.uk"}, "SMTP_URL"),
    ],
)
def test_a_duty_contact_needs_its_channel_on(env: dict[str, str], problem: str) -> None:
    """A number with SMS off, or an address with SMTP off, could never be alerted."""
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert message.startswith("DUTY_CONTACT: ") and problem in message, message
    assert "\n" not in message
