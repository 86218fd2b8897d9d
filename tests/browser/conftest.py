"""A real browser for the staff web app: Playwright driving Debian's Chromium, headless.

There is no skipping: if Chromium cannot start, these tests fail."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = os.environ.get("LINKBOT_CHROMIUM", "/usr/bin/chromium")
# Kept after the run for people to look at; not part of the repository.
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".screenshots"


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            # As root Chromium needs --no-sandbox; the other two keep it off the network.
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        await browser.close()
