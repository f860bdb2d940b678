import pytest
from django.core.exceptions import ValidationError

from casework import services
from casework.models import CaseStatus


def _walk(case, user, *statuses):
    for status in statuses:
        case = services.case_change_status(case=case, changed_by=user, status=status)
    return case


def test_lifecycle_moves_forward_with_dated_history(case, caseworker):
    case = _walk(case, caseworker, "assessment", "planning", "support", "monitoring")
    assert case.status == CaseStatus.MONITORING
    assert [c.to_status for c in case.status_changes.all()] == [
        "intake",
        "assessment",
        "planning",
        "support",
        "monitoring",
    ]
    assert all(c.changed_by == caseworker and c.changed_at for c in case.status_changes.all())


def test_skipping_the_lifecycle_is_a_conflict(case, caseworker):
    with pytest.raises(services.StateConflict):
        services.case_change_status(case=case, changed_by=caseworker, status="monitoring")


def test_closing_needs_a_reason(case, caseworker):
    with pytest.raises(ValidationError) as excinfo:
        services.case_change_status(case=case, changed_by=caseworker, status="closed")
    assert "closure_reason" in excinfo.value.message_dict
    case.refresh_from_db()
    assert case.status == "intake"


def test_close_and_reopen_keep_history(case, caseworker):
    closed = services.case_close(case=case, closed_by=caseworker, reason="moved")
    assert closed.status == "closed" and closed.closure_reason == "moved" and closed.closed_on
    reopened = services.case_reopen(case=closed, reopened_by=caseworker, note="戻ってきた")
    assert reopened.status == "assessment"
    assert reopened.closed_on is None and reopened.closure_reason == ""
    assert [c.to_status for c in reopened.status_changes.all()] == ["intake", "closed", "assessment"]


def test_interrupted_is_a_pause_not_a_closure(case, caseworker):
    case = _walk(case, caseworker, "assessment", "interrupted")
    assert case.closed_on is None
    case = services.case_change_status(case=case, changed_by=caseworker, status="support")
    assert case.status == "support"


def test_only_closed_cases_reopen(case, caseworker):
    with pytest.raises(services.StateConflict):
        services.case_reopen(case=case, reopened_by=caseworker)


def test_other_area_cannot_change_the_case(case, other_caseworker):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.case_change_status(case=case, changed_by=other_caseworker, status="assessment")
    with pytest.raises(PermissionDenied):
        services.case_update(case=case, updated_by=other_caseworker, phone="000")


def test_cases_open_only_in_ones_own_area(caseworker, other_area):
    from django.core.exceptions import PermissionDenied

    from tests import factories

    with pytest.raises(PermissionDenied):
        factories.make_case(by=caseworker, area=other_area)
