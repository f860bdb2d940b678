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


def launch(playwright):
    """The system's headless Chromium."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
    )


def collecting_problems(page):
    """Collect the page's script errors and console errors (a failed resource load included) in
    `page.problems`; a test ends with `assert page.problems == []`."""
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and page.problems.append(
                f"console: {msg.text} at {msg.location.get('url')}:{msg.location.get('lineNumber')}"
                f" on {page.url}"
            )
        ),
    )
    return page


@pytest.fixture
def browser_page(monkeypatch):
    """A phone-sized page (ja-JP, Asia/Tokyo) that collects page and console errors in `page.problems`."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
        )
        page = collecting_problems(context.new_page())
        try:
            yield page
        finally:
            context.close()
            browser.close()


DESKTOP = {"width": 1280, "height": 800}
AXE_SCRIPT = Path(settings.BASE_DIR) / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
AXE_MARKS = [
    *E2E_MARKS,
    # Under CI=true this skip fails the run; `make test` runs npm ci in tests/e2e (package.json there).
    pytest.mark.skipif(
        not AXE_SCRIPT.exists(),
        reason="needs axe-core: run `npm ci` in tests/e2e (make test does when npm is installed)",
    ),
]


@pytest.fixture(scope="module")
def chromium():
    """One browser for a whole test module; each test opens its own contexts (cookies, viewport)."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an event loop in this thread; the tests' ORM calls stay synchronous.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                yield browser
            finally:
                browser.close()


def signed_in_page(
    browser, base_url: str, user, *, phone: bool = True, language: str = "ja", **context_options
):
    """A page whose browser carries a session that has passed the second factor, in the given language.
    Page and console errors are collected in `page.problems`."""
    from tests.factories import verified_client

    client = verified_client(user)
    viewport = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {"viewport": DESKTOP}
    context = browser.new_context(
        **viewport,
        locale="ja-JP" if language == "ja" else "en-US",
        timezone_id="Asia/Tokyo",
        **context_options,
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url},
        ]
    )
    return collecting_problems(context.new_page())
