"""Settings for a linkbot under test: a database given, and Twilio (when a fake is given)
pointed at the fake on loopback."""

from __future__ import annotations

from bot.config import Settings, load_settings
from testkit.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

PUBLIC_BASE_URL = "https://linkbot.example.org"


def settings_for(database_url: str, twilio: FakeTwilio | None, **overrides: str) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "SERVICE_NAME": "Community Link Worker service",
        "SERVICE_PHONE": "01942 000000",
    }
    if twilio is not None:
        env |= {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM": FROM_NUMBER,
            "TWILIO_API_BASE_URL": twilio.base_url,
        }
    env |= overrides
    return load_settings(env)
