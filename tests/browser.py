"""Shared set-up of the real-browser tests: Debian's Chromium driven by Playwright, on a phone viewport."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

# Wherever the system's Chromium is on PATH (Debian: chromium; Ubuntu and others: chromium-browser).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE = {"width": 390, "height": 844}

E2E_MARKS = [
    pytest.mark.e2e,
    # Under CI=true this skip fails the run (tests/ci_rules.py).
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="needs a Chromium browser on PATH (chromium or chromium-browser; .ci/run installs it)",
    ),
]


@pytest.fixture
def browser_page(monkeypatch):
    """A phone-sized page (ja-JP, Asia/Tokyo) that collects page and console errors in `page.problems`."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
        )
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and page.problems.append(
                    f"console: {msg.text} at {msg.location.get('url')}:{msg.location.get('lineNumber')}"
                )
            ),
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()
