"""Report pages: who may open them, drill-down through casework.selectors.case_list, exports, forms."""

import datetime
import io

import openpyxl
import pytest

from casework import services as casework_services
from network.roles import role_group_sync
from reports.models import CentreUsage, MonthlySnapshot
from tests import factories

from .conftest import jst


@pytest.fixture
def world(seeded, case, caseworker, other_caseworker, other_area, partner):
    """A counted activity on the north case (visible to the north team) and on a south case (not)."""
    south = factories.make_case(by=other_caseworker, area=other_area, name="南 秘匿", kana="ミナミ ヒトク")
    factories.log_activity(case, by=caseworker, when=jst(2024, 5, 1), agencies=[partner], kind="visit")
    factories.log_activity(south, by=other_caseworker, when=jst(2024, 5, 2), agencies=[partner], kind="visit")
    return {"north": case, "south": south}


def test_managers_and_coordinators_see_the_report(world, manager, coordinator, web_client):
    for user in (manager, coordinator):
        response = web_client(user).get("/reports/", {"fiscal_year": 2024})
        assert response.status_code == 200
        body = response.content.decode()
        assert "令和6(2024)年度" in body and "<svg" in body


@pytest.mark.parametrize(
    "path",
    [
        "/reports/",
        "/reports/print/",
        "/reports/cases/",
        "/reports/export/",
        "/reports/action-plan/",
        "/reports/targets/",
        "/reports/centre-usage/",
    ],
)
def test_caseworkers_and_auditors_get_404_everywhere(world, caseworker, auditor, web_client, path):
    for user in (caseworker, auditor):
        assert web_client(user).get(path, {"fiscal_year": 2024}).status_code == 404


def test_the_page_has_no_inline_script_or_style_attribute(world, manager, web_client):
    body = web_client(manager).get("/reports/", {"fiscal_year": 2024}).content.decode()

    assert "style=" not in body
    assert "<script>" not in body and "onclick" not in body


def test_an_invalid_fiscal_year_on_the_page_is_a_400(world, manager, web_client):
    assert web_client(manager).get("/reports/", {"fiscal_year": "x"}).status_code == 400


def test_the_print_page_is_a_standalone_a4_sheet(world, manager, web_client):
    response = web_client(manager).get("/reports/print/", {"fiscal_year": 2024})

    body = response.content.decode()
    assert response.status_code == 200
    assert "令和6(2024)年度" in body and "2024年度" in body and "site-header" not in body


def test_drilldown_lists_only_the_cases_the_viewer_may_see(world, coordinator, web_client):
    response = web_client(coordinator).get("/reports/cases/", {"fiscal_year": 2024, "kind": "visit"})

    body = response.content.decode()
    assert world["north"].number in body
    assert world["south"].number not in body and "秘匿" not in body


def test_a_manager_sees_no_case_behind_a_figure_without_break_glass(world, manager, web_client):
    client = web_client(manager)

    assert world["north"].number not in client.get("/reports/cases/", {"fiscal_year": 2024}).content.decode()

    role_group_sync(user=manager)  # the "role:manager" group carries casework.break_glass
    casework_services.case_break_glass(case=world["south"], opened_by=manager, reason="緊急の安否確認")
    body = client.get("/reports/cases/", {"fiscal_year": 2024, "area": "south"}).content.decode()
    assert world["south"].number in body and world["north"].number not in body


def test_exports_download_and_are_audited(world, manager, coordinator, web_client):
    from casework.models import AuditEvent

    csv = web_client(coordinator).get("/reports/export/", {"fiscal_year": 2024, "format": "csv"})
    xlsx = web_client(manager).get(
        "/reports/export/", {"fiscal_year": 2024, "format": "xlsx", "activities": "1"}
    )

    assert csv.content.startswith(b"\xef\xbb\xbf")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert len(wb.worksheets) == 2 and wb.worksheets[1].max_row == 3
    assert AuditEvent.objects.filter(action="report.export").count() == 2


def test_a_coordinators_excel_has_no_activity_sheet(world, coordinator, web_client):
    xlsx = web_client(coordinator).get(
        "/reports/export/", {"fiscal_year": 2024, "format": "xlsx", "activities": "1"}
    )

    assert len(openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).worksheets) == 1


