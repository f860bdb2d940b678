"""A caseworker's working day in Chromium, on a phone and on a desktop (issue #11): the Today page, search
by partial kana and kanji, editing a household member, revising the plan, logging a visit and voiding an
entry; then the coordinator's and the auditor's landing pages. Every page the tour meets is axe-clean, and
every step is checked in the database, not only on the screen."""

import datetime

import pytest
from django.utils import timezone

from casework import services
from casework.models import Activity, HouseholdMember, SupportPlan
from network.models import Agency, AgencyKind
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from referrals import services as referral_services
from tests import factories
from tests.browser import ARTIFACTS, AXE_MARKS, signed_in_page
from tests.e2e.test_every_screen import axe_violations

pytestmark = AXE_MARKS


@pytest.fixture
def day(transactional_db):
    """A north caseworker leading 山田 花子's case (a plan overdue for review, one earlier visit), a
    referral of it waiting for the south coordinator, and an auditor."""
    role_permissions_sync()
    north, south = factories.make_area("north", "北部エリア"), factories.make_area("south", "南部エリア")
    caseworker = factories.make_staff("tanaka", area=north)
    coordinator = factories.make_staff("suzuki", role="coordinator", area=south)
    auditor = factories.make_staff("kansa", role="auditor")
    names = {caseworker: ("田中", "優子"), coordinator: ("鈴木", "花子"), auditor: ("佐藤", "誠")}
    for user, (family, given) in names.items():
        user.last_name, user.first_name = family, given
        user.save()
        staff_groups_sync(user=user)
    houkatsu = Agency.objects.create(
        code="houkatsu-north", name="北部地域包括支援センター", kind=AgencyKind.COMPREHENSIVE_CARE, area=north
    )
    case = factories.make_case(
        by=caseworker, area=north, name="山田 花子", kana="ヤマダ ハナコ", issues=("8050",), main_issue="8050"
    )
    son = services.member_add(
        case=case, added_by=caseworker, name="山田 一郎", name_kana="ヤマダ イチロウ", relationship="child"
    )
    today = timezone.localdate()
    services.plan_create(
        case=case,
        created_by=caseworker,
        created_on=today - datetime.timedelta(days=90),
        long_term_goal="地域で安心して暮らし続ける",
        review_on=today - datetime.timedelta(days=1),
        roles=[(houkatsu, "月1回の訪問と見守り", "月1回")],
    )
    earlier = factories.log_activity(case, by=caseworker, note="誤って別世帯の訪問を記録した")
    referral = referral_services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", reason="就労支援の協力", to_area=south
    )
    return {
        "caseworker": caseworker,
        "coordinator": coordinator,
        "auditor": auditor,
        "case": case,
        "son": son,
        "earlier": earlier,
        "referral": referral,
    }


