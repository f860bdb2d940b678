"""Intake, the quick log and the referral inbox work with the keyboard alone: Tab to move, typing,
Space and the arrow keys to choose, Enter to submit. No mouse click anywhere in this module."""

import re

import pytest

from casework.models import Activity, Case
from network.models import Agency, AgencyKind
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from referrals import services as referral_services
from tests import factories
from tests.browser import AXE_MARKS, signed_in_page
from tests.e2e.test_every_screen import axe_violations

pytestmark = AXE_MARKS


def tab_to(page, locator, *, limit: int = 80) -> None:
    """Press Tab until the element has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {locator}")


@pytest.fixture
def people(transactional_db):
    role_permissions_sync()
    north, south = factories.make_area("north", "北部エリア"), factories.make_area("south", "南部エリア")
    caseworker = factories.make_staff("tanaka", area=north)
    coordinator = factories.make_staff("suzuki", role="coordinator", area=south)
    for user, (last, first) in ((caseworker, ("田中", "優子")), (coordinator, ("鈴木", "花子"))):
        user.last_name, user.first_name = last, first
        user.save()
        staff_groups_sync(user=user)
    houkatsu = Agency.objects.create(
        code="houkatsu-north", name="北部地域包括支援センター", kind=AgencyKind.COMPREHENSIVE_CARE, area=north
    )
    return {
        "caseworker": caseworker,
        "coordinator": coordinator,
        "north": north,
        "south": south,
        "houkatsu": houkatsu,
    }


def test_intake_with_the_keyboard_alone(live_server, people, chromium):
    page = signed_in_page(chromium, live_server.url, people["caseworker"], phone=False)
    page.goto(f"{live_server.url}/cases/new/")
    form = page.locator("form.intake")
    tab_to(page, form.get_by_label("世帯名", exact=True))
    page.keyboard.type("架空 三郎")
    page.keyboard.press("Tab")
    page.keyboard.type("カクウ サブロウ")
    tab_to(page, form.locator('input[name="issues"][value="isolation"]'))
    page.keyboard.press("Space")
    tab_to(page, form.locator('select[name="main_issue"]'))
    page.keyboard.press("ArrowDown")  # the first issue after the blank choice
    main_issue = form.locator('select[name="main_issue"]').input_value()
    tab_to(page, form.get_by_role("button", name="確認して登録する"))
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.household_name == "架空 三郎"
    assert case.main_issue == main_issue
    assert "isolation" in set(case.issues.values_list("tag", flat=True))
    assert page.problems == []
    page.context.close()


def test_quick_log_with_the_keyboard_alone(live_server, people, chromium):
    case = factories.make_case(by=people["caseworker"], area=people["north"], name="架空 一郎")
    page = signed_in_page(chromium, live_server.url, people["caseworker"], phone=True, bypass_csp=True)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    quick_log = page.locator("#quick-log")
    tab_to(page, quick_log.locator('input[type="radio"]').first)
    page.keyboard.press("Space")
    kind = quick_log.locator('input[type="radio"]:checked').get_attribute("value")
    tab_to(page, quick_log.locator('input[type="number"]'))
    page.keyboard.type("45")
    tab_to(page, quick_log.get_by_role("combobox"))
    page.keyboard.type("包括")
    options = quick_log.get_by_role("option")
    assert options.count() == 1
    assert axe_violations(page) == []  # the open suggestion list is a well-formed listbox
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert quick_log.locator(".picker-chips").inner_text().count("北部地域包括支援センター") == 1
    tab_to(page, quick_log.get_by_label("記録", exact=True))
    page.keyboard.type("電話の後に訪問。")
    tab_to(page, quick_log.get_by_role("button", name="記録する"))
    page.keyboard.press("Enter")

    page.locator("#quick-log .flash").wait_for()
    activity = Activity.objects.get(case=case)
    assert (activity.kind, activity.minutes, activity.note) == (kind, 45, "電話の後に訪問。")
    assert list(activity.partner_agencies.all()) == [people["houkatsu"]]
    assert page.problems == []
    page.context.close()


def test_referral_inbox_with_the_keyboard_alone(live_server, people, chromium):
    case = factories.make_case(by=people["caseworker"], area=people["north"], name="架空 次郎")
    referral = referral_services.referral_request(
        case=case,
        requested_by=people["caseworker"],
        kind="collaboration",
        to_area=people["south"],
        reason="通院同行の協力をお願いします。",
    )
    page = signed_in_page(chromium, live_server.url, people["coordinator"], phone=True)
    page.goto(f"{live_server.url}/referrals/")
    row = page.locator(f"#referral-{referral.pk}")
    tab_to(page, row.get_by_role("button", name="受諾する"))
    page.keyboard.press("Enter")

    row.locator(".flash").wait_for()
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.decided_by == people["coordinator"]
    # and on to the case, still by keyboard
    tab_to(page, page.locator(f"#referral-{referral.pk}").get_by_role("link", name="ケースを開く"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert page.problems == []
    page.context.close()
