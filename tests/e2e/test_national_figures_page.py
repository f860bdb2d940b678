"""The year's figures in the national frame in Chromium: desktop and phone (390 px), Japanese and English,
axe-clean, the wide table scrolling inside its own region (the page itself never sideways), and the print
page on an A4 landscape sheet.

YORISOI_SCREENSHOTS=/some/dir saves each view there.
"""

import datetime
import os
import re
from pathlib import Path

import pytest

from casework import meeting_services
from casework import services as casework_services
from tests import factories
from tests.browser import AXE_MARKS, PHONE, signed_in_page

from .test_every_screen import axe_violations

pytestmark = AXE_MARKS
SCREENSHOTS = os.environ.get("YORISOI_SCREENSHOTS")
D = datetime.date


@pytest.fixture
def year(transactional_db):
    """FY2025 (April 2025 – March 2026) with a little of every count in two areas."""
    from network.services import master_data_seed
    from reports.services import indicator_master_data_seed

    master_data_seed()
    indicator_master_data_seed()
    north, south = factories.make_area("north", "北部エリア"), factories.make_area("south", "南部エリア")
    partner = factories.make_agency("partner-a")
    workers = {
        north: factories.make_staff("cw_n", area=north),
        south: factories.make_staff("cw_s", area=south),
    }
    sources = ["self", "family", "minsei", "community", "agency", "government", "outreach", ""]
    reasons = ["goal_achieved", "handed_over", "moved", "unreachable", "declined"]
    for i in range(24):
        area = north if i % 3 else south
        by = workers[area]
        opened = D(2025, 4 + i % 9, 1 + i)
        case = factories.make_case(by=by, area=area, opened_on=opened, referral_source=sources[i % 8])
        when = datetime.datetime.combine(opened + datetime.timedelta(days=3), datetime.time(10))
        factories.log_activity(case, by=by, when=when.replace(tzinfo=datetime.UTC), agencies=[partner])
        plan = casework_services.plan_create(case=case, created_by=by, created_on=opened)
        if i % 2:
            meeting_services.meeting_record(
                recorded_by=by,
                kind="support" if i % 4 == 1 else "multi_agency",
                area=area,
                held_on=opened,
                agencies=[partner],
                discussions=[meeting_services.Discussion(case=case)],
                confidentiality_acknowledged=True,
            )
        if i % 3 == 0:
            casework_services.plan_evaluate(
                plan=plan,
                evaluated_by=by,
                results=[],
                decision="close",
                closure_reason=reasons[i % 5],
                evaluated_on=opened + datetime.timedelta(days=40),
            )
    return factories.make_staff("mgr", role="manager")


def test_the_national_figures_pass_axe_on_a_phone_and_a_desktop_in_both_languages(
    live_server, year, chromium
):
    problems = {}
    for phone in (True, False):
        for language in ("ja", "en"):
            page = signed_in_page(
                chromium, live_server.url, year, phone=phone, language=language, bypass_csp=True
            )
            page.goto(f"{live_server.url}/reports/national/?fiscal_year=2025")
            assert page.locator("table.national-table tbody tr").count() > 20
            found = axe_violations(page)
            if phone and (wide := page.evaluate("document.documentElement.scrollWidth")) > PHONE["width"]:
                found.append(f"the page scrolls sideways on a phone: {wide} px wide")
            if SCREENSHOTS:
                name = f"national-{'phone' if phone else 'desktop'}-{language}.png"
                page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)
            if found:
                problems[(phone, language)] = found
            assert page.problems == []
            page.context.close()
    assert problems == {}


def test_the_print_page_fits_one_a4_landscape_sheet(live_server, year, chromium):
    page = signed_in_page(chromium, live_server.url, year, phone=False, bypass_csp=True)
    page.goto(f"{live_server.url}/reports/national/print/?fiscal_year=2025")
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "national-print.png"), full_page=True)
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    width, height = (float(n) for n in re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf).groups())
    assert round(width) == 842 and round(height) == 595  # A4 landscape, in points
    assert page.problems == []
    page.context.close()
