import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework import services
from casework.models import Activity
from tests import factories


def test_logging_records_area_of_the_case_and_partner_flag(case, caseworker, agency):
    with_partner = factories.log_activity(case, by=caseworker, agencies=[agency], note="同行した")
    alone = factories.log_activity(case, by=caseworker)
    assert with_partner.area_id == case.area_id
    assert with_partner.has_partner is True and alone.has_partner is False
    assert list(with_partner.partner_agencies.all()) == [agency]
    assert Activity.objects.get(pk=with_partner.pk).note == "同行した"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": datetime.datetime(2025, 1, 1, 10, 0)}, "occurred_at"),  # naive
        ({"occurred_at": timezone.now() + datetime.timedelta(days=1)}, "occurred_at"),
        ({"kind": "teleport"}, "kind"),
        ({"minutes": -5}, "minutes"),
    ],
)
def test_bad_activity_is_rejected(case, caseworker, changes, field):
    payload = {"occurred_at": timezone.now(), "kind": "visit", "minutes": 10} | changes
    with pytest.raises(ValidationError) as excinfo:
        services.activity_log(case=case, logged_by=caseworker, **payload)
    assert field in excinfo.value.message_dict
    assert not Activity.objects.exists()


def test_edit_keeps_the_previous_version(case, caseworker, agency):
    activity = factories.log_activity(case, by=caseworker, note="最初", minutes=30)
    edited = services.activity_edit(
        activity=activity, edited_by=caseworker, note="訂正後", minutes=45, partner_agencies=[agency]
    )
    assert (edited.version, edited.note, edited.minutes, edited.has_partner) == (2, "訂正後", 45, True)
    revision = edited.revisions.get()
    assert (revision.version, revision.note, revision.minutes, revision.partner_agency_codes) == (
        1,
        "最初",
        30,
        [],
    )


def test_void_keeps_the_row_with_reason_and_actor(case, caseworker):
    activity = factories.log_activity(case, by=caseworker)
    services.activity_void(activity=activity, voided_by=caseworker, reason="重複入力")
    activity.refresh_from_db()
    assert activity.voided and activity.void_reason == "重複入力" and activity.voided_by == caseworker
    assert activity.voided_at is not None
    with pytest.raises(services.StateConflict):
        services.activity_void(activity=activity, voided_by=caseworker, reason="again")
    with pytest.raises(services.StateConflict):
        services.activity_edit(activity=activity, edited_by=caseworker, minutes=5)


def test_void_needs_a_reason(case, caseworker):
    activity = factories.log_activity(case, by=caseworker)
    with pytest.raises(ValidationError):
        services.activity_void(activity=activity, voided_by=caseworker, reason="  ")
    activity.refresh_from_db()
    assert not activity.voided


def test_only_those_who_may_log_can_log_edit_or_void(case, caseworker, other_caseworker):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        factories.log_activity(case, by=other_caseworker)
    activity = factories.log_activity(case, by=caseworker)
    with pytest.raises(PermissionDenied):
        services.activity_void(activity=activity, voided_by=other_caseworker, reason="他エリア")
    with pytest.raises(PermissionDenied):
        services.activity_edit(activity=activity, edited_by=other_caseworker, minutes=1)
