"""The agency picker in a real browser: readings and aliases match whatever script or width is typed,
the user's own area's agencies come first, and an empty result list is never an empty listbox."""

import pytest

from network.models import Agency, AgencyKind
from network.services import staff_groups_sync
from tests import factories
from tests.browser import AXE_MARKS, signed_in_page
from tests.e2e.test_every_screen import axe_violations

pytestmark = AXE_MARKS


@pytest.fixture
def world(transactional_db):
    north, south = factories.make_area("north", "北部エリア"), factories.make_area("south", "南部エリア")
    caseworker = factories.make_staff("tanaka", area=north)
    caseworker.last_name, caseworker.first_name = "田中", "優子"
    caseworker.save()
    staff_groups_sync(user=caseworker)
    for code, name, area in (
        ("a-houkatsu-south", "南部地域包括支援センター", south),
        ("z-houkatsu-north", "北部地域包括支援センター", north),
    ):
        Agency.objects.create(
            code=code,
            name=name,
            kind=AgencyKind.COMPREHENSIVE_CARE,
            area=area,
            reading="ちいきほうかつ",
            aliases="ほうかつ",
        )
    Agency.objects.create(
        code="shakyo",
        name="市社会福祉協議会",
        kind=AgencyKind.COUNCIL,
        reading="ししゃかいふくしきょうぎかい",
        aliases="社協 しゃきょう",
    )
    case = factories.make_case(by=caseworker, area=north, name="架空 一郎")
    return {"caseworker": caseworker, "case": case}


def test_readings_and_aliases_match_and_own_area_comes_first(live_server, world, chromium):
    page = signed_in_page(chromium, live_server.url, world["caseworker"], phone=False, bypass_csp=True)
    page.goto(f"{live_server.url}/cases/{world['case'].pk}/")
    quick_log = page.locator("#quick-log")
    picker = quick_log.get_by_role("combobox")

    picker.fill("ﾎｳｶﾂ")  # half-width katakana of an alias
    options = quick_log.get_by_role("option")
    assert options.all_inner_texts() == ["北部地域包括支援センター", "南部地域包括支援センター"]
    assert axe_violations(page) == []

    picker.fill("シャキョウ")
    assert quick_log.get_by_role("option").all_inner_texts() == ["市社会福祉協議会"]

    picker.fill("存在しない機関")
    assert quick_log.get_by_role("option").count() == 0
    assert quick_log.get_by_role("listbox").count() == 0  # no options: no listbox role
    assert axe_violations(page) == []
    assert page.problems == []
    page.context.close()
