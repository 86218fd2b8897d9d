"""The first conversation with a new number: say who we are and offer the two referrals.

Reply 1 (or "me", or words about what they need) starts a self-referral; 2 (or "a friend")
starts refer-a-friend. Something else is asked about once, then passed to a link worker.
Someone we already know who writes 1 or 2 outside any conversation starts the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from flows import texts
from flows.conversations import refer_a_friend, self_referral
from flows.conversations.base import Context, OpenCase, Step
from flows.messages import Button, Inbound, Reply
from flows.needs import NeedsAnswer, parse_needs

NAME = "welcome"


@dataclass(frozen=True, slots=True)
class WelcomeState:
    """The welcome is waiting for 1 or 2; ``first`` is what they wrote to start with."""

    conversation: ClassVar[str] = NAME
    referral: ClassVar[None] = None
    first: str = ""
    tries: int = 0  # answers we could not read

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "tries": self.tries}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WelcomeState:
        return cls(str(data.get("first", "")), int(data.get("tries", 0)))


_SELF = re.compile(
    r"^(1|one|me|myself|for me|me please|(for )?myself|yes|yes please|help( me)?|"
    r"get help|i need help|(help )?for me|self|referral|refer me|new referral)$"
)
_FRIEND = re.compile(
    r"^(2|two|(a |my )?friend|(for |help )?(a|my) friend|someone else|(for )?somebody else|"
    r"(for )?(a|my) (neighbour|relative|family member|mum|dad|mother|father|son|daughter|"
    r"husband|wife|partner)|refer a friend|help a friend)$"
)


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower().replace("'", "")).strip()


def choice(text: str) -> str | None:
    """'self', 'friend' or None, from a reply to the welcome."""
    plain = " ".join(_plain(text).removesuffix(" please").removesuffix(" thanks").split())
    if _SELF.match(plain):
        return "self"
    if _FRIEND.match(plain):
        return "friend"
    return None


# Signs that a message is about someone else: then we ask, rather than assume it is theirs.
_ABOUT_OTHERS = re.compile(r"\b(refer\w*|for\s+a\s+friend|some\s*one|some\s*body|behalf)\b")
_OTHER_SUBJECT = re.compile(
    r"\b(shes|hes|she|he|they|theyre)\b"
    r"|\bmy\s+\w+\s+(is|has|isnt|hasnt|cant|needs|wants|keeps|feels|seems|gets)\b"
)
_OTHER_PEOPLE = re.compile(
    r"\bmy\s+(friend|mate|mum|mom|mother|dad|father|husband|wife|partner|son|daughter|"
    r"neighbour|neighbor|brother|sister|nan|gran|grandad|grandma|grandson|granddaughter|"
    r"aunt|auntie|uncle|relative|client|patient|cousin)\b"
)
_FIRST_PERSON = re.compile(r"\b(i|im|ive|id|ill|me|myself)\b")


def about_someone_else(text: str) -> bool:
    """'my friend is struggling with debt', 'she's lonely': not (only) about the sender.

    'My husband died and I feel low' is about them, and passes."""
    plain = _plain(text)
    if _ABOUT_OTHERS.search(plain) or _OTHER_SUBJECT.search(plain):
        return True
    return bool(_OTHER_PEOPLE.search(plain)) and not _FIRST_PERSON.search(plain)


def _told_needs(text: str) -> NeedsAnswer | None:
    """Needs named in words about themselves ('I've been so lonely'), not numbers or chat."""
    if about_someone_else(text):
        return None
    found = parse_needs(text)
    if found is None or found.codes == ("other",) or not found.own_words:
        return None
    return found


MENU = (Button("Get help", "1"), Button("Help a friend", "2"))


def start(ctx: Context, inbound: Inbound) -> Step:
    state = WelcomeState(first=inbound.text[:500])
    return Step((Reply(texts.welcome(ctx.service), "welcome", buttons=MENU),), state)


def begin(ctx: Context, which: str, needs: NeedsAnswer | None = None) -> Step:
    if which == "friend":
        return refer_a_friend.start(ctx)
    return self_referral.start(ctx, needs=needs)


def returning(ctx: Context, inbound: Inbound) -> Step:
    """Someone we know, in no conversation and no open case, writes again."""
    which = choice(inbound.text)
    if which is not None:
        return begin(ctx, which)
    if inbound.starts:
        return start(ctx, inbound)  # Telegram's start button: the menu again
    return Step(
        replies=(Reply(texts.acknowledge(ctx.service), "acknowledge"),),
        effects=(OpenCase("message"),),
    )


class Welcome:
    name = NAME

    def read(self, data: Mapping[str, Any]) -> WelcomeState:
        return WelcomeState.from_json(data)

    def step(self, ctx: Context, state: WelcomeState, inbound: Inbound) -> Step:
        if inbound.starts:
            return start(ctx, inbound)
        which = choice(inbound.text)
        told = _told_needs(inbound.text)
        if which is not None:
            return begin(ctx, which, told or _told_needs(state.first))
        if told is not None:
            return begin(ctx, "self", told)
        if state.tries == 0:
            again = Reply(texts.WELCOME_AGAIN, "welcome_again", buttons=MENU)
            return Step((again,), replace(state, tries=1))
        # Asked twice: whatever they are telling us is for a link worker.
        return Step(
            replies=(Reply(texts.acknowledge(ctx.service), "acknowledge"),),
            effects=(OpenCase(reason="message"),),
        )

    def interrupt(self, ctx: Context, state: WelcomeState) -> Step:
        return Step()
