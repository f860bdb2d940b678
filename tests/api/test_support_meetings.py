"""支援会議 registration through the API: members share the case under confidentiality until it ends."""

import datetime

import pytest

from casework import services
from casework.models import SupportMeetingRegistration
from network.groups import agency_group
from network.models import Role
from tests import factories


def meetings(case_id) -> str:
    return f"/api/v1/cases/{case_id}/support-meetings/"


def end(case_id, registration_id) -> str:
    return f"/api/v1/cases/{case_id}/support-meetings/{registration_id}/end/"


def meeting_payload(*agencies, **extra) -> dict:
    return {
        "agencies": [a.code for a in agencies],
        "registered_on": "2025-01-05",
        "confidentiality_acknowledged": True,
        **extra,
    }


@pytest.fixture
def agency_staff(agency):
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return staff


@pytest.fixture
def registered(case, caseworker, agency) -> SupportMeetingRegistration:
    return services.support_meeting_register(
        case=case,
        registered_by=caseworker,
        agencies=[agency],
        registered_on=datetime.date(2025, 1, 5),
        confidentiality_acknowledged=True,
    )


def test_registration_is_201_with_its_representation(api, case, agency):
    response = api.post(meetings(case.pk), meeting_payload(agency))

    assert response.status_code == 201
    body = response.json()
    assert body["case"] == case.pk
    assert body["agencies"] == [agency.code]
    assert body["registered_on"] == "2025-01-05"
    assert body["confidentiality_acknowledged"] is True
    assert body["ended_on"] is None
    assert body["recorded_by"] == "cw_north"


def test_registration_shares_the_case_with_the_members(api, client_for, case, agency, agency_staff):
    agency_client = client_for(agency_staff)
    assert agency_client.get(f"/api/v1/cases/{case.pk}/").status_code == 404

    api.post(meetings(case.pk), meeting_payload(agency))

    assert agency_client.get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_missing_acknowledgement_is_400_on_that_field(api, case, agency):
    payload = meeting_payload(agency)
    del payload["confidentiality_acknowledged"]

    response = api.post(meetings(case.pk), payload)

    assert response.status_code == 400
    assert list(response.json()) == ["confidentiality_acknowledged"]
    assert not SupportMeetingRegistration.objects.exists()


def test_refused_acknowledgement_is_400_on_that_field(api, case, agency):
    response = api.post(meetings(case.pk), meeting_payload(agency, confidentiality_acknowledged=False))

    assert response.status_code == 400
    assert list(response.json()) == ["confidentiality_acknowledged"]
    assert not SupportMeetingRegistration.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"agencies": []}, "agencies"), ({"registered_on": "2999-01-01"}, "registered_on")],
)
def test_invalid_registration_is_400_on_the_field(api, case, agency, change, field):
    response = api.post(meetings(case.pk), {**meeting_payload(agency), **change})

    assert response.status_code == 400
    assert field in response.json()


def test_registrations_are_listed(api, case, registered):
    response = api.get(meetings(case.pk))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [registered.pk]


def test_ending_a_registration_takes_the_members_access_back(api, client_for, case, agency_staff, registered):
    response = api.post(end(case.pk, registered.pk))

    assert response.status_code == 200
    assert response.json()["ended_on"] is not None
    assert client_for(agency_staff).get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_ending_twice_is_409(api, case, registered):
    api.post(end(case.pk, registered.pk))

    assert api.post(end(case.pk, registered.pk)).status_code == 409


def test_a_registration_of_another_case_is_404(api, case, caseworker, area, agency):
    second_case = factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")
    foreign = services.support_meeting_register(
        case=second_case,
        registered_by=caseworker,
        agencies=[agency],
        registered_on=datetime.date(2025, 1, 5),
        confidentiality_acknowledged=True,
    )

    assert api.post(end(case.pk, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.ended_on is None


def test_members_may_not_register_or_end_a_meeting(client_for, case, agency, agency_staff, registered):
    client = client_for(agency_staff)

    assert client.post(meetings(case.pk), meeting_payload(agency)).status_code == 403
    assert client.post(end(case.pk, registered.pk)).status_code == 403
    assert client.get(meetings(case.pk)).status_code == 403
    assert SupportMeetingRegistration.objects.count() == 1


def test_another_areas_case_is_404(api, other_case, agency):
    assert api.post(meetings(other_case.pk), meeting_payload(agency)).status_code == 404
    assert api.get(meetings(other_case.pk)).status_code == 404
