"""Rules of the progress record: which kinds need a note, and no new work on a closed case."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework import services
from casework.models import Activity, ActivityKind
from tests import factories


def _log(case, by, *, kind, note="", when=None):
    return services.activity_log(
        case=case,
        logged_by=by,
        occurred_at=when or timezone.now() - datetime.timedelta(hours=1),
        kind=kind,
        note=note,
    )


@pytest.mark.parametrize("kind", ["visit", "office", "accompany", "interview", "conference", "other"])
def test_support_work_without_a_note_is_refused_on_the_note(case, caseworker, kind):
    with pytest.raises(ValidationError) as refused:
        _log(case, caseworker, kind=kind, note="  \n ")
    assert list(refused.value.message_dict) == ["note"]
    assert not Activity.objects.exists()


@pytest.mark.parametrize("kind", ["phone", "mail"])
def test_a_phone_call_or_mail_may_be_recorded_without_a_note(case, caseworker, kind):
    assert _log(case, caseworker, kind=kind).note == ""


def test_the_two_lists_of_kinds_cover_every_kind_once():
    assert sorted([*services.NOTE_REQUIRED_KINDS, *services.NOTE_OPTIONAL_KINDS]) == sorted(
        ActivityKind.values
    )


def test_an_edit_may_not_empty_the_note_of_a_visit(case, caseworker):
    activity = _log(case, caseworker, kind="visit", note="訪問した")
    with pytest.raises(ValidationError) as refused:
        services.activity_edit(activity=activity, edited_by=caseworker, note="")
    assert "note" in refused.value.message_dict
    activity.refresh_from_db()
    assert (activity.note, activity.version) == ("訪問した", 1)


def test_changing_a_call_into_a_visit_needs_a_note(case, caseworker):
    activity = _log(case, caseworker, kind="phone")
    with pytest.raises(ValidationError):
        services.activity_edit(activity=activity, edited_by=caseworker, kind="visit")
    services.activity_edit(activity=activity, edited_by=caseworker, kind="visit", note="訪問した")


def test_a_closed_case_takes_no_new_activity(case, caseworker):
    case = services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    with pytest.raises(services.StateConflict):
        _log(case, caseworker, kind="phone", when=timezone.now())
    assert not Activity.objects.filter(case=case).exists()


def test_work_done_before_the_closure_may_still_be_entered_late(case, caseworker):
    case = services.case_change_status(
        case=case,
        changed_by=caseworker,
        status="closed",
        closure_reason="goal_achieved",
        on=timezone.localdate() - datetime.timedelta(days=3),
    )
    before = timezone.now() - datetime.timedelta(days=5)
    assert _log(case, caseworker, kind="phone", when=before).case == case
    with pytest.raises(services.StateConflict):
        _log(case, caseworker, kind="phone", when=timezone.now() - datetime.timedelta(days=1))


def test_on_the_closing_day_only_work_before_the_closure_may_be_entered(case, caseworker):
    case = services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    assert _log(case, caseworker, kind="phone", when=timezone.now() - datetime.timedelta(seconds=5)).pk
    with pytest.raises(services.StateConflict):
        _log(case, caseworker, kind="phone", when=timezone.now())


def test_a_reopened_case_takes_activities_again(case, caseworker):
    case = services.case_close(case=case, closed_by=caseworker, reason="goal_achieved")
    case = services.case_reopen(case=case, reopened_by=caseworker)
    assert _log(case, caseworker, kind="phone", when=timezone.now()).case == case


def test_the_factory_gives_support_work_a_note(case, caseworker):
    assert factories.log_activity(case, by=caseworker, kind="visit").note
