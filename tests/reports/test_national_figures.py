"""The year's figures in the national frame (issue #12): each count at the fiscal-year edges in Tokyo time,
what is left out, the area rule, the page, its exports, print, API, access and audit rows."""

import datetime
import io

import openpyxl
import pytest
from rest_framework.test import APIClient

from casework import meeting_services
from casework import services as casework_services
from casework.models import AuditEvent
from referrals import services as referral_services
from reports import indicators as ind
from reports.national import figure, national_figures
from tests import factories

from .conftest import jst

D = datetime.date
LAST_OLD = jst(2025, 3, 31, 23, 59)  # FY2024's last minute
FIRST_NEW = jst(2025, 4, 1, 0, 0)  # FY2025's first: 2025-03-31T15:00Z


def count(fiscal_year, indicator, category=None, *, area=None, month=None):
    row = figure(national_figures(fiscal_year=fiscal_year, area=area), indicator, category)
    if month is None:
        return row["total"]
    return row["months"][national_figures(fiscal_year=fiscal_year)["months"].index(month)]


def open_case(by, area, opened_on, **intake):
    return factories.make_case(by=by, area=area, opened_on=opened_on, **intake)


# --- 新規相談受付件数 by 相談経路 ----------------------------------------------------------------------


def test_new_consultations_count_by_opening_date_at_the_year_edge(seeded, caseworker, area):
    open_case(caseworker, area, D(2025, 3, 31), referral_source="minsei")
    open_case(caseworker, area, D(2025, 4, 1), referral_source="minsei")

    assert count(2024, ind.NATIONAL_NEW_CONSULTATIONS, "minsei", month="2025-03") == 1
    assert count(2024, ind.NATIONAL_NEW_CONSULTATIONS, "minsei") == 1
    assert count(2025, ind.NATIONAL_NEW_CONSULTATIONS, "minsei") == 1
    assert count(2025, ind.NATIONAL_NEW_CONSULTATIONS, "minsei", month="2025-04") == 1


def test_outreach_folds_into_other_and_a_blank_source_shows_as_not_recorded(seeded, caseworker, area):
    open_case(caseworker, area, D(2024, 6, 1), referral_source="outreach")
    open_case(caseworker, area, D(2024, 6, 2), referral_source="other")
    open_case(caseworker, area, D(2024, 6, 3))

    report = national_figures(fiscal_year=2024)
    assert figure(report, ind.NATIONAL_NEW_CONSULTATIONS, "other")["total"] == 2
    assert figure(report, ind.NATIONAL_NEW_CONSULTATIONS, ind.NOT_RECORDED)["total"] == 1
    section = next(s for s in report["sections"] if s["code"] == ind.NATIONAL_NEW_CONSULTATIONS)
    assert section["total"]["total"] == 3
    assert section["total"]["months"][2] == 3  # June


# --- 多機関協働ケース数 -----------------------------------------------------------------------------


def test_multi_agency_cases_count_distinct_cases_by_tokyo_month_at_the_year_edge(
    seeded, case, caseworker, partner, partner_b
):
    factories.log_activity(case, by=caseworker, when=LAST_OLD, agencies=[partner])
    factories.log_activity(case, by=caseworker, when=jst(2025, 3, 2), agencies=[partner, partner_b])
    factories.log_activity(case, by=caseworker, when=FIRST_NEW, agencies=[partner])

    assert count(2024, ind.NATIONAL_MULTI_AGENCY_CASES, month="2025-03") == 1
    assert count(2024, ind.NATIONAL_MULTI_AGENCY_CASES) == 1
    assert count(2025, ind.NATIONAL_MULTI_AGENCY_CASES, month="2025-04") == 1


def test_the_years_multi_agency_cases_are_distinct_not_the_sum_of_its_months(
    seeded, case, caseworker, partner
):
    factories.log_activity(case, by=caseworker, when=jst(2024, 5, 1), agencies=[partner])
    factories.log_activity(case, by=caseworker, when=jst(2024, 6, 1), agencies=[partner])

    row = figure(national_figures(fiscal_year=2024), ind.NATIONAL_MULTI_AGENCY_CASES)
    assert sum(row["months"]) == 2
    assert row["total"] == 1


def test_voided_activities_and_activities_without_a_partner_make_no_multi_agency_case(
    seeded, case, caseworker, partner
):
    voided = factories.log_activity(case, by=caseworker, when=jst(2024, 5, 1), agencies=[partner])
    casework_services.activity_void(activity=voided, voided_by=caseworker, reason="誤入力")
    factories.log_activity(case, by=caseworker, when=jst(2024, 5, 2), agencies=[])

    assert count(2024, ind.NATIONAL_MULTI_AGENCY_CASES) == 0


# --- プラン作成 / 見直し ------------------------------------------------------------------------------


