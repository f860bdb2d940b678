"""An auditor finds who took the indicator report out of the system (issue #14, Auditors), in Chromium on a
phone and on a desktop: a manager exports the report as CSV and prints it; the auditor filters the audit log
by 「エクスポート・ダウンロード（すべて）」 and by part of the manager's name and finds the export
row under the manager's display name. The page stacks its rows as labelled cards on a phone without
scrolling sideways, and is axe-clean."""

import pytest

from casework.models import AuditAction, AuditEvent
from network.roles import role_permissions_sync
from network.services import staff_groups_sync
from reports.services import indicator_master_data_seed
from tests import factories
from tests.browser import AXE_MARKS, signed_in_page
from tests.e2e.test_every_screen import axe_violations

pytestmark = AXE_MARKS


@pytest.fixture
def office(transactional_db):
    """A manager (高橋 由美) and an auditor (佐藤 誠), named as colleagues know them, and the indicators."""
    role_permissions_sync()
    indicator_master_data_seed()
    manager = factories.make_staff("mgr_takahashi", role="manager")
    auditor = factories.make_staff("kansa", role="auditor")
    names = {manager: ("高橋", "由美", "たかはし", "ゆみ"), auditor: ("佐藤", "誠", "さとう", "まこと")}
    for user, (family, given, family_kana, given_kana) in names.items():
        user.last_name, user.first_name = family, given
        user.family_name_kana, user.given_name_kana = family_kana, given_kana
        user.save()
        staff_groups_sync(user=user)
    return {"manager": manager, "auditor": auditor}


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_auditor_finds_the_managers_export(live_server, chromium, office, phone):
    from playwright.sync_api import expect

    manager, auditor = office["manager"], office["auditor"]
    exported = factories.verified_client(manager).get(
        "/reports/export/", {"fiscal_year": 2024, "format": "csv"}
    )
    assert exported.status_code == 200
    printing = signed_in_page(chromium, live_server.url, manager, phone=phone, bypass_csp=True)
    printing.goto(f"{live_server.url}/reports/print/?fiscal_year=2024")
    printing.context.close()
    assert AuditEvent.objects.filter(actor=manager, action=AuditAction.REPORT_EXPORT).count() == 1
    assert AuditEvent.objects.filter(actor=manager, action=AuditAction.REPORT_PRINT).count() == 1

    page = signed_in_page(chromium, live_server.url, auditor, phone=phone, bypass_csp=True)
    seen = {}
    page.goto(f"{live_server.url}/audit/")
    if found := axe_violations(page):
        seen["unfiltered"] = found
    page.get_by_label("操作").select_option(label="エクスポート・ダウンロード（すべて）")
    page.get_by_label("ユーザー").fill("たかは")  # part of the manager's name, in kana
    page.get_by_role("button", name="検索").click()
    page.wait_for_url("**/audit/?*")

    rows = page.locator("table.audit-events tbody tr")
    expect(rows).to_have_count(1)  # the export; the print is not an export
    row = rows.first
    expect(row.locator("td.who")).to_have_text("高橋 由美")
    expect(row).to_contain_text("報告のエクスポート")
    assert "mgr_takahashi" not in row.inner_text()

    page.get_by_label("ユーザー").fill("高橋")
    page.get_by_role("button", name="検索").click()
    page.wait_for_url("**user=%E9%AB%98%E6%A9%8B*")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.who")).to_have_text("高橋 由美")

    layout = page.evaluate(
        """() => ({
            pageWidth: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            rowDisplay: getComputedStyle(document.querySelector('table.audit-events tbody tr')).display,
            label: getComputedStyle(document.querySelector('table.audit-events td.who'), '::before').content,
            whenHeight: document.querySelector('table.audit-events td.when time').getClientRects().length,
        })"""
    )
    assert layout["pageWidth"] <= layout["viewport"], layout  # no sideways scroll of the page
    assert layout["whenHeight"] == 1, layout  # date and time on one line
    if phone:
        assert layout["rowDisplay"] == "block" and "ユーザー" in layout["label"], layout  # a labelled card
    else:
        assert layout["rowDisplay"] == "table-row" and layout["label"] in ("none", "normal"), layout
    if found := axe_violations(page):
        seen["filtered"] = found
    assert not seen, seen
    assert not page.problems, page.problems
