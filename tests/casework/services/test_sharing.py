"""Consent lifecycle, 支援会議 registration, override and break-glass, through the real guardian tables."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import selectors, services
from casework.models import AuditEvent
from network.groups import agency_group
from tests import factories


@pytest.fixture
def agency_user(agency):
    user = factories.make_staff("houkatsu_staff", role="agency", agency=agency)
    user.groups.add(agency_group(agency))
    return user


def _visible(user):
    return set(selectors.case_list(fetched_by=user).values_list("pk", flat=True))


def test_consent_lifecycle_gives_and_takes_agency_access(case, caseworker, agency, agency_user):
    assert _visible(agency_user) == set()
    consent = services.consent_give(
        case=case,
        given_by=caseworker,
        agencies=[agency],
        given_on=datetime.date(2025, 4, 1),
        scope="summary",
    )
    assert _visible(agency_user) == {case.pk}
    assert selectors.can_log_activity(user=agency_user, case=case)
    factories.log_activity(case, by=agency_user, agencies=[agency])

    services.consent_withdraw(consent=consent, withdrawn_by=caseworker)
    assert _visible(agency_user) == set()
    assert not selectors.can_log_activity(user=agency_user, case=case)
    assert _visible(caseworker) == {case.pk}  # the area team is unaffected
    with pytest.raises(services.StateConflict):
        services.consent_withdraw(consent=consent, withdrawn_by=caseworker)


def test_withdrawal_removes_only_the_access_that_rested_on_it(case, caseworker, agency, agency_user):
    first = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today()
    )
    services.support_meeting_register(
        case=case,
        registered_by=caseworker,
        agencies=[agency],
        registered_on=datetime.date.today(),
        confidentiality_acknowledged=True,
    )
    services.consent_withdraw(consent=first, withdrawn_by=caseworker)
    assert _visible(agency_user) == {case.pk}  # the 支援会議 basis remains


def test_meeting_needs_confidentiality_acknowledged(case, caseworker, agency):
    with pytest.raises(ValidationError):
        services.support_meeting_register(
            case=case,
            registered_by=caseworker,
            agencies=[agency],
            registered_on=datetime.date.today(),
            confidentiality_acknowledged=False,
        )


def test_only_the_area_team_records_sharing(case, other_caseworker, agency, agency_user, caseworker):
    for user in (other_caseworker, agency_user):
        with pytest.raises(PermissionDenied):
            services.consent_give(case=case, given_by=user, agencies=[agency], given_on=datetime.date.today())


def test_consent_needs_agencies_and_a_past_date(case, caseworker, agency):
    with pytest.raises(ValidationError):
        services.consent_give(case=case, given_by=caseworker, agencies=[], given_on=datetime.date.today())
    with pytest.raises(ValidationError):
        services.consent_give(
            case=case,
            given_by=caseworker,
            agencies=[agency],
            given_on=timezone.localdate() + datetime.timedelta(days=2),
        )


def test_override_needs_the_permission_and_a_reason_and_is_audited(case, caseworker, agency, agency_user):
    with pytest.raises(PermissionDenied):
        services.case_share_override(case=case, shared_by=caseworker, agency=agency, reason="緊急の見守り")
    caseworker.user_permissions.add(Permission.objects.get(codename="share_without_basis"))
    caseworker = type(caseworker).objects.get(pk=caseworker.pk)  # drop the permission cache
    with pytest.raises(ValidationError):
        services.case_share_override(case=case, shared_by=caseworker, agency=agency, reason=" ")
    grant = services.case_share_override(
        case=case, shared_by=caseworker, agency=agency, reason="緊急の見守り"
    )
    assert _visible(agency_user) == {case.pk}
    assert AuditEvent.objects.filter(action="share.override", case=case, actor=caseworker).exists()
    services.case_share_override_end(grant=grant, ended_by=caseworker)
    assert _visible(agency_user) == set()


def test_break_glass_is_for_managers_with_a_reason_and_expires(case, db, settings):
    manager = factories.make_staff("mgr", role="manager")
    with pytest.raises(PermissionDenied):
        services.case_break_glass(case=case, opened_by=manager, reason="理事会への説明のため")
    manager.user_permissions.add(Permission.objects.get(codename="break_glass"))
    manager = type(manager).objects.get(pk=manager.pk)
    with pytest.raises(ValidationError):
        services.case_break_glass(case=case, opened_by=manager, reason="")
    assert _visible(manager) == set()
    grant = services.case_break_glass(case=case, opened_by=manager, reason="苦情対応のため確認")
    assert _visible(manager) == {case.pk}
    assert not selectors.can_log_activity(user=manager, case=case)
    assert list(selectors.case_readers(case=case).values_list("action", flat=True)) == ["break_glass"]
    type(grant).objects.filter(pk=grant.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert _visible(manager) == set()
