"""The plan sheet and its evaluation in Chromium, on a phone and on a desktop (issue #12): a caseworker
writes a plan with two goals, their actions (an agency, the person, the family) and the person's agreement
— adding rows with the buttons, no script needed —, logs a visit, evaluates (one goal achieved, one partly,
decision: revise) and lands on the revision page prefilled from the plan, saves the revision; then
evaluates it with a closure, and the case is closed. Every page is axe-clean; every step is checked in the
database."""

import datetime
import shutil
from pathlib import Path

import pytest
from django.utils import timezone

from casework.models import Case, PlanEvaluation, SupportPlan
from network.models import Agency, AgencyKind
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from tests import factories
from tests.browser import ARTIFACTS, AXE_MARKS, signed_in_page
from tests.e2e.test_every_screen import axe_violations

pytestmark = AXE_MARKS
SHOTS = Path("/work/shots/plansheet")


@pytest.fixture
def world(transactional_db):
    role_permissions_sync()
    north = factories.make_area("north", "北部エリア")
    caseworker = factories.make_staff("tanaka", area=north)
    caseworker.last_name, caseworker.first_name = "田中", "優子"
    caseworker.save()
    staff_groups_sync(user=caseworker)
    Agency.objects.create(
        code="jiritsu-north", name="北部自立相談支援機関", kind=AgencyKind.SELF_RELIANCE, area=north
    )
    case = factories.make_case(
        by=caseworker,
        area=north,
        name="山田 花子",
        kana="ヤマダ ハナコ",
        issues=("poverty",),
        main_issue="poverty",
    )
    return {"caseworker": caseworker, "case": case}


def _clean(page, seen: dict) -> None:
    if found := axe_violations(page):
        seen[page.url] = found