def _clean(page, seen: dict) -> None:
    """Run axe on the page as it is now; collect violations by URL."""
    if found := axe_violations(page):
        seen[page.url] = found


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_a_caseworkers_day(live_server, chromium, day, phone):
    from playwright.sync_api import expect

    case, violations = day["case"], {}
    page = signed_in_page(chromium, live_server.url, day["caseworker"], phone=phone, bypass_csp=True)

    # Today: the overdue plan review leads to the case
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/today/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("今日")
    reviews = page.locator("section", has=page.get_by_role("heading", name="見直し期限を迎えたプラン"))
    expect(reviews).to_contain_text(case.number)
    expect(page.locator(".site-header")).to_contain_text("田中")
    _clean(page, violations)
    viewport = "phone" if phone else "desktop"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"tour-today-{viewport}.png"), full_page=True)

    # Search: part of the name in hiragana (stored in katakana), then part of it in kanji
    for query in ("はなこ", "山田"):
        page.goto(f"{live_server.url}/cases/?q={query}")
        expect(page.locator("#case-results")).to_contain_text("山田 花子")
    page.goto(f"{live_server.url}/cases/?q=さとう")
    expect(page.locator("#case-results")).not_to_contain_text("山田 花子")
    page.goto(f"{live_server.url}/cases/?q=はなこ")
    _clean(page, violations)
    page.locator("#case-results").get_by_role("link", name="山田 花子").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("山田 花子")
    _clean(page, violations)

    # Edit a household member: the son's phone
    page.locator(f"#member-{day['son'].pk}").get_by_role("link", name="編集").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("世帯員の編集")
    _clean(page, violations)
    page.get_by_label("電話番号").fill("090-1234-5678")
    page.get_by_role("button", name="変更を保存").click()
    expect(page.locator(f"#member-{day['son'].pk}")).to_contain_text("090-1234-5678")
    assert HouseholdMember.objects.get(pk=day["son"].pk).phone == "090-1234-5678"

    # Revise the plan: the plan page starts as a copy of the plan in force. Its role predates goals, so it
    # comes under a goal still to be written; one more action under it
    page.locator("#plan").get_by_role("link", name="プランを見直す（新しい版を作成）").click()
    plan_form = page.locator("#plan-form")
    expect(plan_form.get_by_label("長期目標")).to_have_value("地域で安心して暮らし続ける")
    goal = plan_form.locator("#goal-1")
    rows_before = goal.locator("fieldset.plan-action-row").count()
    goal.get_by_label("短期目標").fill("見守りの体制を保つ")
    goal.get_by_role("button", name="この目標に支援を追加").click()
    plan_form = page.locator("#plan-form")
    goal = plan_form.locator("#goal-1")
    expect(goal.locator("fieldset.plan-action-row")).to_have_count(rows_before + 1)
    expect(goal.get_by_label("短期目標")).to_have_value("見守りの体制を保つ")
    next_review = timezone.localdate() + datetime.timedelta(days=90)
    plan_form.get_by_label("次回評価日").fill(next_review.isoformat())
    last_row = goal.locator("fieldset.plan-action-row").last
    last_row.get_by_label("支援内容").fill("就労準備支援の紹介")
    last_row.get_by_label("担当機関").select_option(label="北部地域包括支援センター")
    _clean(page, violations)
    plan_form.get_by_role("button", name="プランを保存").click()
    expect(page.locator("#plan .plan-history summary")).to_be_visible()  # the old version is history
    expect(page.locator("#plan")).to_contain_text("就労準備支援の紹介")
    plans = SupportPlan.objects.filter(case=case).order_by("-id")
    assert plans.count() == 2
    revised = plans.first()
    assert revised.long_term_goal == "地域で安心して暮らし続ける" and revised.review_on == next_review
    assert {role.support for role in revised.roles.all()} >= {"月1回の訪問と見守り", "就労準備支援の紹介"}
    assert revised.goals.get().text == "見守りの体制を保つ"

    # Log a visit with the quick log
    quick_log = page.locator("#quick-log")
    quick_log.get_by_label("訪問", exact=True).check()
    quick_log.get_by_role("button", name="30", exact=True).click()
    quick_log.get_by_label("記録").fill("本人と面談。就労準備支援の説明をした。")
    quick_log.get_by_role("button", name="記録する").click()
    expect(page.locator("#activity-timeline li.activity").first).to_contain_text("就労準備支援の説明")
    assert Activity.objects.filter(case=case).count() == 2

    # Void the entry logged by mistake, with a reason
    entry = page.locator(f"#activity-{day['earlier'].pk}")
    entry.locator("summary", has_text="この記録を取り消す").click()
    entry.get_by_label("取消理由").fill("別世帯の記録だったため")
    entry.get_by_role("button", name="取り消す").click()
    expect(page.locator(f"#activity-{day['earlier'].pk}")).to_contain_text("取消済み")
    voided = Activity.objects.get(pk=day["earlier"].pk)
    assert voided.voided and voided.void_reason == "別世帯の記録だったため"
    _clean(page, violations)
    page.screenshot(path=str(ARTIFACTS / f"tour-case-after-the-day-{viewport}.png"), full_page=True)

    assert violations == {}
    assert page.problems == []
    page.context.close()


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_coordinator_and_the_auditor_land_where_their_work_is(live_server, chromium, day, phone):
    from playwright.sync_api import expect

    violations = {}
    coordinator = signed_in_page(chromium, live_server.url, day["coordinator"], phone=phone, bypass_csp=True)
    coordinator.goto(live_server.url + "/")
    expect(coordinator).to_have_url(live_server.url + "/today/")
    inbox = coordinator.locator(
        "section", has=coordinator.get_by_role("heading", name="回答が必要な連携依頼")
    )
    # the request from the north area, without the household's name before it is accepted
    expect(inbox).to_contain_text("北部エリア")
    expect(inbox).not_to_contain_text("山田")
    _clean(coordinator, violations)
    assert coordinator.problems == []
    coordinator.context.close()

    auditor = signed_in_page(chromium, live_server.url, day["auditor"], phone=phone, bypass_csp=True)
    auditor.goto(live_server.url + "/")
    expect(auditor.get_by_role("heading", level=1)).to_contain_text("監査")
    # the caseworker's earlier writes are there, under her name, not her login name
    expect(auditor.locator("main")).to_contain_text("田中 優子")
    _clean(auditor, violations)
    assert auditor.problems == []
    auditor.context.close()

    assert violations == {}
