"""The managers' pages: the action plan grid and network meetings (no admin needed), drill-down
breakdowns without case details, finalising confirmed and in order, the snapshot page, the projection
on the chart and the way to a missing target."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from casework.models import AuditEvent
from network.fiscal import TOKYO
from network.models import NetworkMeeting
from reports import services
from reports.charts import cumulative_chart
from reports.models import ActionPlanEvaluation, ActionPlanItem, MonthlySnapshot
from reports.selectors import DrilldownFilters, accompanied_activity_report, drilldown_breakdown
from reports.tasks import finalise_last_month
from tests import factories

from .conftest import jst

TODAY = datetime.date(2024, 11, 1)


@pytest.fixture
def world(seeded, case, caseworker, other_caseworker, other_area, partner, partner_b):
    south = factories.make_case(by=other_caseworker, area=other_area, name="南 秘匿", kana="ミナミ ヒトク")
    factories.log_activity(case, by=caseworker, when=jst(2024, 5, 1), agencies=[partner], kind="visit")
    factories.log_activity(
        case, by=caseworker, when=jst(2024, 6, 3), agencies=[partner, partner_b], kind="phone"
    )
    factories.log_activity(south, by=other_caseworker, when=jst(2024, 5, 2), agencies=[partner], kind="visit")
    return {"north": case, "south": south}


@pytest.fixture
def items(db):
    return [
        ActionPlanItem.objects.create(code="ap-1", title="地域の居場所づくり", sort_order=1),
        ActionPlanItem.objects.create(code="ap-2", title="断らない相談", sort_order=2),
    ]


# --- the action plan grid -----------------------------------------------------------------------------


def test_saving_a_years_grades_creates_changes_and_clears_cells_each_audited(items, manager):
    first, second = items
    services.action_plan_grades_save(
        fiscal_year=2024, grades={first.pk: "◎", second.pk: "△"}, saved_by=manager
    )

    changed = services.action_plan_grades_save(
        fiscal_year=2024, grades={first.pk: "〇", second.pk: ""}, saved_by=manager
    )

    assert changed == 2
    assert list(ActionPlanEvaluation.objects.values_list("item__code", "fiscal_year", "grade")) == [
        ("ap-1", 2024, "〇")
    ]
    grades = [e.changes["grade"] for e in AuditEvent.objects.filter(action="report").order_by("id")]
    assert grades == [[None, "◎"], [None, "△"], ["◎", "〇"], ["△", None]]


def test_only_managers_grade_the_plan_and_only_with_the_three_marks(items, manager, coordinator):
    with pytest.raises(PermissionDenied):
        services.action_plan_grades_save(fiscal_year=2024, grades={items[0].pk: "◎"}, saved_by=coordinator)
    with pytest.raises(ValidationError):
        services.action_plan_grades_save(fiscal_year=2024, grades={items[0].pk: "A"}, saved_by=manager)
    assert not ActionPlanEvaluation.objects.exists()


def test_a_manager_edits_the_grid_in_one_post(items, manager, web_client):
    client = web_client(manager)
    page = client.get("/reports/action-plan/edit/", {"fiscal_year": 2024})
    body = page.content.decode()
    assert page.status_code == 200 and body.count("<select") == 3  # the year picker and one per item

    response = client.post(
        "/reports/action-plan/edit/",
        {"fiscal_year": 2024, f"item-{items[0].pk}": "◎", f"item-{items[1].pk}": "〇"},
    )

    assert response.status_code == 302
    assert dict(ActionPlanEvaluation.objects.values_list("item__code", "grade")) == {
        "ap-1": "◎",
        "ap-2": "〇",
    }
    overview = client.get("/reports/action-plan/").content.decode()
    assert "管理画面" not in overview and "admin" not in overview.lower().replace("administrator", "")
    assert "/reports/action-plan/edit/?fiscal_year=2024" in overview


def test_a_bad_grade_is_shown_again_with_a_japanese_message(items, manager, web_client):
    response = web_client(manager).post(
        "/reports/action-plan/edit/", {"fiscal_year": 2024, f"item-{items[0].pk}": "X"}
    )

    assert response.status_code == 400
    assert "正しく選択してください" in response.content.decode()
    assert not ActionPlanEvaluation.objects.exists()


def test_others_never_reach_the_grid_editor(items, coordinator, caseworker, auditor, web_client):
    for user in (coordinator, caseworker, auditor):
        client = web_client(user)
        assert client.get("/reports/action-plan/edit/").status_code == 404
        assert client.post("/reports/action-plan/edit/", {"fiscal_year": 2024}).status_code == 404


# --- network meetings ---------------------------------------------------------------------------------


def test_recording_and_correcting_a_meeting_is_audited_old_to_new(seeded, manager, partner, partner_b):
    meeting = services.network_meeting_save(
        held_on=datetime.date(2024, 6, 10), theme="合同研修", agencies=[partner], saved_by=manager
    )
    services.network_meeting_save(
        meeting=meeting,
        held_on=datetime.date(2024, 6, 11),
        theme="合同研修",
        agencies=[partner, partner_b],
        saved_by=manager,
    )

    events = list(AuditEvent.objects.filter(object_type="network.networkmeeting").order_by("id"))
    assert [e.changes["network_meeting"]["held_on"] for e in events] == [
        [None, "2024-06-10"],
        ["2024-06-10", "2024-06-11"],
    ]
    assert events[1].changes["network_meeting"]["agencies"] == [["partner-a"], ["partner-a", "partner-b"]]
    assert "theme" not in events[1].changes["network_meeting"]  # unchanged fields are not logged


def test_only_managers_record_meetings(seeded, coordinator):
    with pytest.raises(PermissionDenied):
        services.network_meeting_save(
            held_on=datetime.date(2024, 6, 10), theme="合同研修", agencies=[], saved_by=coordinator
        )


def test_a_manager_records_and_edits_a_meeting_on_pages(seeded, manager, partner, web_client):
    client = web_client(manager)
    assert client.get("/reports/meetings/new/").status_code == 200

    response = client.post(
        "/reports/meetings/new/",
        {"held_on": "2024-07-01", "theme": "災害時の相互応援", "agencies": [partner.pk]},
    )

    meeting = NetworkMeeting.objects.get()
    assert response.status_code == 302 and "fiscal_year=2024" in response["Location"]
    listing = client.get("/reports/meetings/", {"fiscal_year": 2024}).content.decode()
    assert "災害時の相互応援" in listing and partner.name in listing
    edit = client.post(
        f"/reports/meetings/edit/?meeting={meeting.pk}",
        {"held_on": "2024-07-02", "theme": "災害時の相互応援"},
    )
    meeting.refresh_from_db()
    assert edit.status_code == 302 and meeting.held_on == datetime.date(2024, 7, 2)
    assert not meeting.agencies.exists()
    assert client.get("/reports/meetings/edit/", {"meeting": 987654}).status_code == 404
    assert client.get("/reports/meetings/edit/").status_code == 404


def test_a_future_meeting_is_refused_in_japanese(seeded, manager, web_client):
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = web_client(manager).post("/reports/meetings/new/", {"held_on": tomorrow, "theme": "予定"})

    assert response.status_code == 400
    assert "予定" in response.content.decode() and not NetworkMeeting.objects.exists()


def test_coordinators_read_meetings_others_get_404(seeded, coordinator, caseworker, auditor, web_client):
    client = web_client(coordinator)
    listing = client.get("/reports/meetings/")
    assert listing.status_code == 200 and "/reports/meetings/new/" not in listing.content.decode()
    assert client.get("/reports/meetings/new/").status_code == 404
    for user in (caseworker, auditor):
        assert web_client(user).get("/reports/meetings/").status_code == 404
        assert web_client(user).get("/reports/meetings/new/").status_code == 404


# --- drill-down: the breakdown behind the number ------------------------------------------------------


def test_the_breakdown_is_aggregated_by_area_kind_issue_agency_and_month(world):
    breakdown = drilldown_breakdown(fiscal_year=2024, filters=DrilldownFilters(kind="visit"))

    assert breakdown["total"] == 2 and breakdown["unique_cases"] == 2
    assert {r["area"]: r["count"] for r in breakdown["by_area"] if r["count"]} == {"north": 1, "south": 1}
    assert {r["month"]: r["count"] for r in breakdown["by_month"] if r["count"]} == {"2024-05": 2}
    assert {r["agency"]: r["count"] for r in breakdown["by_agency"]} == {"partner-a": 2}
    by_agency = drilldown_breakdown(fiscal_year=2024, filters=DrilldownFilters(agency="partner-b"))
    assert by_agency["total"] == 1 and {r["month"] for r in by_agency["by_month"] if r["count"]} == {
        "2024-06"
    }


def test_a_manager_sees_the_breakdown_without_case_details(world, manager, web_client):
    response = web_client(manager).get("/reports/cases/", {"fiscal_year": 2024, "kind": "visit"})

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["breakdown"]["total"] == 2
    assert "閲覧できるケースはありません" not in body
    assert world["north"].number not in body and world["south"].number not in body and "秘匿" not in body


def test_a_coordinator_sees_the_breakdown_and_only_own_cases(world, coordinator, web_client):
    body = (
        web_client(coordinator)
        .get("/reports/cases/", {"fiscal_year": 2024, "kind": "visit"})
        .content.decode()
    )

    assert world["north"].number in body and world["south"].number not in body
    assert "南部エリア" in body  # the breakdown counts the south case's activity, without naming it


# --- finalising in order, with confirmation -----------------------------------------------------------


def test_a_month_after_an_unfinalised_one_is_refused_in_japanese(world, manager):
    services.monthly_snapshot_finalise(year=2024, month=4, finalised_by=manager, today=TODAY)

    with translation.override("ja"), pytest.raises(ValidationError) as refused:
        services.monthly_snapshot_finalise(year=2024, month=6, finalised_by=manager, today=TODAY)

    assert "2024-05が未確定のため" in " ".join(refused.value.messages)
    services.monthly_snapshot_finalise(year=2024, month=5, finalised_by=manager, today=TODAY)
    services.monthly_snapshot_finalise(year=2024, month=6, finalised_by=manager, today=TODAY)
    assert list(MonthlySnapshot.objects.values_list("month", flat=True)) == ["2024-04", "2024-05", "2024-06"]


def test_the_automatic_finalisation_also_goes_in_order_and_catches_up(
    world, django_capture_on_commit_callbacks
):
    services.monthly_snapshot_finalise(year=2024, month=8, today=TODAY)

    with (
        time_machine.travel(datetime.datetime(2024, 11, 1, 6, 0, tzinfo=TOKYO), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = finalise_last_month.apply().get()

    assert result == "2024-10"
    assert list(MonthlySnapshot.objects.values_list("month", flat=True)) == ["2024-08", "2024-09", "2024-10"]


def test_the_confirmation_page_shows_the_figures_and_refuses_out_of_order(world, manager, web_client):
    client = web_client(manager)
    with time_machine.travel(datetime.datetime(2024, 11, 1, 9, 0, tzinfo=TOKYO)):
        services.monthly_snapshot_finalise(year=2024, month=4, finalised_by=manager)
        blocked = client.get("/reports/finalise/", {"month": "2024-06"})
        refused = client.post("/reports/finalise/", {"month": "2024-06", "confirm": "1"}, follow=True)
        confirm = client.get("/reports/finalise/", {"month": "2024-05"})
        report = client.get("/reports/", {"fiscal_year": 2024})

    assert (
        'name="confirm"' not in blocked.content.decode() and "先に2024-05を確定" in blocked.content.decode()
    )
    assert any("2024-05が未確定" in str(m) for m in refused.context["messages"])
    assert 'name="confirm"' in confirm.content.decode() and confirm.context["figures"]["count"] == 2
    assert report.context["finalisable"] == ["2024-05"]


def test_the_snapshot_page_lists_who_finalised_what_and_restatements(
    world, manager, caseworker, partner, web_client
):
    manager.last_name, manager.first_name = "高橋", "誠"
    manager.save()
    services.monthly_snapshot_finalise(year=2024, month=5, finalised_by=manager, today=TODAY)
    factories.log_activity(world["north"], by=caseworker, when=jst(2024, 5, 20), agencies=[partner])

    response = web_client(manager).get("/reports/snapshots/", {"fiscal_year": 2024})

    body = response.content.decode()
    assert response.status_code == 200
    assert "2024-05" in body and "高橋 誠" in body and "修正あり" in body and "+1" in body


def test_the_snapshot_page_is_for_report_readers_only(world, coordinator, caseworker, auditor, web_client):
    assert web_client(coordinator).get("/reports/snapshots/").status_code == 200
    for user in (caseworker, auditor):
        assert web_client(user).get("/reports/snapshots/").status_code == 404


# --- the chart's projection and a year without a target ------------------------------------------------


def test_the_chart_draws_the_projection_from_the_last_month_to_march(world):
    report = accompanied_activity_report(fiscal_year=2024, today=datetime.date(2024, 7, 15))
    chart = cumulative_chart(report)

    last_dot = chart["dots"][-1]
    assert report["projection"] is not None
    projection = chart["projection"]
    assert projection["path"] == f"M{last_dot['x']},{last_dot['y']} L{projection['x2']},{projection['y2']}"
    assert projection["x2"] == chart["right"] and projection["y2"] < last_dot["y"]  # March, higher up
    assert chart["projection"]["value"] == report["projection"]


def test_the_report_page_has_the_projection_path(world, manager, web_client):
    with time_machine.travel(datetime.datetime(2024, 7, 15, 9, 0, tzinfo=TOKYO)):
        body = web_client(manager).get("/reports/", {"fiscal_year": 2024}).content.decode()

    assert '<path class="projection" d="M' in body


def test_a_year_without_a_target_says_where_to_set_it(world, manager, coordinator, web_client):
    manager_body = web_client(manager).get("/reports/", {"fiscal_year": 2025}).content.decode()
    coordinator_body = web_client(coordinator).get("/reports/", {"fiscal_year": 2025}).content.decode()

    assert "目標ページ" in manager_body and "/reports/targets/?fiscal_year=2025" in manager_body
    assert "目標ページ" in coordinator_body and "/reports/targets/" not in coordinator_body