def _shot(page, name: str, viewport: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"plan-{name}-{viewport}.png"
    page.screenshot(path=str(path), full_page=True)
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_plan_visit_evaluate_revise_and_close(live_server, chromium, world, phone):
    from playwright.sync_api import expect

    case, violations = world["case"], {}
    viewport = "phone" if phone else "desktop"
    today = timezone.localdate()
    page = signed_in_page(chromium, live_server.url, world["caseworker"], phone=phone, bypass_csp=True)
    case_url = f"{live_server.url}/cases/{case.pk}/"

    # The plan page, from the case page
    page.goto(case_url)
    page.locator("#plan").get_by_role("link", name="支援プランを作成").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("支援プランを作成")
    form = page.locator("#plan-form")
    form.get_by_label("長期目標").fill("地域で安心して暮らし続ける")
    form.get_by_label("次回評価日").fill((today + datetime.timedelta(days=60)).isoformat())
    goal = form.locator("#goal-1")
    goal.get_by_label("短期目標").fill("家計を立て直す")
    action = goal.locator("fieldset.plan-action-row").nth(0)
    action.get_by_label("担当機関").select_option(label="北部自立相談支援機関")
    action.get_by_label("支援内容").fill("家計改善支援（家計表づくり）")
    action.get_by_label("期間・頻度").fill("月2回")
    action.get_by_label("いつまでに").fill((today + datetime.timedelta(days=90)).isoformat())
    goal.get_by_role("button", name="この目標に支援を追加").click()  # a round trip: the input stays

    form = page.locator("#plan-form")
    goal = form.locator("#goal-1")
    expect(goal.get_by_label("短期目標")).to_have_value("家計を立て直す")
    expect(goal.locator("fieldset.plan-action-row")).to_have_count(2)
    action = goal.locator("fieldset.plan-action-row").nth(1)
    action.get_by_label("誰が").select_option(label="本人")
    action.get_by_label("支援内容").fill("レシートを毎日残す")
    form.get_by_role("button", name="目標を追加").click()

    form = page.locator("#plan-form")
    goal = form.locator("#goal-2")
    goal.get_by_label("短期目標").fill("通院を続ける")
    action = goal.locator("fieldset.plan-action-row").nth(0)
    action.get_by_label("誰が").select_option(label="家族")
    action.get_by_label("支援内容").fill("長女が通院に付き添う")
    action.get_by_label("期間・頻度").fill("月1回")
    form.get_by_label("同意日").fill(today.isoformat())
    form.get_by_label("同意の方法").select_option(label="署名")
    _clean(page, violations)
    _shot(page, "form", viewport)
    form.get_by_role("button", name="プランを保存").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("山田 花子")
    sheet = page.locator("#plan")
    expect(sheet).to_contain_text("短期目標 1")
    expect(sheet).to_contain_text("レシートを毎日残す")
    expect(sheet).to_contain_text("長女が通院に付き添う")
    expect(sheet).to_contain_text("署名")
    plan = SupportPlan.objects.get(case=case)
    assert [(g.text, [a.who for a in g.actions.order_by("id")]) for g in plan.goals.order_by("order")] == [
        ("家計を立て直す", ["agency", "person"]),
        ("通院を続ける", ["family"]),
    ]
    assert (plan.agreed_on, plan.agreement_method) == (today, "signed")
    _clean(page, violations)
    _shot(page, "sheet", viewport)

    # A visit with the quick log
    quick_log = page.locator("#quick-log")
    quick_log.get_by_label("訪問", exact=True).check()
    quick_log.get_by_role("button", name="30", exact=True).click()
    quick_log.get_by_label("記録").fill("家計表を一緒に作った。")
    quick_log.get_by_role("button", name="記録する").click()
    expect(page.locator("#activity-timeline li.activity").first).to_contain_text("家計表を一緒に作った")

    # Evaluate: goal 1 achieved, goal 2 partly; revise → the revision page, prefilled
    page.locator("#plan").get_by_role("link", name="プランを評価する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("プランを評価する")
    evaluation = page.locator("#evaluation-form")
    first, second = evaluation.locator("fieldset.goal-evaluation").all()
    first.get_by_label("達成", exact=True).check()
    first.get_by_label("所見").fill("家計表が続いている")
    second.get_by_label("一部達成", exact=True).check()
    evaluation.get_by_label("プランの見直し", exact=True).check()
    _clean(page, violations)
    _shot(page, "evaluation", viewport)
    evaluation.get_by_role("button", name="評価を保存").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("支援プランの見直し")
    form = page.locator("#plan-form")
    expect(form.locator("#goal-1").get_by_label("短期目標")).to_have_value("家計を立て直す")
    expect(form.locator("#goal-2").get_by_label("短期目標")).to_have_value("通院を続ける")
    expect(form.get_by_label("長期目標")).to_have_value("地域で安心して暮らし続ける")
    _clean(page, violations)
    _shot(page, "revision", viewport)
    form.locator("#goal-1").get_by_label("短期目標").fill("家計を安定させる")
    form.get_by_label("同意日").fill(today.isoformat())
    form.get_by_label("同意の方法").select_option(label="口頭で確認")
    form.get_by_role("button", name="プランを保存").click()
    expect(page.locator("#plan")).to_contain_text("家計を安定させる")
    assert SupportPlan.objects.filter(case=case).count() == 2
    first_evaluation = PlanEvaluation.objects.get(plan=plan)
    assert first_evaluation.decision == "revise"
    assert [r.result for r in first_evaluation.goal_results.order_by("goal__order")] == ["achieved", "partly"]

    # Evaluate the revision with a closure: the case closes with its reason
    page.locator("#plan").get_by_role("link", name="プランを評価する").click()
    evaluation = page.locator("#evaluation-form")
    for row in evaluation.locator("fieldset.goal-evaluation").all():
        row.get_by_label("達成", exact=True).check()
    evaluation.get_by_label("終結", exact=True).check()
    evaluation.get_by_role("button", name="評価を保存").click()  # no reason yet: Japanese message, input kept
    expect(page.locator("#evaluation-form")).to_contain_text("終結理由を選んでください")
    evaluation = page.locator("#evaluation-form")
    expect(evaluation.get_by_label("終結", exact=True)).to_be_checked()
    evaluation.get_by_label("終結理由").select_option(label="課題解決")
    _clean(page, violations)
    evaluation.get_by_role("button", name="評価を保存").click()

    expect(page.locator("#status")).to_contain_text("終結")
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.closure_reason, case.closed_on) == ("closed", "goal_achieved", today)
    expect(page.locator("#plan")).to_contain_text("課題解決")
    _clean(page, violations)
    _shot(page, "closed", viewport)

    assert violations == {}
    # the one form sent back on purpose (no closure reason) answers 400, as a form error does
    expected = [p for p in page.problems if "status of 400" in p and "/evaluate/" in p]
    assert len(expected) == 1 and [p for p in page.problems if p not in expected] == []
    page.context.close()
