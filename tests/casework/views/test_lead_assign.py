"""The area coordinator assigns the lead caseworker (主担当) on the case page."""

import pytest
from django.urls import reverse

from casework.models import AuditEvent
from tests import factories


def url(name, case):
    return reverse(f"casework:{name}", args=[case.pk])


@pytest.fixture
def coordinator(area):
    return factories.make_staff("coord_north", role="coordinator", area=area)


@pytest.fixture
def coord_client(coordinator):
    """The coordinator's session, past the second factor their role requires."""
    client = factories.verified_client(coordinator)
    return client


@pytest.fixture
def colleague(area):
    user = factories.make_staff("cw_north2", area=area)
    user.last_name, user.first_name = "鈴木", "一郎"
    user.save()
    return user


def test_coordinator_assigns_a_caseworker_of_the_area(coord_client, coordinator, case, colleague):
    response = coord_client.post(url("lead_assign", case), {"lead-lead_caseworker": colleague.pk})
    assert response.status_code == 302 and response["Location"].endswith("#team")
    case.refresh_from_db()
    assert case.lead_caseworker == colleague
    assert AuditEvent.objects.filter(case=case, action="case.update", actor=coordinator).exists()


def test_choices_are_the_active_staff_of_the_cases_area(
    coord_client, case, colleague, other_caseworker, area
):
    retired = factories.make_staff("cw_retired", area=area)
    retired.is_active = False
    retired.save()
    body = coord_client.get(url("case_detail", case)).content.decode()
    assert "鈴木 一郎" in body and "coord_north" in body
    assert "(cw_north2)" not in body  # the name colleagues read, not the login name
    assert "cw_south" not in body and "cw_retired" not in body


def test_staff_of_another_area_cannot_be_made_lead(coord_client, case, other_caseworker, caseworker):
    response = coord_client.post(url("lead_assign", case), {"lead-lead_caseworker": other_caseworker.pk})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.lead_caseworker == caseworker


def test_a_caseworker_gets_no_assignment_form_and_403_on_post(client, caseworker, case, colleague):
    client.force_login(caseworker)
    assert url("lead_assign", case) not in client.get(url("case_detail", case)).content.decode()
    response = client.post(url("lead_assign", case), {"lead-lead_caseworker": colleague.pk})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.lead_caseworker == caseworker
