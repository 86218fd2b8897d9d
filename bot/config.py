"""Settings from the environment and ``.env`` (the environment wins), checked at start-up.

A bad value stops start-up with one line naming the variable: ``load_settings`` raises
``ConfigError`` with that line. Nothing here builds a settings object at import time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import questionnaires
from bot.channels.email import looks_like_email
from flows import phones, variants
from flows.calendar import WorkingDays
from flows.messages import Address, Channel
from flows.offers import BookingRules
from flows.questionnaires import Questionnaire
from flows.sendwindow import SendWindow
from flows.texts import Nation, ServiceInfo
from flows.variants import ReminderVariant
from storage.db import async_url

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ON = {"1", "on", "true", "yes"}
_OFF = {"0", "off", "false", "no"}


class ConfigError(Exception):
    """A setting is wrong; the message is one line naming the variable."""


def parse_duration(text: str) -> timedelta:
    """``90m``, ``48h``, ``3d``, ``10w``."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text.strip()!r} is not a duration like 48h, 3d or 10w")
    amount, unit = match.groups()
    return timedelta(**{_UNITS[unit]: int(amount)})


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = "sqlite:///data/linkbot.db"
    linkbot_host: str = "127.0.0.1"
    linkbot_port: int = 8080
    public_base_url: str = "http://127.0.0.1:8080"
    service_name: str = "Community Link Worker service"
    service_phone: str = ""
    service_timezone: str = "Europe/London"
    service_nation: Nation = Nation.ENGLAND
    duty_contact: str = ""
    send_window: str = "08:00-20:00"
    reminder_offsets: str = "48h,2h"
    follow_up_after: str = "10w"
    booking_by_reply: str = "off"
    offer_hold: str = "4h"
    waiting_list_notice: str = "24h"
    retention_years: int = 8
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_max_rate: float = 1.0
    vonage_api_key: str = ""
    vonage_api_secret: str = ""
    vonage_signature_secret: str = ""
    vonage_signature_method: str = "md5hash"
    vonage_from: str = ""
    vonage_api_base_url: str = "https://rest.nexmo.com"
    vonage_max_rate: float = 1.0
    sms_failover_after: int = 2
    delivery_deadline: str = "72h"
    telegram_bot_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: str = ""
    smtp_url: str = ""
    email_from: str = ""
    linkbot_simulator: str = ""
    questionnaires_dir: str = ""
    reminder_variants: str = ""
    log_level: str = "INFO"
    _loaded_questionnaires: dict[str, Questionnaire] = PrivateAttr(default_factory=dict)
    _loaded_variants: tuple[ReminderVariant, ...] = PrivateAttr(default=())

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            async_url(value)
        except Exception as exc:  # make_url raises several kinds for a bad URL
            raise ValueError(str(exc) or "not a database URL") from None
        return value

    @field_validator("linkbot_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("must be a port number from 1 to 65535")
        return value

    @field_validator("public_base_url", "twilio_api_base_url", "telegram_api_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_http_url(value)

    @field_validator("vonage_api_base_url")
    @classmethod
    def _https_url(cls, value: str) -> str:
        if urlsplit(value).scheme != "https":
            raise ValueError(
                f"{value!r} is not an https:// URL (Vonage's client speaks only https)"
            )
        return _check_http_url(value)

    @field_validator("service_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("service_phone")
    @classmethod
    def _service_phone(cls, value: str) -> str:
        if not value.strip():
            return ""
        if not phones.is_possible(value):
            raise ValueError(f"{value!r} is not a phone number")
        return value.strip()

    @field_validator("duty_contact")
    @classmethod
    def _duty_contact(cls, value: str) -> str:
        """Empty, an e-mail address, or a phone number (kept in E.164)."""
        value = value.strip()
        if not value or ("@" in value and looks_like_email(value)):
            return value
        if "@" in value:
            raise ValueError(f"{value!r} is not an e-mail address")
        number = phones.normalise(value) if phones.is_possible(value) else ""
        if not number.startswith("+"):
            raise ValueError(f"{value!r} is neither a phone number nor an e-mail address")
        return number

    @field_validator("service_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone such as Europe/London") from None
        return value

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        offsets = [parse_duration(part) for part in value.split(",") if part.strip()]
        if any(offset <= timedelta(0) for offset in offsets):
            raise ValueError("every offset must be more than zero")
        return value

    @field_validator("booking_by_reply")
    @classmethod
    def _booking_by_reply(cls, value: str) -> str:
        if value.strip().lower() not in _ON | _OFF:
            raise ValueError("use on or off")
        return value.strip().lower()

    @field_validator("follow_up_after", "offer_hold", "waiting_list_notice")
    @classmethod
    def _follow_up(cls, value: str) -> str:
        if parse_duration(value) <= timedelta(0):
            raise ValueError("must be more than zero")
        return value

    @field_validator("retention_years")
    @classmethod
    def _retention(cls, value: int) -> int:
        if not 0 <= value <= 100:
            raise ValueError("a whole number of years from 1 to 100, or 0 to keep data for ever")
        return value

    @field_validator("twilio_account_sid")
    @classmethod
    def _sid(cls, value: str) -> str:
        if value and not re.fullmatch(r"AC[0-9a-fA-F]{32}", value):
            raise ValueError("an Account SID is AC followed by 32 hexadecimal characters")
        return value

    @field_validator("twilio_from")
    @classmethod
    def _from(cls, value: str) -> str:
        if not value or re.fullmatch(r"MG[0-9a-fA-F]{32}", value):
            return value
        if not phones.is_possible(value, international=True):
            raise ValueError(
                f"{value!r} is neither an E.164 number like +447700900123 "
                "nor a Messaging Service SID (MG...)"
            )
        return phones.normalise(value)

    @field_validator("twilio_max_rate", "vonage_max_rate")
    @classmethod
    def _rate(cls, value: float) -> float:
        if not 0 < value <= 1000:
            raise ValueError("must be more than 0 and at most 1000 messages a second")
        return value

    @field_validator("vonage_from")
    @classmethod
    def _vonage_from(cls, value: str) -> str:
        if not value or (re.fullmatch(r"[A-Za-z0-9 ]{1,11}", value) and not value.isdigit()):
            return value  # an alphanumeric sender ID, up to 11 characters
        if not phones.is_possible(value, international=True):
            raise ValueError(
                f"{value!r} is neither an E.164 number like +447700900123 "
                "nor a sender ID of up to 11 letters and digits"
            )
        return phones.normalise(value)

    @field_validator("vonage_signature_method")
    @classmethod
    def _signature_method(cls, value: str) -> str:
        methods = ("md5hash", "md5", "sha1", "sha256", "sha512")
        if value.strip().lower() not in methods:
            raise ValueError("use " + ", ".join(methods))
        return value.strip().lower()

    @field_validator("sms_failover_after")
    @classmethod
    def _failover(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise ValueError("a number of failed tries from 1 to 100")
        return value

    @field_validator("delivery_deadline")
    @classmethod
    def _deadline(cls, value: str) -> str:
        if not timedelta(minutes=10) <= parse_duration(value) <= timedelta(days=28):
            raise ValueError("from 10m to 28d")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("use 1 to 256 characters: letters, digits, _ and -")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: str) -> str:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError("expected smtp://user:password@host:587 or smtps://...")
        return value

    @field_validator("linkbot_simulator")
    @classmethod
    def _simulator(cls, value: str) -> str:
        if value.strip().lower() not in _ON | _OFF | {""}:
            raise ValueError("use on or off")
        return value.strip().lower()

    @field_validator("questionnaires_dir")
    @classmethod
    def _questionnaires(cls, value: str) -> str:
        if value and not Path(value).is_dir():
            raise ValueError(f"{value!r} is not a folder")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @model_validator(mode="after")
    def _together(self) -> Settings:
        try:
            SendWindow.parse(self.send_window, ZoneInfo(self.service_timezone))
        except ValueError as exc:
            raise _named("SEND_WINDOW", str(exc)) from None
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            raise _named(
                "TWILIO_AUTH_TOKEN",
                "set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither",
            )
        if self.sms_enabled and not self.twilio_from:
            raise _named("TWILIO_FROM", "must be set when SMS is on")
        vonage = (self.vonage_api_key, self.vonage_api_secret, self.vonage_from)
        if any(vonage) or self.vonage_signature_secret:
            if not all(vonage) or not self.vonage_signature_secret:
                raise _named(
                    "VONAGE_API_KEY",
                    "set VONAGE_API_KEY, VONAGE_API_SECRET, VONAGE_SIGNATURE_SECRET and "
                    "VONAGE_FROM together, or none of them",
                )
            if not self.sms_enabled:
                raise _named(
                    "VONAGE_API_KEY", "Vonage is the second SMS provider: set up Twilio first"
                )
        if bool(self.smtp_url) != bool(self.email_from):
            raise _named("EMAIL_FROM", "set both SMTP_URL and EMAIL_FROM, or neither")
        duty = self.duty_address
        if duty is not None and duty.channel is Channel.SMS and not self.sms_enabled:
            raise _named("DUTY_CONTACT", "a phone number needs SMS on: set up Twilio first")
        if duty is not None and duty.channel is Channel.EMAIL and not self.email_enabled:
            raise _named("DUTY_CONTACT", "an e-mail address needs SMTP_URL and EMAIL_FROM set")
        try:
            self._loaded_questionnaires = questionnaires.load(self.questionnaires_dir or None)
        except questionnaires.QuestionnaireFileError as exc:
            raise _named("QUESTIONNAIRES_DIR", str(exc)) from None
        if self.reminder_variants:
            self._loaded_variants = _read_variants(self.reminder_variants)
        return self

    # Parsed views of the raw values above.
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.service_timezone)

    @property
    def window(self) -> SendWindow:
        return SendWindow.parse(self.send_window, self.zone)

    @property
    def reminder_deltas(self) -> list[timedelta]:
        return sorted(
            (parse_duration(p) for p in self.reminder_offsets.split(",") if p.strip()),
            reverse=True,
        )

    @property
    def calendar(self) -> WorkingDays:
        """The working days of the service's nation, in its time zone."""
        return WorkingDays(self.service_nation, self.zone)

    @property
    def follow_up_delta(self) -> timedelta:
        return parse_duration(self.follow_up_after)

    @property
    def duty_address(self) -> Address | None:
        """Where an urgent case nobody has taken in time is told: by SMS or e-mail; None when
        ``DUTY_CONTACT`` is off."""
        if not self.duty_contact:
            return None
        channel = Channel.EMAIL if "@" in self.duty_contact else Channel.SMS
        return Address.of(channel, self.duty_contact)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def voice_enabled(self) -> bool:
        """Calls to landlines: Twilio's Voice API needs a phone number to call from (a
        Messaging Service cannot make calls)."""
        return self.sms_enabled and self.twilio_from.startswith("+")

    @property
    def vonage_enabled(self) -> bool:
        """The second SMS provider, for when Twilio fails or is down."""
        return bool(self.vonage_api_key and self.vonage_api_secret)

    @property
    def delivery_deadline_delta(self) -> timedelta:
        return parse_duration(self.delivery_deadline)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_url and self.email_from)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def simulator_enabled(self) -> bool:
        if self.linkbot_simulator in _ON:
            return True
        if self.linkbot_simulator in _OFF:
            return False
        return not (self.sms_enabled or self.telegram_enabled)

    @property
    def simulator_open_to_all(self) -> bool:
        """Only an explicit LINKBOT_SIMULATOR=on lets the simulator answer beyond loopback."""
        return self.linkbot_simulator in _ON

    @property
    def questionnaires(self) -> dict[str, Questionnaire]:
        """Every questionnaire staff can record, by instrument; the bot asks those it has
        the wording of."""
        return self._loaded_questionnaires

    @property
    def booking(self) -> BookingRules | None:
        """Booking by reply's rules, when the service allows it."""
        if self.booking_by_reply not in _ON:
            return None
        return BookingRules(
            parse_duration(self.offer_hold),
            parse_duration(self.waiting_list_notice),
            tuple(self.reminder_deltas),
            self.window,
        )

    @property
    def service(self) -> ServiceInfo:
        asked = tuple(self._loaded_questionnaires.values())
        return ServiceInfo(
            self.service_name,
            self.service_phone or None,
            self.service_nation,
            self.service_timezone,
            asked,
            self.booking,
            voice=self.voice_enabled,
            reminder_variants=self._loaded_variants,
        )


def _read_variants(path: str) -> tuple[ReminderVariant, ...]:
    """The reminder variants in a JSON file: a list of {"name", "text"} (see README)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError:
        raise _named("REMINDER_VARIANTS", f"{path!r} cannot be read") from None
    except ValueError:
        raise _named("REMINDER_VARIANTS", f"{path!r} is not JSON") from None
    try:
        return variants.read(raw)
    except ValueError as exc:
        raise _named("REMINDER_VARIANTS", str(exc)) from None


class _NamedError(ValueError):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")


def _named(variable: str, problem: str) -> _NamedError:
    return _NamedError(variable, problem)


def load_settings(
    env: Mapping[str, str] | None = None, *, env_file: str | None = ".env"
) -> Settings:
    """Read and check the settings. ``env`` adds to the process environment (for tests)."""
    try:
        if env is None:
            return Settings(_env_file=env_file)
        values: dict[str, Any] = {
            k.lower(): v for k, v in env.items() if k.lower() in Settings.model_fields
        }
        return Settings(_env_file=None, **values)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    message = str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["loc"]:
        variable = str(error["loc"][0]).upper()
        return f"{variable}: {message}"
    return message  # a cross-field check already names its variable
