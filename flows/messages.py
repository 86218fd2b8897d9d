"""Channel-neutral message types: addresses, inbound messages and outgoing drafts."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

# The longest text kept from outside: Telegram's own limit for a message, above SMS's 1600.
MAX_TEXT = 4096
# C0 controls but tab and newline (a carriage return is a line break: it becomes a newline),
# and every surrogate code point: in a Python string from outside, a surrogate is always
# alone (json.loads joins a valid pair), and neither UTF-8 nor PostgreSQL can hold one.
_NEWLINES = re.compile(r"\r\n?")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text from outside (a text message, a chat message, a button's data), made safe to keep
    on every database: NUL and the other C0 controls but tab and newline dropped (a carriage
    return read as a newline), a lone surrogate replaced with U+FFFD, and at most ``limit``
    characters. Everything else is kept as sent."""
    text = _NEWLINES.sub("\n", text[: limit * 2])
    text = _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))
    return text[:limit]


class Channel(enum.StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"
    SIMULATOR = "simulator"
    EMAIL = "email"  # only to professional referrers, never to clients
    VOICE = "voice"  # a phone call to a landline: session reminders and confirmation requests


_SCHEMES = {
    "tel": Channel.SMS,
    "telegram": Channel.TELEGRAM,
    "sim": Channel.SIMULATOR,
    "mailto": Channel.EMAIL,
    "voice": Channel.VOICE,
}


@dataclass(frozen=True, slots=True)
class Address:
    """Where a person can be reached: ``tel:+447700900123``, ``telegram:123``, ``sim:+447...``,
    ``mailto:gp@nhs.net``."""

    value: str

    def __post_init__(self) -> None:
        scheme, sep, rest = self.value.partition(":")
        if not sep or scheme not in _SCHEMES:
            raise ValueError("an address starts with tel:, telegram:, sim: or mailto:")
        if not rest:
            raise ValueError("an address needs something after its scheme")

    @classmethod
    def of(cls, channel: Channel, handle: str) -> Address:
        scheme = next(s for s, c in _SCHEMES.items() if c is channel)
        return cls(f"{scheme}:{handle}")

    @property
    def channel(self) -> Channel:
        return _SCHEMES[self.value.partition(":")[0]]

    @property
    def handle(self) -> str:
        """The part after the scheme: a phone number, a chat id."""
        return self.value.partition(":")[2]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message a person sent, as a channel adapter hands it to the engine."""

    address: Address
    text: str
    provider_id: str | None
    received_at: datetime
    phone: str | None = None  # the sender's phone number, when the channel knows it
    shared_phone: str | None = None  # a number the person shared as their own (Telegram)
    # The person pressed the chat app's Start (Telegram's /start): the tag of the link they
    # came by, or "" when there was none. None for every other message.
    start_tag: str | None = None

    @property
    def starts(self) -> bool:
        """An explicit wish to (re)start talking to us, as Telegram's Start button is."""
        return self.start_tag is not None


class Priority(enum.IntEnum):
    """Outgoing message priority: lower goes first. Only SCHEDULED and BULK wait for the window."""

    CRISIS = 0
    REPLY = 1
    SCHEDULED = 2
    BULK = 3

    @property
    def waits_for_send_window(self) -> bool:
        return self >= Priority.SCHEDULED


@dataclass(frozen=True, slots=True)
class Button:
    """A choice a chat app can show as a button; pressing it is the same as typing ``value``.

    SMS has no buttons: the text itself always says what to reply."""

    label: str
    value: str

    @property
    def asks_for_contact(self) -> bool:
        """Telegram's "share my number" button, which sends the person's own contact."""
        return self.value == SHARE_CONTACT


SHARE_CONTACT = "__share_contact__"


@dataclass(frozen=True, slots=True)
class Reply:
    """A message the engine wants sent to a client."""

    text: str
    kind: str
    priority: Priority = Priority.REPLY
    # A reply allowed to a person who has opted out: only the opt-out confirmation itself.
    allowed_when_opted_out: bool = False
    buttons: tuple[Button, ...] = ()
    # For a client on a landline, what a phone call says instead (keypad answers).
    spoken: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingDraft:
    client_id: int | None  # None for an update to a professional referrer
    address: Address
    text: str
    kind: str
    priority: Priority
    not_before: datetime
    case_id: int | None = None
    sent_by: int | None = None  # the staff user who wrote it
    allowed_when_opted_out: bool = False
    written_at: datetime | None = None  # defaults to not_before
    expires_at: datetime | None = None  # past this it is no use: not sent
    referral_id: int | None = None
    buttons: tuple[Button, ...] = ()
