"""Who may do what on a visible case: 404 for the invisible, 403 only for the visible-but-not-allowed."""

import datetime

import pytest
from django.contrib.auth.models import Permission

from casework import services
from casework.models import Activity, AuditEvent, Case, CaseStatus
from network.groups import agency_group
from network.models import Role
from tests import factories


@pytest.fixture
def shared_agency_staff(case, caseworker, agency):
    """Staff of an agency the north case is shared with by the person's consent."""
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 1)
    )
    return staff


def test_reading_a_case_is_audited(api, case, caseworker):
    api.get(f"/api/v1/cases/{case.pk}/")

    event = AuditEvent.objects.filter(case=case, action="case.view").get()
    assert event.actor == caseworker


def test_a_hidden_case_read_leaves_no_audit_row(api, other_case):
    api.get(f"/api/v1/cases/{other_case.pk}/")
    assert not AuditEvent.objects.filter(case=other_case, action="case.view").exists()


def test_agency_staff_see_a_case_shared_with_their_agency(client_for, case, shared_agency_staff):
    client = client_for(shared_agency_staff)
    assert [row["id"] for row in client.get("/api/v1/cases/").json()["results"]] == [case.pk]
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_agency_staff_log_activities_on_a_shared_case(client_for, case, shared_agency_staff, agency):
    response = client_for(shared_agency_staff).post(
        f"/api/v1/cases/{case.pk}/activities/",
        {
            "occurred_at": "2025-01-10T10:30:00+09:00",
            "kind": "accompany",
            "partner_agencies": [agency.code],
            "note": "窓口へ同行した",
        },
    )
    assert response.status_code == 201
    assert response.json()["staff"] == "agency_staff"


def test_agency_staff_may_not_edit_a_shared_case(client_for, case, shared_agency_staff):
    response = client_for(shared_agency_staff).patch(
        f"/api/v1/cases/{case.pk}/", {"status": "closed", "closure_reason": "moved"}
    )

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INTAKE


def test_agency_staff_of_another_agency_get_404(client_for, case, shared_agency_staff):
    outsider_agency = factories.make_agency("other-agency")
    outsider = factories.make_staff("outsider", role=Role.AGENCY, agency=outsider_agency)
    outsider.groups.add(agency_group(outsider_agency))

    assert client_for(outsider).get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_a_break_glass_reader_may_see_but_not_log(client_for, case, db):
    manager = factories.make_staff("manager", role=Role.MANAGER)
    manager.user_permissions.add(Permission.objects.get(codename="break_glass"))
    manager = type(manager).objects.get(pk=manager.pk)  # fresh permission cache
    services.case_break_glass(case=case, opened_by=manager, reason="緊急の安否確認のため")
    client = client_for(manager)

    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    response = client.post(
        f"/api/v1/cases/{case.pk}/activities/", {"occurred_at": "2025-01-10T10:30:00+09:00", "kind": "visit"}
    )
    assert response.status_code == 403
    assert not Activity.objects.exists()