def test_a_manager_finalises_a_month_from_the_page_and_a_coordinator_may_not(
    world, manager, coordinator, web_client
):
    assert web_client(coordinator).post("/reports/finalise/", {"month": "2024-05"}).status_code == 403
    assert web_client(coordinator).get("/reports/finalise/", {"month": "2024-05"}).status_code == 403

    unconfirmed = web_client(manager).post("/reports/finalise/", {"month": "2024-05"})
    assert unconfirmed.status_code == 302 and "/reports/finalise/?month=2024-05" in unconfirmed["Location"]
    assert not MonthlySnapshot.objects.exists()
    confirmation = web_client(manager).get("/reports/finalise/", {"month": "2024-05"})
    assert confirmation.status_code == 200 and 'name="confirm"' in confirmation.content.decode()
    assert confirmation.context["figures"]["count"] == 2

    response = web_client(manager).post("/reports/finalise/", {"month": "2024-05", "confirm": "1"})
    again = web_client(manager).post("/reports/finalise/", {"month": "2024-05", "confirm": "1"}, follow=True)

    assert response.status_code == 302
    assert MonthlySnapshot.objects.get().figures["count"] == 2
    assert "2024-05" in again.content.decode()


@pytest.mark.parametrize("month", ["2024-13", "May 2024", "2024-05-01", "", "1999-12"])
def test_finalising_a_malformed_month_says_what_would_be_right(world, manager, web_client, month):
    response = web_client(manager).post("/reports/finalise/", {"month": month}, follow=True)

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("YYYY-MM" in m or "2000" in m for m in shown), shown  # the format, or the years reported on
    assert not MonthlySnapshot.objects.exists()


def test_a_bug_while_finalising_is_not_reported_as_a_bad_month(world, manager, web_client, monkeypatch):
    def broken(**kwargs):
        raise ValueError("a bug in the service, not the user's month")

    monkeypatch.setattr("reports.services.monthly_snapshot_finalise", broken)

    with pytest.raises(ValueError, match="a bug in the service"):
        web_client(manager).post("/reports/finalise/", {"month": "2024-05", "confirm": "1"})


def test_managers_edit_targets_on_the_targets_page(world, manager, web_client):
    client = web_client(manager)
    page = client.get("/reports/targets/", {"fiscal_year": 2023})
    data = {"fiscal_year": 2023}
    for name, field in page.context["form"].fields.items():
        data[name] = "" if field.initial is None else field.initial
    data["t-accompanied_activities"] = "250"

    client.post("/reports/targets/", data)

    assert (
        client.get("/api/v1/reports/accompanied-activities/", {"fiscal_year": 2023}).json()["target"] == 250
    )


def test_centre_staff_tally_their_centre_only(seeded, web_client):
    from network.models import Agency

    tanaka = Agency.objects.get(code="centre-tanaka")
    nanbu = Agency.objects.get(code="centre-nanbu")
    staff = factories.make_staff("centre_staff", role="agency", agency=tanaka)
    client = web_client(staff)

    ok = client.post(
        "/reports/centre-usage/",
        {"centre": tanaka.pk, "date": "2024-06-01", "kind": "consultation", "count": "3"},
    )
    refused = client.post(
        "/reports/centre-usage/",
        {"centre": nanbu.pk, "date": "2024-06-01", "kind": "consultation", "count": "3"},
    )

    assert ok.status_code == 302 and refused.status_code == 400
    assert list(CentreUsage.objects.values_list("centre__code", "count")) == [("centre-tanaka", 3)]


def test_centre_usage_totals_count_every_kind_against_the_targets(seeded, manager):
    from network.models import Agency
    from reports import services
    from reports.selectors import centre_usage_summary

    tanaka = Agency.objects.get(code="centre-tanaka")
    for kind, count in (("consultation", 2), ("community_support", 5), ("other", 1)):
        services.centre_usage_record(
            centre=tanaka, date=datetime.date(2024, 6, 1), kind=kind, count=count, recorded_by=manager
        )

    row = next(r for r in centre_usage_summary(fiscal_year=2024) if r["centre"] == "centre-tanaka")
    assert (row["usage"]["count"], row["consultations"]["count"], row["community_support"]["count"]) == (
        8,
        2,
        5,
    )
    assert row["usage"]["target"] == 1200


def test_the_action_plan_overview_shows_the_grades(seeded, coordinator, web_client):
    from reports.models import ActionPlanEvaluation, ActionPlanItem

    item = ActionPlanItem.objects.create(code="ap-1", title="地域の居場所づくり", sort_order=1)
    ActionPlanEvaluation.objects.create(item=item, fiscal_year=2022, grade="◎")
    ActionPlanEvaluation.objects.create(item=item, fiscal_year=2023, grade="△")

    body = web_client(coordinator).get("/reports/action-plan/").content.decode()

    assert "地域の居場所づくり" in body and "◎" in body and "△" in body and "令和5(2023)年度" in body
