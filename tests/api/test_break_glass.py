"""緊急閲覧 (break-glass): a manager's audited, time-limited read of a case they cannot otherwise see."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from casework.models import AuditEvent, CaseAccessGrant
from network.models import Role, User
from tests import factories

REASON = "本人の安否確認のため緊急に閲覧"


def break_glass(case_id) -> str:
    return f"/api/v1/cases/{case_id}/break-glass/"


def detail(case_id) -> str:
    return f"/api/v1/cases/{case_id}/"


@pytest.fixture
def manager(db):
    return factories.make_staff("manager", role=Role.MANAGER)


@pytest.fixture
def breaker(manager):
    """A manager holding casework.break_glass."""
    manager.user_permissions.add(Permission.objects.get(codename="break_glass"))
    return User.objects.get(pk=manager.pk)  # a fresh object: has_perm caches


def test_a_manager_with_the_permission_opens_the_case(client_for, breaker, case):
    client = client_for(breaker)
    assert client.get(detail(case.pk)).status_code == 404

    response = client.post(break_glass(case.pk), {"reason": REASON})

    assert response.status_code == 201
    assert response.json()["basis"] == "break_glass"
    assert response.json()["user"] == "manager"
    assert response["Location"].endswith(detail(case.pk))
    assert client.get(detail(case.pk)).status_code == 200


def test_break_glass_is_audited_with_its_reason(client_for, breaker, case):
    client_for(breaker).post(break_glass(case.pk), {"reason": REASON})

    event = AuditEvent.objects.get(case=case, action="break_glass")
    assert event.actor == breaker
    assert event.reason == REASON
    assert event.channel == "api"


def test_the_read_after_break_glass_is_audited(client_for, breaker, case):
    client = client_for(breaker)
    client.post(break_glass(case.pk), {"reason": REASON})

    client.get(detail(case.pk))

    assert AuditEvent.objects.filter(case=case, action="case.view", actor=breaker).exists()


def test_break_glass_lasts_only_hours(client_for, breaker, case):
    client = client_for(breaker)
    client.post(break_glass(case.pk), {"reason": REASON})
    CaseAccessGrant.objects.filter(case=case, user=breaker).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert client.get(detail(case.pk)).status_code == 404


def test_the_area_team_sees_the_break_glass_grant_while_it_lasts(api, client_for, breaker, case):
    client_for(breaker).post(break_glass(case.pk), {"reason": REASON})

    rows = api.get(f"/api/v1/cases/{case.pk}/shares/").json()["results"]
    assert [(row["basis"], row["user"]) for row in rows] == [("break_glass", "manager")]

    CaseAccessGrant.objects.filter(case=case, user=breaker).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert api.get(f"/api/v1/cases/{case.pk}/shares/").json()["results"] == []


def test_a_manager_without_the_permission_gets_404(client_for, manager, case):
    response = client_for(manager).post(break_glass(case.pk), {"reason": REASON})

    assert response.status_code == 404
    assert not CaseAccessGrant.objects.filter(case=case).exists()
    assert client_for(manager).get(detail(case.pk)).status_code == 404


def test_a_caseworker_gets_404_on_a_case_they_cannot_see(api, other_case):
    hidden = api.post(break_glass(other_case.pk), {"reason": REASON})
    missing = api.post(break_glass(987654), {"reason": REASON})

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert not CaseAccessGrant.objects.filter(case=other_case).exists()


def test_a_caseworker_gets_403_on_their_own_case(api, case):
    # They may see it, so 403 tells nothing new (API.md: 403 only where the user may see the object).
    response = api.post(break_glass(case.pk), {"reason": REASON})

    assert response.status_code == 403
    assert not CaseAccessGrant.objects.filter(case=case, basis="break_glass").exists()


def test_a_missing_case_is_404_for_a_manager_with_the_permission(client_for, breaker, db):
    response = client_for(breaker).post(break_glass(987654), {"reason": REASON})

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="break_glass").exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "急ぎ"}])
def test_break_glass_needs_a_reason(client_for, breaker, case, body):
    response = client_for(breaker).post(break_glass(case.pk), body)

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert not CaseAccessGrant.objects.filter(case=case).exists()


def test_without_the_permission_the_body_is_never_looked_at(client_for, manager, case):
    assert client_for(manager).post(break_glass(case.pk), {}).status_code == 404
