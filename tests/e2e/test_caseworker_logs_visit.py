"""A caseworker, on a phone, logs in, opens a case from "my cases" and logs a home visit with a partner
agency through the quick log; the visit shows in the timeline and is in the database."""

from casework.models import Activity
from network.models import Agency, AgencyKind
from tests import factories
from tests.browser import ARTIFACTS, E2E_MARKS

pytestmark = E2E_MARKS


def test_caseworker_logs_a_visit_with_a_partner_agency(live_server, transactional_db, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    area = factories.make_area("north", "北部エリア")
    caseworker = factories.make_staff("tanaka", area=area, password="correct-horse-9")
    caseworker.last_name, caseworker.first_name = "田中", "優子"
    caseworker.save()
    houkatsu = Agency.objects.create(
        code="houkatsu-north", name="北部地域包括支援センター", kind=AgencyKind.COMPREHENSIVE_CARE
    )
    Agency.objects.create(code="jiritsu", name="生活自立支援センター", kind=AgencyKind.SELF_RELIANCE)
    case = factories.make_case(
        by=caseworker,
        area=area,
        name="架空 一郎",
        kana="カクウ イチロウ",
        issues=("8050", "isolation"),
        main_issue="8050",
    )
    note = "自宅を訪問。母と本人に面会し、包括の担当者と今後の通院同行を相談した。"

    # log in through the login form
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("ログイン")
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill("correct-horse-9")
    page.get_by_role("button", name="ログイン").click()

    # the Today page first, then my caseload → the case
    expect(page).to_have_url(f"{live_server.url}/today/")
    expect(page.get_by_role("heading", name="今日")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "today-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/cases/?lead=me")
    expect(page.get_by_role("heading", name="自分の担当ケース")).to_be_visible()
    expect(page.locator("#case-results")).to_contain_text("全1件")
    page.screenshot(path=str(ARTIFACTS / "case-list-phone.png"), full_page=True)
    page.get_by_role("link", name="架空 一郎").click()
    expect(page.locator("h1")).to_contain_text("架空 一郎")
    page.screenshot(path=str(ARTIFACTS / "case-top-phone.png"))

    # the quick log: kind, minutes, partner agency picked by typing, note
    quick_log = page.locator("#quick-log")
    quick_log.get_by_label("訪問", exact=True).check()
    quick_log.get_by_role("button", name="30", exact=True).click()
    picker = quick_log.get_by_role("combobox")
    picker.fill("包括")
    quick_log.get_by_role("option", name="北部地域包括支援センター").click()
    expect(quick_log.locator(".picker-chips")).to_contain_text("北部地域包括支援センター")
    quick_log.get_by_label("記録").fill(note)
    quick_log.screenshot(path=str(ARTIFACTS / "quick-log-filled-phone.png"))
    quick_log.get_by_role("button", name="記録する").click()

    # the new entry is at the top of the timeline, and the form is fresh again
    first_entry = page.locator("#activity-timeline li.activity").first
    expect(first_entry).to_contain_text(note)
    expect(first_entry).to_contain_text("北部地域包括支援センター")
    expect(first_entry).to_contain_text("訪問")
    expect(page.locator("#quick-log .flash")).to_contain_text("記録しました")
    expect(page.locator("#quick-log textarea")).to_have_value("")
    expect(page.locator("#quick-log .picker-chips li")).to_have_count(0)

    activity = Activity.objects.get(case=case)
    assert activity.kind == "visit"
    assert activity.minutes == 30
    assert activity.note == note
    assert activity.staff == caseworker
    assert list(activity.partner_agencies.all()) == [houkatsu]
    assert activity.has_partner

    page.screenshot(path=str(ARTIFACTS / "case-after-visit-phone.png"), full_page=True)
    page.locator("#timeline").screenshot(path=str(ARTIFACTS / "timeline-phone.png"))
    assert page.problems == []
