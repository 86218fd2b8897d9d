"""Dialog tests at step level: a person talks to the pure conversations, with no database, no
channel and no clock but the context's.

``Talk`` keeps the next state of each step the way the engine does, through the JSON the
client row holds (written by ``to_json``, read back through the registry), so every turn also
proves the state survives being stored. It does not apply effects: a test asserts them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from flows.conversations import registry
from flows.conversations.base import Context, Effect, State, Step, saved
from flows.messages import Address, Inbound
from flows.model import Client
from flows.practices import PracticeInfo
from flows.questionnaire_definitions import from_dict, with_wording
from flows.questionnaires import Questionnaire
from flows.texts import Nation, ServiceInfo
from tests.support.dialog import expect

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday at 10:00 in London, as FakeClock
NUMBER = "+447700900123"
REFERENCE = "LB-ACDEFG"
SERVICE = ServiceInfo("Community Link Worker service", "01942 000000", Nation.ENGLAND)
PRACTICES = (
    PracticeInfo(1, "P92001", "Pemberton Surgery", None),
    PracticeInfo(2, "P92002", "Hindley Health Centre", None),
    PracticeInfo(3, "P92003", "Hindley Green Surgery", None),
    PracticeInfo(4, "P92004", "Beech Hill Medical Practice", None),
)
# SWEMWBS wording is licensed: tests supply placeholder statements, as a service would.
STATEMENTS = tuple(f"Test statement {n}" for n in range(1, 8))


def swemwbs() -> Questionnaire:
    shipped = resources.files("flows.instruments").joinpath("swemwbs.json").read_text()
    wording = {
        "instrument": "swemwbs",
        "intro": "Think about the last 2 weeks.",
        "items": STATEMENTS,
    }
    return with_wording(from_dict(json.loads(shipped), "swemwbs.json"), wording, "test wording")


def person(
    *,
    phone: str | None = NUMBER,
    name: str | None = None,
    date_of_birth: str | None = None,
    practice_id: int | None = None,
) -> Client:
    """A client as the engine hands one to a step; Telegram's have no phone until shared."""
    address = Address(f"tel:{phone}") if phone else Address("telegram:900123")
    return Client(
        1,
        address,
        phone,
        None if phone else "900123",
        name,
        practice_id,
        False,
        None,
        date_of_birth=date_of_birth,
    )


def context(
    client: Client | None = None,
    *,
    service: ServiceInfo = SERVICE,
    practices: tuple[PracticeInfo, ...] = PRACTICES,
    recent_invites: int = 0,
    now: datetime = NOW,
) -> Context:
    return Context(service, client or person(), now, practices, REFERENCE, recent_invites)


def heard(ctx: Context, text: str, *, start_tag: str | None = None) -> Inbound:
    """What the person sent, as a channel adapter hands it over."""
    client = ctx.client
    return Inbound(client.address, text, None, ctx.now, phone=client.phone, start_tag=start_tag)


@dataclass
class Talk:
    ctx: Context
    state: State | None = None
    last: Step = field(default_factory=Step)

    @classmethod
    def begin(cls, ctx: Context, step: Step) -> Talk:
        talk = cls(ctx)
        talk.take(step)
        return talk

    def take(self, step: Step) -> Step:
        """Keep the step's next state as the client row would, and read it back."""
        conversation, data = saved(step.next)
        self.state = registry.read(conversation, json.loads(json.dumps(data)))
        assert saved(self.state) == (conversation, data), "the state changed in storage"
        self.last = step
        return step

    def say(self, text: str, *, start_tag: str | None = None) -> Step:
        assert self.state is not None, f"the conversation is over before {text!r}"
        conversation = registry.CONVERSATIONS[self.state.conversation]
        return self.take(
            conversation.step(self.ctx, self.state, heard(self.ctx, text, start_tag=start_tag))
        )

    def start_pressed(self, tag: str = "") -> Step:
        """Telegram's Start button (or a deep link), as the Telegram adapter passes it on."""
        return self.say(f"/start {tag}".strip(), start_tag=tag)

    def interrupt(self) -> Step:
        """They asked for a person: the engine leaves the conversation this way."""
        assert self.state is not None
        conversation = registry.CONVERSATIONS[self.state.conversation]
        return self.take(conversation.interrupt(self.ctx, self.state))

    def later(self, gap: timedelta) -> None:
        self.ctx = replace(self.ctx, now=self.ctx.now + gap)

    def play(self, turns: Sequence[tuple[str, Sequence[str]]]) -> Step:
        """(person says, the answer contains each of these) turns; returns the last step.

        Fragments are matched case-insensitively in all the replies of the turn, and a dialog
        fails at the first turn that goes wrong, naming it."""
        for said, expected in turns:
            self.say(said)
            expect(said, expected, self.answer)
        return self.last

    @property
    def answer(self) -> list[str]:
        """The texts of the last step's replies."""
        return [reply.text for reply in self.last.replies]

    @property
    def over(self) -> bool:
        return self.state is None

    @property
    def effects(self) -> tuple[Effect, ...]:
        return self.last.effects

    def saved_state(self) -> dict[str, Any]:
        """The JSON the client row would hold now."""
        return saved(self.state)[1]
