"""The quick log says which kinds need a note and refuses an empty one; a closed case shows no quick log."""

import datetime

from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import Activity
from network.groups import agency_group
from network.models import Role
from tests import factories


def log_url(case):
    return reverse("casework:activity_log", args=[case.pk])


def case_url(case):
    return reverse("casework:case_detail", args=[case.pk])


def entry(**extra):
    when = timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    return {"log-kind": "visit", "log-occurred_at": when, "log-minutes": "30", **extra}


def test_the_form_says_which_kinds_need_a_note(cw_client, case):
    body = cw_client.get(case_url(case)).content.decode()
    assert "訪問、来所、同行、面談、ケース会議・支援会議、その他では必須です。" in body
    assert "電話、メール・文書では空欄でもかまいません。" in body


def test_a_visit_without_a_note_is_refused_with_the_input_kept(cw_client, case):
    response = cw_client.post(log_url(case), entry(**{"log-minutes": "45"}))
    body = response.content.decode()
    assert response.status_code == 400
    assert "「訪問」には内容の記録が必要です" in body
    assert 'value="45"' in body
    assert not Activity.objects.exists()


def test_a_phone_call_without_a_note_is_recorded(cw_client, case):
    assert cw_client.post(log_url(case), entry(**{"log-kind": "phone"})).status_code == 302
    assert Activity.objects.get().kind == "phone"


def test_a_closed_case_shows_no_quick_log_but_the_way_to_reopen_it(cw_client, case, caseworker):
    services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    body = cw_client.get(case_url(case)).content.decode()
    assert 'id="quick-log"' not in body
    assert "このケースは終結しているため、活動を記録できません。" in body
    assert f'href="{case_url(case)}#status"' in body
    assert reverse("casework:case_reopen", args=[case.pk]) in body
    page = cw_client.get(log_url(case)).content.decode()
    assert 'id="quick-log"' not in page and "終結しているため" in page


def test_logging_to_a_closed_case_is_refused_with_a_message(cw_client, case, caseworker):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.case_change_status(
        case=case, changed_by=caseworker, status="closed", closure_reason="moved", on=yesterday
    )
    response = cw_client.post(log_url(case), entry(**{"log-kind": "phone"}))
    assert response.status_code == 400
    assert "先にケースを再開してください" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_agency_on_a_closed_case_is_told_to_ask_the_area_team(client, case, caseworker, agency):
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today())
    services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    client.force_login(staff)
    body = client.get(case_url(case)).content.decode()
    assert 'id="quick-log"' not in body
    assert "担当エリアのチームにケースの再開を依頼してください" in body
    assert reverse("casework:case_reopen", args=[case.pk]) not in body