def test_only_a_cases_first_plan_is_a_plan_made_at_the_year_edge(seeded, case, caseworker):
    casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2025, 3, 31))
    casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2025, 4, 1))

    assert count(2024, ind.NATIONAL_PLANS_MADE, month="2025-03") == 1
    assert count(2025, ind.NATIONAL_PLANS_MADE) == 0


def test_two_plans_on_one_day_are_one_plan_made(seeded, case, caseworker):
    casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2024, 7, 1))
    casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2024, 7, 1))

    assert count(2024, ind.NATIONAL_PLANS_MADE) == 1


def _evaluate(plan, by, on, decision="continue", **extra):
    if decision == "continue":
        extra.setdefault("next_review_on", on + datetime.timedelta(days=90))
    return casework_services.plan_evaluate(
        plan=plan, evaluated_by=by, results=[], decision=decision, evaluated_on=on, **extra
    )


def test_plans_reviewed_count_evaluations_by_their_date_at_the_year_edge(seeded, case, caseworker):
    plan = casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2025, 1, 10))
    _evaluate(plan, caseworker, D(2025, 3, 31))
    _evaluate(plan, caseworker, D(2025, 4, 1), decision="revise")
    casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2025, 4, 2))

    assert count(2024, ind.NATIONAL_PLANS_REVIEWED, month="2025-03") == 1
    assert count(2024, ind.NATIONAL_PLANS_REVIEWED) == 1
    assert count(2025, ind.NATIONAL_PLANS_REVIEWED, month="2025-04") == 1
    assert count(2025, ind.NATIONAL_PLANS_REVIEWED) == 1  # the revised plan is not a second review


def test_an_evaluation_that_closes_the_case_is_a_review_and_a_closure(seeded, case, caseworker):
    plan = casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2024, 5, 1))
    _evaluate(plan, caseworker, D(2024, 11, 5), decision="close", closure_reason="goal_achieved")

    assert count(2024, ind.NATIONAL_PLANS_REVIEWED, month="2024-11") == 1
    assert count(2024, ind.NATIONAL_CLOSURES, "goal_achieved", month="2024-11") == 1


# --- 支援会議 / 重層的支援会議 --------------------------------------------------------------------------


def _meeting(caseworker, area, kind, held_on, cases):
    return meeting_services.meeting_record(
        recorded_by=caseworker,
        kind=kind,
        area=area,
        held_on=held_on,
        agencies=[factories.make_agency()],
        discussions=[meeting_services.Discussion(case=c) for c in cases],
        confidentiality_acknowledged=True,
    )


def test_meetings_held_and_cases_discussed_by_kind_at_the_year_edge(seeded, case, caseworker, area):
    other = open_case(caseworker, area, D(2024, 4, 1))
    _meeting(caseworker, area, "support", D(2025, 3, 31), [case, other])
    _meeting(caseworker, area, "multi_agency", D(2025, 4, 1), [case])
    _meeting(caseworker, area, "case_conference", D(2024, 10, 1), [case])

    assert count(2024, ind.NATIONAL_SUPPORT_MEETINGS, month="2025-03") == 1
    assert count(2024, ind.NATIONAL_SUPPORT_MEETING_CASES) == 2
    assert count(2024, ind.NATIONAL_MULTI_AGENCY_MEETINGS) == 0
    assert count(2025, ind.NATIONAL_MULTI_AGENCY_MEETINGS, month="2025-04") == 1
    assert count(2025, ind.NATIONAL_MULTI_AGENCY_MEETING_CASES) == 1
    assert count(2025, ind.NATIONAL_SUPPORT_MEETINGS) == 0


# --- 終結件数 by 終結理由 ------------------------------------------------------------------------------


def _close(case, by, on, reason="goal_achieved"):
    return casework_services.case_change_status(
        case=case, changed_by=by, status="closed", closure_reason=reason, on=on
    )


def test_closures_count_by_closure_date_and_reason_at_the_year_edge(seeded, caseworker, area):
    _close(open_case(caseworker, area, D(2024, 4, 1)), caseworker, D(2025, 3, 31), "moved")
    _close(open_case(caseworker, area, D(2024, 4, 1)), caseworker, D(2025, 4, 1), "unreachable")

    assert count(2024, ind.NATIONAL_CLOSURES, "moved", month="2025-03") == 1
    assert count(2024, ind.NATIONAL_CLOSURES, "unreachable") == 0
    assert count(2025, ind.NATIONAL_CLOSURES, "unreachable", month="2025-04") == 1


def test_a_reopened_case_is_not_a_closure(seeded, case, caseworker):
    case = _close(case, caseworker, D(2024, 9, 1))
    assert count(2024, ind.NATIONAL_CLOSURES, "goal_achieved") == 1
    casework_services.case_reopen(case=case, reopened_by=caseworker)

    assert count(2024, ind.NATIONAL_CLOSURES, "goal_achieved") == 0


