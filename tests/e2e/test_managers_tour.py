"""A manager in Chromium, on a phone and on a desktop (issue #14): lands on the report, grades the action
plan in place, and imports a team's ledger through the preview — one bad row reported with its row and
column, the valid rows imported after confirming. axe-clean on every page met; checked in the database."""

import pytest

from casework.models import Case, LedgerImport
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from reports.models import ActionPlanEvaluation, ActionPlanItem
from reports.services import indicator_master_data_seed
from tests import factories
from tests.browser import AXE_MARKS, signed_in_page
from tests.e2e.test_every_screen import axe_violations

pytestmark = AXE_MARKS

LEDGER = (
    "北部エリア 相談受付台帳\n"
    "\n"
    "No.,受付日,氏名,フリガナ,主訴\n"
    "1,R4.5.1,架空 一郎,カクウ イチロウ,生活困窮\n"
    "2,令和4年6月3日,架空 二郎,カクウ ジロウ,ひきこもり\n"
    "3,来週,架空 三郎,カクウ サブロウ,8050問題\n"
)


@pytest.fixture
def manager(transactional_db):
    role_permissions_sync()
    indicator_master_data_seed()
    factories.make_area("north", "北部エリア")
    user = factories.make_staff("honbu", role="manager")
    user.last_name, user.first_name = "高橋", "直美"
    user.save()
    staff_groups_sync(user=user)
    ActionPlanItem.objects.create(code="ap-tour", title="地域の居場所づくり", section="つながる")
    return user


def _clean(page, seen: dict) -> None:
    if found := axe_violations(page):
        seen[page.url] = found


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_a_manager_grades_the_action_plan_and_imports_a_ledger(
    live_server, chromium, manager, tmp_path, phone
):
    from playwright.sync_api import expect

    violations = {}
    page = signed_in_page(chromium, live_server.url, manager, phone=phone, bypass_csp=True)
    page.goto(live_server.url + "/")
    expect(page).to_have_url(f"{live_server.url}/reports/")
    _clean(page, violations)

    # The ◎〇△ grid, edited in place for FY2024
    page.goto(f"{live_server.url}/reports/action-plan/edit/?fiscal_year=2024")
    expect(page.get_by_role("heading", level=1)).to_contain_text("アクションプラン評価")
    _clean(page, violations)
    page.get_by_label("地域の居場所づくり").select_option("◎")
    page.get_by_role("button", name="評価を保存").click()
    expect(page.locator("main")).to_contain_text("◎")
    grade = ActionPlanEvaluation.objects.get(item__code="ap-tour", fiscal_year=2024)
    assert grade.grade == "◎"

    # The ledger: checked first, the preview shows the bad row; nothing stored yet
    ledger = tmp_path / "台帳.csv"
    ledger.write_bytes(LEDGER.encode("cp932"))
    page.goto(f"{live_server.url}/cases/imports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("台帳の取込み")
    _clean(page, violations)
    page.get_by_label("エリア").select_option(label="北部エリア")
    page.get_by_label("台帳のファイル").set_input_files(str(ledger))
    page.get_by_role("button", name="ファイルを確認する").click()
    errors = page.locator("table.ledger-errors")
    expect(errors).to_contain_text("受付日")  # the column as written in the file
    expect(errors).to_contain_text("6")  # the row as Excel numbers it (title, blank, header, 3 rows)
    expect(page.locator("table.ledger-preview").first).to_contain_text("架空 一郎")
    _clean(page, violations)
    assert not Case.objects.exists()

    # Confirm: the valid rows only
    page.get_by_label("誤りのない行だけを取り込み、誤りのある行は取り込まない").check()
    page.get_by_role("button", name="確認して取り込む").click()
    expect(page.locator("table.ledger-counts")).to_contain_text("2")
    _clean(page, violations)
    assert sorted(Case.objects.values_list("source_number", flat=True)) == ["1", "2"]
    assert LedgerImport.objects.get().uploaded_by == manager

    assert violations == {}
    assert page.problems == []
    page.context.close()
