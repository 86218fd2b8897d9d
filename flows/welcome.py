"""The first conversation with a new number: say who we are, then pass what they say on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows import texts
from flows.messages import Inbound, Reply
from flows.steps import Context, OpenCase, Step


class Welcome:
    name = "welcome"

    def start(self, ctx: Context, inbound: Inbound) -> Step:
        return Step(replies=(Reply(texts.welcome(ctx.service), "welcome"),), flow=self.name)

    def step(self, ctx: Context, state: Mapping[str, Any], inbound: Inbound) -> Step:
        # Whatever they tell us next is for a link worker.
        return Step(
            replies=(Reply(texts.acknowledge(ctx.service), "acknowledge"),),
            flow=None,
            effects=(OpenCase(reason="message"),),
        )