# --- area -----------------------------------------------------------------------------------------------


def test_the_area_filter_counts_only_that_areas_figures(
    seeded, caseworker, area, other_caseworker, other_area
):
    open_case(caseworker, area, D(2024, 5, 1), referral_source="self")
    open_case(other_caseworker, other_area, D(2024, 5, 1), referral_source="self")
    open_case(other_caseworker, other_area, D(2024, 5, 2), referral_source="self")

    assert count(2024, ind.NATIONAL_NEW_CONSULTATIONS, "self", area=area) == 1
    assert count(2024, ind.NATIONAL_NEW_CONSULTATIONS, "self", area=other_area) == 2
    assert count(2024, ind.NATIONAL_NEW_CONSULTATIONS, "self") == 3


def test_a_transfer_leaves_earlier_intakes_and_closures_with_the_area_that_held_the_case(
    seeded, caseworker, area, other_area
):
    case = open_case(caseworker, area, D(2024, 5, 1), referral_source="family")
    coordinator = factories.make_staff("coord_south", role="coordinator", area=other_area)
    referral = referral_services.referral_request(
        case=case, requested_by=caseworker, kind="transfer", to_area=other_area, reason="転居のため"
    )
    referral = referral_services.referral_accept(referral=referral, accepted_by=coordinator)
    referral.decided_at = jst(2024, 8, 1, 10)  # the transfer took effect on 1 August
    referral.save(update_fields=["decided_at"])
    case.refresh_from_db()
    _close(case, coordinator, D(2024, 9, 1))

    assert count(2024, ind.NATIONAL_NEW_CONSULTATIONS, "family", area=area) == 1
    assert count(2024, ind.NATIONAL_NEW_CONSULTATIONS, "family", area=other_area) == 0
    assert count(2024, ind.NATIONAL_CLOSURES, "goal_achieved", area=other_area) == 1
    assert count(2024, ind.NATIONAL_CLOSURES, "goal_achieved", area=area) == 0


# --- the page, downloads, print, API, access, audit -------------------------------------------------------

PAGES = ["/reports/national/", "/reports/national/print/", "/reports/national/export/"]
API = "/api/v1/reports/national-figures/"


@pytest.fixture
def year(seeded, case, caseworker, area, other_caseworker, other_area, partner):
    """A little of everything in FY2024, in two areas, and an intake at FY2025's first minute."""
    case.referral_source = "self"
    case.save(update_fields=["referral_source"])
    open_case(caseworker, area, D(2024, 4, 1), referral_source="agency")
    open_case(other_caseworker, other_area, D(2025, 3, 31), referral_source="agency")
    open_case(other_caseworker, other_area, D(2025, 4, 1), referral_source="agency")
    factories.log_activity(case, by=caseworker, when=LAST_OLD, agencies=[partner])
    casework_services.plan_create(case=case, created_by=caseworker, created_on=D(2024, 6, 1))
    _meeting(caseworker, area, "multi_agency", D(2024, 7, 1), [case])
    return case


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_page_shows_the_twelve_months_and_the_year_with_both_labels(year, manager, web_client):
    response = web_client(manager).get("/reports/national/", {"fiscal_year": 2024})

    body = response.content.decode()
    assert response.status_code == 200
    assert "令和6(2024)年度" in body and "2024年度" in body
    assert body.index('datetime="2024-04"') < body.index('datetime="2025-03"')
    assert "民生委員・児童委員" in body and "重層的支援会議" in body


def test_the_indicator_report_links_to_the_national_figures(year, coordinator, web_client):
    body = web_client(coordinator).get("/reports/", {"fiscal_year": 2024}).content.decode()

    assert "/reports/national/?fiscal_year=2024" in body


def test_the_area_filter_on_the_page_and_a_wrong_area_is_a_400(year, manager, other_area, web_client):
    client = web_client(manager)
    assert client.get("/reports/national/", {"fiscal_year": 2024, "area": other_area.code}).status_code == 200
    assert client.get("/reports/national/", {"fiscal_year": 2024, "area": "nowhere"}).status_code == 400
    assert client.get("/reports/national/", {"fiscal_year": "24x"}).status_code == 400


def test_the_csv_has_a_bom_the_columns_and_the_figures(year, coordinator, web_client):
    response = web_client(coordinator).get(
        "/reports/national/export/", {"fiscal_year": 2024, "format": "csv"}
    )

    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content[3:].decode("utf-8").splitlines()
    header = lines[3].split(",")
    assert header[2:14] == [
        f"{y}-{m:02d}" for y, m in [(2024, m) for m in range(4, 13)] + [(2025, 1), (2025, 2), (2025, 3)]
    ]
    assert len(header) == 15
    agency_row = next(line.split(",") for line in lines if ",関係機関," in line)
    assert agency_row[2] == "1" and agency_row[13] == "1" and agency_row[14] == "2"  # April, March, year


