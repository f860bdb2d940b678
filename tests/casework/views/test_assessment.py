"""The assessment pages: the case page's section, the (re-)assessment form, the history and each version.
The area team writes; whoever may read the case's assessments reads (an audited read); others get 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import services
from casework.models import Assessment, AuditEvent
from network.groups import agency_group
from network.models import Role
from tests import factories


def url(name, case, *args):
    return reverse(f"casework:{name}", args=[case.pk, *args])


@pytest.fixture
def assessment(case, caseworker):
    return services.assessment_record(
        case=case,
        recorded_by=caseworker,
        assessed_on=datetime.date(2025, 4, 10),
        health_status="issue",
        health_note="通院が途切れている",
        life_history="架空の生活歴",
    )


@pytest.fixture
def agency_client(case, caseworker, agency):
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate(), scope="full"
    )
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return factories.verified_client(staff)


def form_data(**values):
    data = {"assessed_on": timezone.localdate().isoformat()}
    for name in Assessment.content_fields():
        data[name] = "unknown" if name.endswith("_status") else ""
    return data | values


def test_the_case_page_shows_the_latest_assessment_with_links(cw_client, case, assessment):
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert 'id="assessment"' in body
    assert "健康・障害" in body and "課題あり" in body
    assert url("assessment_detail", case, assessment.pk) in body
    assert url("assessment_history", case) in body
    assert url("assessment_create", case) in body
    assert "架空の生活歴" not in body  # narratives are on the assessment's own page


def test_the_case_page_without_an_assessment_offers_to_make_one(cw_client, case):
    body = cw_client.get(url("case_detail", case)).content.decode()
    assert "アセスメントはまだありません。" in body and url("assessment_create", case) in body


def test_the_form_is_prefilled_from_the_latest_version(cw_client, case, assessment):
    response = cw_client.get(url("assessment_create", case))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["health_status"].value() == "issue"
    assert form["health_note"].value() == "通院が途切れている"
    assert "架空の生活歴" in response.content.decode()
    assert AuditEvent.objects.filter(action="assessment.view", object_id=str(assessment.pk)).exists()


def test_saving_the_form_adds_a_version_and_keeps_the_old_one(cw_client, case, caseworker, assessment):
    data = form_data(health_status="watch", health_note="通院再開", life_history="架空の生活歴")
    response = cw_client.post(url("assessment_create", case), data)

    latest = case.assessments.order_by("-version").first()
    assert response.status_code == 302
    assert response["Location"] == url("assessment_detail", case, latest.pk)
    assert (latest.version, latest.health_status, latest.health_note) == (2, "watch", "通院再開")
    assessment.refresh_from_db()
    assert (assessment.health_status, assessment.health_note) == ("issue", "通院が途切れている")
    assert AuditEvent.objects.filter(action="assessment.create", actor=caseworker, case=case).count() == 2


def test_bad_input_rerenders_the_form_with_the_input_and_a_japanese_message(cw_client, case, assessment):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    data = form_data(assessed_on=future, strengths="架空の強み")
    response = cw_client.post(url("assessment_create", case), data)

    assert response.status_code == 400
    body = response.content.decode()
    assert "アセスメント日に未来の日付は指定できません。" in body
    assert "架空の強み" in body
    assert case.assessments.count() == 1


def test_a_date_before_the_previous_assessment_is_explained(cw_client, case, assessment):
    response = cw_client.post(url("assessment_create", case), form_data(assessed_on="2025-04-01"))
    assert response.status_code == 400
    assert "前回のアセスメント（2025-04-10）より前の日付は指定できません。" in response.content.decode()


def test_the_history_lists_every_version_and_each_stays_readable(cw_client, case, caseworker, assessment):
    services.assessment_record(case=case, recorded_by=caseworker, health_note="通院再開")
    history = cw_client.get(url("assessment_history", case))
    assert history.status_code == 200
    body = history.content.decode()
    assert "第2版" in body and "第1版" in body

    old = cw_client.get(url("assessment_detail", case, assessment.pk))
    assert old.status_code == 200
    assert "通院が途切れている" in old.content.decode()
    assert "過去の版です" in old.content.decode()
    reads = AuditEvent.objects.filter(action="assessment.view", case=case)
    assert reads.filter(object_id=str(assessment.pk)).exists()  # the version page
    assert reads.filter(object_type="casework.case").exists()  # the history page


def test_an_agency_the_case_is_shared_with_reads_but_does_not_write(agency_client, case, assessment):
    assert "架空の生活歴" in agency_client.get(url("assessment_detail", case, assessment.pk)).content.decode()
    assert agency_client.get(url("assessment_history", case)).status_code == 200
    assert agency_client.get(url("assessment_create", case)).status_code == 403
    assert agency_client.post(url("assessment_create", case), form_data()).status_code == 403
    assert case.assessments.count() == 1
    body = agency_client.get(url("case_detail", case)).content.decode()
    assert url("assessment_detail", case, assessment.pk) in body
    assert url("assessment_create", case) not in body


@pytest.mark.parametrize("who", ["other_caseworker", "manager"])
def test_outsiders_get_404_everywhere_and_nothing_is_recorded(case, assessment, other_caseworker, who):
    user = other_caseworker if who == "other_caseworker" else factories.make_staff("mgr", role=Role.MANAGER)
    client = factories.verified_client(user)
    for path in (
        url("assessment_history", case),
        url("assessment_create", case),
        url("assessment_detail", case, assessment.pk),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url("assessment_create", case), form_data()).status_code == 404
    assert not AuditEvent.objects.filter(action="assessment.view").exists()
    assert case.assessments.count() == 1


def test_another_cases_assessment_is_404_under_this_case(cw_client, case, caseworker, area):
    other = factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")
    foreign = services.assessment_record(case=other, recorded_by=caseworker)
    assert cw_client.get(url("assessment_detail", case, foreign.pk)).status_code == 404
