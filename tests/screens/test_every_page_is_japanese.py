"""Every page, as every role reaches it, reads in Japanese: no English word a translator never saw.

Two nets: the rendered pages (driven by the URL resolver, so new pages are walked without a change here)
are searched for Latin words; and every message id the code and templates use (extracted as
`makemessages` does) must have a Japanese translation, which also covers text only an error or a rare
state shows.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from config.compilemessages import message_ids, parse_po
from network.models import User
from tests.screens.pages import ROLES, ScreensWorld, html_pages, visible_text

# Latin words that are Japanese usage too: the product's name, file formats and common abbreviations.
ALLOWED_WORDS = {
    "Yorisoi",
    "Excel",
    "DV",
    "CSV",
    "JSON",
    "PDF",
    "JPEG",
    "PNG",
    "IP",
    "ID",
    "API",
    "QR",
    "TOTP",
    "A4",
}
ALLOWED_WORDS |= {"pdf", "jpg", "jpeg", "png"}  # file name extensions (an attached scan's name is data)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’.-][A-Za-z]+)*")


def english_words(texts: list[str], data: frozenset[str] = frozenset()) -> list[str]:
    """The pieces of text that hold a Latin word outside the allowed ones and the page's own data."""
    allowed = ALLOWED_WORDS | data
    return [text for text in texts if any(w not in allowed for w in LATIN_WORD.findall(text))]


@pytest.fixture
def world(db):
    return ScreensWorld()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_is_japanese(world, role):
    pages = html_pages(world, role, world.client(role, "ja"))
    assert len(pages) >= 4, pages.keys()  # the role's landing, lists and forms at least
    # Login names are data (the audit log records what was typed), not text a translator could miss.
    usernames = frozenset(User.objects.values_list("username", flat=True))
    english = {
        path: found for path, html in pages.items() if (found := english_words(visible_text(html), usernames))
    }
    assert english == {}


def test_the_check_finds_english_but_not_what_is_marked_as_another_language():
    html = (
        '<p>ケース一覧</p><button title="Open">開く</button><code>case.view</code>'
        '<span translate="no">tanaka</span><button lang="en">English</button><p>DV・CSV</p><p>Print (A4)</p>'
    )
    assert english_words(visible_text(html)) == ["Open", "Print (A4)"]


LOCALE_DIRS = [Path(settings.BASE_DIR) / "locale", Path(settings.BASE_DIR) / "referrals" / "locale"]
SOURCE_DIRS = ["config", "network", "casework", "referrals", "reports", "templates"]


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="needs GNU gettext (xgettext) to extract message ids: apt-get install gettext (.ci/run does)",
)
def test_every_message_id_in_the_code_has_a_japanese_translation(tmp_path, monkeypatch):
    """Extract as makemessages does, into a copy (the real catalogs are not touched)."""
    root = Path(settings.BASE_DIR)
    for name in SOURCE_DIRS:
        shutil.copytree(
            root / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("locale", "migrations", "__pycache__", "*.mo", "*.po"),
        )
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["ja"], keep_pot=True, verbosity=0)
    used = set().union(*(message_ids(pot) for pot in tmp_path.glob("locale/*.pot")))
    assert len(used) > 500
    translated = {}
    for locale_dir in LOCALE_DIRS:
        for po in locale_dir.glob("ja/LC_MESSAGES/django.po"):
            translated.update(parse_po(po))
    assert sorted(used - set(translated)) == []
