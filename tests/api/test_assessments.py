"""/api/v1/cases/{id}/assessments/ and /api/v1/assessments/{id}/: versions of the assessment sheet."""

import pytest
from django.utils import timezone

from casework import services
from casework.models import Assessment, AuditEvent
from network.groups import agency_group
from network.models import Role
from tests import factories


def list_url(case_id):
    return f"/api/v1/cases/{case_id}/assessments/"


def detail_url(assessment_id):
    return f"/api/v1/assessments/{assessment_id}/"


@pytest.fixture
def assessment(case, caseworker):
    return services.assessment_record(
        case=case, recorded_by=caseworker, housing_status="issue", housing_note="家賃滞納"
    )


@pytest.fixture
def agency_api(case, caseworker, agency, client_for):
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=timezone.localdate(), scope="full"
    )
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return client_for(staff)


def test_create_answers_201_with_every_field_and_a_location(api, case):
    response = api.post(
        list_url(case.pk), {"health_status": "urgent", "health_note": "入院中"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "case", "version", "assessed_on", "recorded_by", "recorded_at"} <= set(body)
    assert set(Assessment.content_fields()) <= set(body)
    assert (body["version"], body["health_status"], body["health_note"]) == (1, "urgent", "入院中")
    assert body["work_status"] == "unknown" and body["recorded_by"] == "cw_north"
    assert response["Location"].endswith(detail_url(body["id"]))


def test_a_reassessment_copies_what_it_does_not_give(api, case, assessment):
    response = api.post(list_url(case.pk), {"housing_status": "watch"}, format="json")
    body = response.json()
    assert (body["version"], body["housing_status"], body["housing_note"]) == (2, "watch", "家賃滞納")
    assessment.refresh_from_db()
    assert assessment.housing_status == "issue"


def test_list_is_newest_first_and_an_audited_read(api, case, caseworker, assessment):
    services.assessment_record(case=case, recorded_by=caseworker)
    response = api.get(list_url(case.pk))
    assert response.status_code == 200
    assert [row["version"] for row in response.json()["results"]] == [2, 1]
    assert AuditEvent.objects.filter(action="assessment.view", actor=caseworker, case=case).exists()


def test_detail_answers_one_version_and_is_audited(api, caseworker, assessment):
    response = api.get(detail_url(assessment.pk))
    assert response.status_code == 200
    assert response.json()["housing_note"] == "家賃滞納"
    row = AuditEvent.objects.get(action="assessment.view")
    assert (row.actor, row.object_id) == (caseworker, str(assessment.pk))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"health_status": "fine"}, "health_status"),
        ({"assessed_on": "2999-01-01"}, "assessed_on"),
        ({"analysis": "あ" * 4001}, "analysis"),
        ({"version": 7}, "version"),
        ({"mood": "good"}, "mood"),
    ],
)
def test_bad_input_is_400_with_field_errors(api, case, body, field):
    response = api.post(list_url(case.pk), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Assessment.objects.exists()


def test_an_agency_with_sharing_reads_but_may_not_write(agency_api, case, assessment):
    assert agency_api.get(list_url(case.pk)).status_code == 200
    assert agency_api.get(detail_url(assessment.pk)).status_code == 200
    assert agency_api.post(list_url(case.pk), {}, format="json").status_code == 403


def test_outsiders_get_404_like_a_missing_case(client_for, other_caseworker, case, assessment):
    outsider = client_for(other_caseworker)
    assert outsider.get(list_url(case.pk)).status_code == 404
    assert outsider.post(list_url(case.pk), {}, format="json").status_code == 404
    assert outsider.get(detail_url(assessment.pk)).status_code == 404
    assert outsider.get(detail_url(987654321)).status_code == 404
    assert case.assessments.count() == 1
    assert not AuditEvent.objects.filter(action="assessment.view").exists()


def test_the_routes_are_in_the_schema(api):
    paths = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/cases/{case_id}/assessments/"])
    assert "get" in paths["/api/v1/assessments/{assessment_id}/"]
