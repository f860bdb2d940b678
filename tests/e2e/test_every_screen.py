"""Every page, as every role reaches it, in Chromium on a phone (390 px) and a desktop: axe-core finds no
WCAG 2.0–2.2 A/AA violation, and the phone header shows every navigation link whole, inside the screen
and not covered by anything. The pages come from the URL resolver (tests/screens/pages.py), so a page a
teammate adds is checked without a change here.

YORISOI_SCREENSHOTS=/some/dir also saves a full-page screenshot of every page, in Japanese and English.
"""

import os
import re
from pathlib import Path

import pytest

from tests.browser import AXE_MARKS, AXE_SCRIPT, PHONE, signed_in_page
from tests.screens.pages import ROLES, ScreensWorld, html_pages

pytestmark = AXE_MARKS

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = os.environ.get("YORISOI_SCREENSHOTS")
SCROLL_WIDTH = "document.documentElement.scrollWidth"


def axe_violations(page) -> list[str]:
    """Inject axe-core (the context bypasses the CSP, which rightly refuses injected scripts) and run the
    WCAG A/AA rules; one line per violation: rule, impact and the first elements it names."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]


@pytest.fixture
def world(transactional_db):
    return ScreensWorld()


def _screenshot(page, role, viewport, language, path):
    slug = re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "home"
    target = Path(SCREENSHOTS) / f"{role}-{viewport}-{language}-{slug}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_and_the_phone_header_shows_every_link(live_server, world, chromium, role):
    paths = list(html_pages(world, role, world.client(role)))
    assert paths
    violations = {}
    for viewport in ("phone", "desktop"):
        for language in ("ja", "en") if SCREENSHOTS else ("ja",):
            page = signed_in_page(
                chromium,
                live_server.url,
                world.users[role],
                phone=viewport == "phone",
                language=language,
                bypass_csp=True,
            )
            if viewport == "phone" and language == "ja":
                page.goto(live_server.url + "/cases/")
                assert header_problems(page) == []
            for path in paths:
                page.goto(live_server.url + path)
                if SCREENSHOTS:
                    _screenshot(page, role, viewport, language, path)
                found = axe_violations(page) if language == "ja" else []
                if viewport == "phone" and (wide := page.evaluate(SCROLL_WIDTH)) > PHONE["width"]:
                    found.append(f"the page scrolls sideways on a phone: {wide} px wide")
                if found:
                    violations[f"{viewport} {language} {path}"] = found
            assert page.problems == []
            page.context.close()
    assert violations == {}


# The header's navigation on a phone: every link is on screen, whole, and the top element at its middle.
NAV_LINKS_SEEN = """() => Array.from(document.querySelectorAll('.site-header a[href], .site-header button'))
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {
      text: el.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom,
      width: r.width, height: r.height, covered: !(top && (top === el || el.contains(top))),
      clipped: el.scrollWidth > el.clientWidth + 1,
    };
  })"""


def header_problems(page) -> list:
    """On a phone, open the compact menu from the keyboard (when it is folded) and list the header's links
    and buttons that are off screen, cut off, covered or too small to tap, and nav links left hidden."""
    nav_links = page.locator(".site-nav a")
    expected = nav_links.count()
    assert expected >= 2
    menu = page.locator(".site-menu-toggle")
    if menu.is_visible():
        menu.focus()
        page.keyboard.press("Enter")
        assert menu.get_attribute("aria-expanded") == "true"
    width = page.viewport_size["width"]
    problems = [
        link
        for link in page.evaluate(NAV_LINKS_SEEN)
        if link["left"] < 0
        or link["right"] > width
        or link["covered"]
        or link["clipped"]
        or link["height"] < 24
    ]
    if (shown := page.locator(".site-nav a:visible").count()) != expected:
        problems.append(f"{expected - shown} of {expected} nav links stay hidden")
    if menu.is_visible():
        page.keyboard.press("Escape")  # closes it again, the focus back on the button
        assert menu.get_attribute("aria-expanded") == "false"
    return problems
