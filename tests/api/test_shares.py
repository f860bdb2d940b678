"""Override sharing (例外共有) and the list of who may see a case beyond its area team."""

import datetime

import pytest
from django.contrib.auth.models import Permission

from casework import services
from casework.models import AuditEvent, CaseAccessGrant
from network.groups import agency_group
from network.models import Role, User
from tests import factories


def shares(case_id) -> str:
    return f"/api/v1/cases/{case_id}/shares/"


def with_permission(user, codename: str) -> User:
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh object: has_perm caches


@pytest.fixture
def agency_staff(agency):
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return staff


@pytest.fixture
def sharer(caseworker):
    return with_permission(caseworker, "share_without_basis")


def test_sharing_without_the_permission_is_403(api, case, agency):
    response = api.post(shares(case.pk), {"agency": agency.code, "reason": "虐待の疑いで緊急に連携"})

    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert not CaseAccessGrant.objects.filter(case=case).exists()


def test_without_the_permission_403_comes_before_field_errors(api, case):
    assert api.post(shares(case.pk), {}).status_code == 403


def test_an_override_share_opens_the_case_to_the_agency(client_for, sharer, case, agency, agency_staff):
    response = client_for(sharer).post(
        shares(case.pk), {"agency": agency.code, "reason": "虐待の疑いで緊急に連携"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["basis"] == "override"
    assert body["agency"] == agency.code
    assert body["group"] == "agency:houkatsu-n"
    assert body["granted_by"] == "cw_north"
    assert client_for(agency_staff).get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_an_override_share_is_audited_with_its_reason(client_for, sharer, case, agency):
    client_for(sharer).post(shares(case.pk), {"agency": agency.code, "reason": "虐待の疑いで緊急に連携"})

    event = AuditEvent.objects.get(case=case, action="share.override")
    assert event.reason == "虐待の疑いで緊急に連携"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_an_override_share_without_a_reason_is_400(client_for, sharer, case, agency, body):
    response = client_for(sharer).post(shares(case.pk), {"agency": agency.code, **body})

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


def test_an_unknown_agency_is_400(client_for, sharer, case):
    response = client_for(sharer).post(shares(case.pk), {"agency": "no-such-agency", "reason": "理由"})

    assert response.status_code == 400
    assert list(response.json()) == ["agency"]


def test_sharing_another_areas_case_is_404(client_for, sharer, other_case, agency):
    response = client_for(sharer).post(shares(other_case.pk), {"agency": agency.code, "reason": "理由"})
    assert response.status_code == 404


def test_the_area_team_sees_the_active_grants(api, case, caseworker, agency):
    consent = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 1)
    )
    ended = services.consent_give(
        case=case,
        given_by=caseworker,
        agencies=[factories.make_agency("gone")],
        given_on=datetime.date(2025, 1, 2),
    )
    services.consent_withdraw(consent=ended, withdrawn_by=caseworker)

    response = api.get(shares(case.pk))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["basis"], row["agency"], row["source_id"]) for row in rows] == [
        ("consent", agency.code, consent.pk)
    ]
    assert set(rows[0]) >= {"basis", "group", "agency", "granted_at", "expires_at"}
    assert rows[0]["granted_at"].endswith("+09:00")


def test_staff_who_may_not_manage_sharing_get_403_on_the_list(
    client_for, case, caseworker, agency, agency_staff
):
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 1)
    )

    assert client_for(agency_staff).get(shares(case.pk)).status_code == 403


def test_the_list_of_another_areas_case_is_404(api, other_case):
    assert api.get(shares(other_case.pk)).status_code == 404
