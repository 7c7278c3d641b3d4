"""Fixtures of the browser suite: Debian's Chromium driven by Playwright, one fresh tab per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.widget import Tab

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the whole session (Debian's package, never a downloaded build)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/deps-browser.sh` (`make test` runs it first)",
            pytrace=False,
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def tab(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Tab]:
    """A new page in its own context that records dialogs and uncaught errors; screenshots go to
    test-artifacts/browser/."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 860}, locale="en-US", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab = Tab(page, ARTIFACTS, request.node.name)
    try:
        yield tab
    finally:
        context.close()
