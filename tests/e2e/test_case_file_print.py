"""The printed case file in Chromium (issue #12), on a desktop and a phone: the chooser works without
scrolling sideways and is axe-clean, and the page printed as A4 (Chromium's own PDF, print media) keeps every
element within the 190 mm printable width, starts each sheet on a new page and repeats 「取扱注意」 and the
case number at the top of every page. YORISOI_SCREENSHOTS=/some/dir saves the chooser and Chromium's PDF."""

import os
from pathlib import Path

import pytest

from casework import printing
from tests import factories
from tests.browser import AXE_MARKS, signed_in_page
from tests.casework.printing import file_world
from tests.casework.printing.pdf_tools import pages, require_poppler
from tests.e2e.test_every_screen import axe_violations

pytestmark = AXE_MARKS

SCREENSHOTS = os.environ.get("YORISOI_SCREENSHOTS")
PRINTABLE_PX = 190 / 25.4 * 96  # 190 mm at CSS's 96 px per inch
RIGHTMOST = "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"


@pytest.fixture
def full_file(transactional_db, caseworker, area, agency):
    case = factories.make_case(
        by=caseworker, area=area, issues=("8050", "poverty"), opened_on=file_world.OPENED_ON
    )
    return file_world.fill_case_file(case, by=caseworker, agency=agency)


def _shot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_chooser_picks_sheets_on_a_phone_and_a_desktop(
    live_server, chromium, caseworker, full_file, phone
):
    page = signed_in_page(chromium, live_server.url, caseworker, phone=phone, bypass_csp=True)
    page.goto(f"{live_server.url}/cases/{full_file.pk}/print/")
    _shot(page, f"print-chooser-{'phone' if phone else 'desktop'}")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert axe_violations(page) == []

    page.get_by_role("checkbox", name="支援経過記録シート").uncheck()
    page.get_by_role("checkbox", name="インテーク・アセスメントシート").uncheck()
    page.get_by_role("button", name="選んだシートを表示").click()
    page.wait_for_url("**/print/?*")
    assert page.locator("h2.sheet-title").all_inner_texts() == [
        "相談受付・申込票",
        "プランシート",
        "評価シート",
        "終結",
    ]
    assert "sheet=intake" in page.get_by_role("link", name="PDFをダウンロード").get_attribute("href")
    assert page.problems == []
    page.context.close()


def test_the_print_page_fits_a4_in_chromium(live_server, chromium, caseworker, full_file):
    require_poppler()
    page = signed_in_page(chromium, live_server.url, caseworker, phone=False)
    page.goto(f"{live_server.url}/cases/{full_file.pk}/print/")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(PRINTABLE_PX), "height": 1100})
    assert page.evaluate(RIGHTMOST) <= PRINTABLE_PX + 0.5
    assert page.evaluate("document.documentElement.scrollWidth") <= round(PRINTABLE_PX)

    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    read = pages(pdf)
    if SCREENSHOTS:
        (Path(SCREENSHOTS) / "print-chromium.pdf").write_bytes(pdf)
    assert len(read) >= len(printing.SHEETS) + 2  # a page per sheet, the long progress record on several
    for n, printed in enumerate(read, start=1):
        assert "取扱注意" in printed.text, n
        assert full_file.number in printed.text, n
        assert f"{n}/{len(read)}" in printed.text, n  # the @page margin box, as in the PDF download
    # the same pages as the PDF download (WeasyPrint, same template and stylesheet)
    weasyprint_pdf = factories.verified_client(caseworker).get(f"/cases/{full_file.pk}/print.pdf").content
    assert len(pages(weasyprint_pdf)) == len(read)
    starts = [n for n, printed in enumerate(read) if "支援経過記録シート" in printed.text]
    assert len(starts) == 1  # the title once; the record's next pages repeat only the head
    assert page.problems == []
    page.context.close()
