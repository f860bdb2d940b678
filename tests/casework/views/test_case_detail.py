"""The case page and its forms: members, plan, status. A case the user may not see is a 404 everywhere."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import AuditEvent, CaseStatus, HouseholdMember, SupportPlan
from network import services as network_services
from network.models import Role
from tests import factories

from .conftest import htmx_headers


def url(name, case, *args):
    return reverse(f"casework:{name}", args=[case.pk, *args])


def test_page_shows_the_case(cw_client, caseworker, case, agency):
    services.member_add(
        case=case,
        added_by=caseworker,
        name="架空 一郎",
        name_kana="かくう いちろう",
        relationship="self",
        birth_date=datetime.date(1960, 5, 1),
    )
    factories.log_activity(case, by=caseworker, agencies=[agency], note="自宅を訪問した")
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert case.number in body
    assert "架空 太郎" in body and "カクウ タロウ" in body
    assert "北部エリア" in body
    assert "cw_north" in body  # lead caseworker
    assert "8050問題" in body
    assert "架空 一郎" in body
    assert "自宅を訪問した" in body and agency.name in body
    assert "受付" in body  # status history


def test_opening_the_page_is_an_audited_read(cw_client, caseworker, case):
    cw_client.get(url("case_detail", case))
    assert AuditEvent.objects.filter(case=case, action="case.view", actor=caseworker).count() == 1


def test_missing_case_is_404(cw_client, db):
    assert cw_client.get(reverse("casework:case_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "name,method",
    [
        ("case_detail", "get"),
        ("activity_log", "get"),
        ("activity_log", "post"),
        ("member_add", "post"),
        ("plan_create", "post"),
        ("case_change_status", "post"),
        ("case_reopen", "post"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_another_areas_case_is_404_on_every_route(cw_client, other_case, name, method, htmx):
    headers = htmx_headers() if htmx else {}
    data = {
        "status-status": "closed",
        "status-closure_reason": "moved",
        "log-kind": "visit",
        "log-occurred_at": "2024-05-01T10:00",
        "member-name": "x",
        "member-name_kana": "x",
    }
    response = getattr(cw_client, method)(
        url(name, other_case), data if method == "post" else None, **headers
    )
    assert response.status_code == 404
    other_case.refresh_from_db()
    assert other_case.status == CaseStatus.INTAKE
    assert not other_case.activities.exists() and not other_case.members.exists()


def test_another_areas_case_page_is_not_audited_as_read(cw_client, other_case):
    cw_client.get(url("case_detail", other_case))
    assert not AuditEvent.objects.filter(case=other_case, action="case.view").exists()


# --- members -----------------------------------------------------------------------------------------


def test_member_add_creates_a_member(cw_client, case):
    response = cw_client.post(
        url("member_add", case),
        {
            "member-name": "架空 花",
            "member-name_kana": "カクウ ハナ",
            "member-birth_date": "2010-04-01",
            "member-sex": "female",
            "member-relationship": "self",
            "member-phone": "",
        },
    )
    assert response.status_code == 302
    assert response.url.endswith("#members")
    member = HouseholdMember.objects.get(case=case)
    assert (member.name, member.birth_date, member.is_focus) == ("架空 花", datetime.date(2010, 4, 1), True)


def test_member_add_with_bad_input_rerenders_the_case_page(cw_client, case):
    response = cw_client.post(
        url("member_add", case),
        {
            "member-name": "架空 花",
            "member-name_kana": "Hana",
            "member-sex": "female",
            "member-relationship": "",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "ふりがなはひらがなかカタカナで入力してください" in body
    assert "この項目は必須です。" in body
    assert 'value="架空 花"' in body
    assert not HouseholdMember.objects.exists()


# --- plans -------------------------------------------------------------------------------------------


def plan_data(agency, **extra):
    data = {
        "plan-created_on": timezone.localdate().isoformat(),
        "plan-long_term_goal": "地域で安心して暮らす",
        "plan-review_on": "",
        "plan-wishes": "",
        "plan-decided_at_meeting_on": "",
        "plan-agreed_on": "",
        "plan-agreement_method": "",
        "plan-agreement_note": "",
        "goals-TOTAL": "1",
        "actions-TOTAL": "2",
        "goals-0-text": "家計を立て直す",
        "actions-0-goal": "1",
        "actions-0-who": "agency",
        "actions-0-agency": agency.pk,
        "actions-0-support": "家計相談",
        "actions-0-frequency": "月1回",
        "actions-1-goal": "1",
        "actions-1-who": "agency",
    }
    data.update(extra)
    return data


def test_plan_create_with_goals_and_actions(cw_client, case, agency):
    response = cw_client.post(url("plan_create", case), plan_data(agency))
    assert response.status_code == 302
    plan = SupportPlan.objects.get(case=case)
    assert plan.long_term_goal == "地域で安心して暮らす"
    assert [(r.agency, r.support, r.frequency) for r in plan.roles.all()] == [(agency, "家計相談", "月1回")]
    assert plan.roles.get().goal == plan.goals.get()
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert "家計を立て直す" in body and "家計相談" in body


def test_a_new_plan_keeps_the_old_one_as_history(cw_client, case, agency):
    cw_client.post(url("plan_create", case), plan_data(agency))
    cw_client.post(url("plan_create", case), plan_data(agency, **{"goals-0-text": "就労につなぐ"}))
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert SupportPlan.objects.filter(case=case).count() == 2
    assert "過去のプラン（1件）" in body
    assert "家計を立て直す" in body and "就労につなぐ" in body


def test_half_filled_action_row_is_an_error(cw_client, case, agency):
    response = cw_client.post(url("plan_create", case), plan_data(agency, **{"actions-1-support": "見守り"}))
    assert response.status_code == 400
    assert "担当する機関を選んでください。" in response.content.decode()
    assert not SupportPlan.objects.exists()


def test_service_error_is_shown_on_the_plan_form(cw_client, case, agency):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = cw_client.post(url("plan_create", case), plan_data(agency, **{"plan-review_on": yesterday}))
    body = response.content.decode()
    assert response.status_code == 400
    assert "次回評価日はプラン作成日より前にはできません。" in body
    assert "家計を立て直す" in body


def test_the_case_page_links_to_the_plan_and_evaluation_pages(cw_client, case, agency):
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert url("plan_create", case) in body and "/evaluate/" not in body
    cw_client.post(url("plan_create", case), plan_data(agency))
    plan = SupportPlan.objects.get(case=case)
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert reverse("casework:plan_evaluate", args=[case.pk, plan.pk]) in body


# --- status ------------------------------------------------------------------------------------------


def test_status_form_offers_only_allowed_transitions(cw_client, case):
    body = cw_client.get(url("case_detail", case)).content.decode()
    start = body.index('name="status-status"')
    options = body[start : body.index("</select>", start)]
    assert 'value="assessment"' in options and 'value="closed"' in options
    assert 'value="support"' not in options


def test_status_change(cw_client, case):
    response = cw_client.post(url("case_change_status", case), {"status-status": "assessment"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSMENT


def test_closing_requires_a_reason(cw_client, case):
    response = cw_client.post(
        url("case_change_status", case), {"status-status": "closed", "status-note": "転居予定"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "終結理由を選んでください。" in body
    assert 'value="転居予定"' in body
    case.refresh_from_db()
    assert case.status == CaseStatus.INTAKE


def test_closing_with_a_reason(cw_client, case):
    cw_client.post(
        url("case_change_status", case), {"status-status": "closed", "status-closure_reason": "moved"}
    )
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == (CaseStatus.CLOSED, "moved")


def test_a_transition_not_allowed_from_here_is_refused(cw_client, case):
    response = cw_client.post(url("case_change_status", case), {"status-status": "support"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.INTAKE


def test_reopen_keeps_the_history(cw_client, caseworker, case):
    services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    page = cw_client.get(url("case_detail", case)).content.decode()
    assert "ケースを再開する" in page
    response = cw_client.post(url("case_reopen", case), {"reopen-note": "再度相談あり"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSMENT
    assert [c.to_status for c in case.status_changes.order_by("changed_at", "id")] == [
        "intake",
        "closed",
        "assessment",
    ]
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert "終結 → " in body and "再度相談あり" in body


def test_reopening_an_open_case_is_a_conflict_shown_on_the_form(cw_client, case):
    response = cw_client.post(url("case_reopen", case), {"reopen-note": ""})
    assert response.status_code == 400
    assert "再開できるのは終結したケースだけです。" in response.content.decode()


# --- seeing is not editing ----------------------------------------------------------------------------


@pytest.fixture
def agency_client(client, caseworker, case, agency):
    """Staff of an agency the case is shared with by consent: may see it and log, not edit it."""
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    network_services.staff_groups_sync(user=staff)
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate())
    client.force_login(staff)
    return client


def test_agency_staff_of_a_shared_case_see_it_without_the_edit_forms(agency_client, case):
    body = agency_client.get(url("case_detail", case)).content.decode()
    assert case.number in body
    assert 'id="quick-log"' in body
    assert "member_add" not in body and url("member_add", case) not in body
    assert url("case_change_status", case) not in body


def test_agency_staff_cannot_edit_the_case(agency_client, case):
    response = agency_client.post(url("case_change_status", case), {"status-status": "assessment"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.INTAKE


def test_number_of_queries_does_not_grow_with_the_timeline(cw_client, caseworker, case, agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert cw_client.get(url("case_detail", case)).status_code == 200
        return len(ctx.captured_queries)

    factories.log_activity(case, by=caseworker, agencies=[agency])
    few = count_queries()
    second = factories.make_agency("second")
    for _ in range(5):
        activity = factories.log_activity(case, by=caseworker, agencies=[agency, second])
    services.activity_void(activity=activity, voided_by=caseworker, reason="重複")
    services.member_add(
        case=case, added_by=caseworker, name="架空 花", name_kana="かくう はな", relationship="child"
    )
    assert count_queries() == few


def test_a_case_of_another_area_looks_exactly_like_a_missing_one(cw_client, other_case):
    hidden = cw_client.get(url("case_detail", other_case))
    missing = cw_client.get(reverse("casework:case_detail", args=[other_case.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404

    def page(response):  # minus what differs per request anyway: CSRF tokens and the current path
        body = response.content.decode()
        body = re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", body)
        return re.sub(r'name="next" value="[^"]*"', "", body)

    assert page(hidden) == page(missing)
    assert "ページが見つかりません" in hidden.content.decode()
    assert other_case.number not in hidden.content.decode()


def test_forbidden_edit_explains_why_in_japanese(agency_client, case):
    response = agency_client.post(url("member_add", case), {"member-name": "x"})
    assert response.status_code == 403
    assert "このケースを変更できるのは担当エリアのチームだけです。" in response.content.decode()


def test_an_id_too_large_for_the_database_is_404(cw_client, case):
    assert cw_client.get(f"/cases/{10**25}/").status_code == 404
    assert cw_client.post(f"/cases/{case.pk}/activities/{10**25}/void/", {"reason": "x"}).status_code == 404
