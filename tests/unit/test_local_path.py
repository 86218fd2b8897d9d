"""After signing in, only a path on this site is followed; anything else goes to the queue."""

from __future__ import annotations

import pytest

from bot.web.staff.auth import local_path

HOSTILE = [
    "//evil.example",
    "/\\evil.example",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/%2f/evil.example",
    "/%252F/evil.example",  # an escape of an escape
    "/%5C/evil.example",
    "https://evil.example",
    "http:/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/x\x00",
    "/x%00",
    " /x",
    "/x y",
    "/%20/evil.example",
    "/\u2028/evil.example",
    "javascript:alert(1)",
    "JavaScript:/x",
    "evil.example",
    "",
]
GOOD = ["/cases/3", "/clients?q=ann", "/queue", "/clients/12#notes", "/campaigns/new"]


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_a_hostile_target_goes_to_the_queue(target: str) -> None:
    assert local_path(target) == "/queue"


@pytest.mark.parametrize("target", GOOD)
def test_a_local_path_is_followed(target: str) -> None:
    assert local_path(target) == target