def test_the_xlsx_opens_and_matches_the_csv(year, manager, web_client):
    client = web_client(manager)
    xlsx = client.get("/reports/national/export/", {"fiscal_year": 2024, "format": "xlsx"})
    csv = client.get("/reports/national/export/", {"fiscal_year": 2024, "format": "csv"})

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(min_row=4, values_only=True)
    ]
    csv_rows = [line.split(",") for line in csv.content[3:].decode("utf-8").splitlines()[3:]]
    assert cells == csv_rows


def test_the_area_filter_reaches_the_download(year, manager, other_area, web_client):
    response = web_client(manager).get(
        "/reports/national/export/", {"fiscal_year": 2024, "format": "csv", "area": other_area.code}
    )

    agency_row = next(
        line.split(",") for line in response.content[3:].decode().splitlines() if ",関係機関," in line
    )
    assert agency_row[2] == "0" and agency_row[14] == "1"
    assert response["Content-Disposition"].endswith(f'national-figures-FY2024-{other_area.code}.csv"')


def test_the_print_page_is_a_standalone_sheet(year, manager, web_client):
    response = web_client(manager).get("/reports/national/print/", {"fiscal_year": 2024})

    body = response.content.decode()
    assert response.status_code == 200
    assert "令和6(2024)年度" in body and "site-header" not in body and "national-sheet" in body


def test_downloads_and_prints_are_audited(year, manager, area, web_client):
    client = web_client(manager)
    client.get("/reports/national/export/", {"fiscal_year": 2024, "format": "csv", "area": area.code})
    client.get("/reports/national/export/", {"fiscal_year": 2024, "format": "xlsx"})
    client.get("/reports/national/print/", {"fiscal_year": 2024})

    exports = AuditEvent.objects.filter(action="report.export", actor=manager).order_by("id")
    assert [e.changes["export"]["format"] for e in exports] == ["csv", "xlsx"]
    assert exports[0].changes["export"]["report"] == "national_figures"
    assert exports[0].changes["export"]["area"] == area.code
    printed = AuditEvent.objects.get(action="report.print", actor=manager)
    assert printed.changes["print"] == {
        "fiscal_year": 2024,
        "month": None,
        "report": "national_figures",
        "area": None,
    }


def test_viewing_the_page_or_the_api_writes_no_audit_row(year, manager, web_client):
    before = AuditEvent.objects.count()
    web_client(manager).get("/reports/national/", {"fiscal_year": 2024})
    client_for(manager).get(API, {"fiscal_year": 2024})

    assert AuditEvent.objects.exclude(action__startswith="auth.").count() == before


@pytest.mark.parametrize("path", PAGES)
def test_caseworkers_agency_staff_and_auditors_get_404(
    year, caseworker, auditor, agency_user, web_client, path
):
    for user in (caseworker, auditor, agency_user):
        assert web_client(user).get(path, {"fiscal_year": 2024}).status_code == 404
    assert AuditEvent.objects.filter(action__in=["report.export", "report.print"]).count() == 0


def test_anonymous_visitors_are_sent_to_the_login(year, client):
    response = client.get("/reports/national/", {"fiscal_year": 2024})

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_api_answers_managers_and_coordinators_with_the_figures(year, manager, coordinator, area):
    for user in (manager, coordinator):
        response = client_for(user).get(API, {"fiscal_year": 2024})
        assert response.status_code == 200
    data = response.json()
    assert data["label"] == "令和6(2024)年度" and data["label_western"] == "2024年度"
    assert data["area"] is None and len(data["months"]) == 12 and data["months"][0] == "2024-04"
    rows = {(r["indicator"], r["category"]): r for s in data["sections"] for r in s["rows"]}
    assert rows[("new_consultations", "agency")]["total"] == 2
    assert rows[("multi_agency_cases", None)]["months"][11] == 1
    assert rows[("plans_made", None)]["total"] == 1
    assert rows[("multi_agency_meeting_cases", None)]["total"] == 1
    by_area = client_for(manager).get(API, {"fiscal_year": 2024, "area": area.code}).json()
    assert by_area["area"] == area.code
    assert next(r for s in by_area["sections"] for r in s["rows"] if r["category"] == "agency")["total"] == 1


def test_the_api_is_404_for_other_roles_and_400_for_a_wrong_year_or_area(year, caseworker, auditor, manager):
    for user in (caseworker, auditor):
        assert client_for(user).get(API, {"fiscal_year": 2024}).status_code == 404
    assert APIClient().get(API, {"fiscal_year": 2024}).status_code == 401
    assert client_for(manager).get(API).status_code == 400
    response = client_for(manager).get(API, {"fiscal_year": 2024, "area": "nowhere"})
    assert response.status_code == 400 and "area" in response.json()
