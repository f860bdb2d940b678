"""config.inserts.insert_new: the activity's and the audit row's INSERT, compiled once per process, writes the
row save() writes (stamps, encryption, primary key) and refuses models whose save() signals it would skip."""

import datetime

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone

from casework.models import Activity, AuditAction, AuditEvent
from config.inserts import insert_new
from network.fiscal import TOKYO

pytestmark = pytest.mark.django_db

NOTE = "本人宅を訪問した。長男と面談。"


def _stored(activity: Activity) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT note, kind, minutes, has_partner FROM casework_activity WHERE id = %s", [activity.pk]
        )
        note, kind, minutes, has_partner = cursor.fetchone()
    return {"note": note, "kind": kind, "minutes": minutes, "has_partner": bool(has_partner)}


def _unsaved(case, caseworker) -> Activity:
    return Activity(
        case=case,
        area_id=case.area_id,
        occurred_at=datetime.datetime(2025, 5, 1, 10, tzinfo=TOKYO),
        kind="visit",
        minutes=45,
        staff=caseworker,
        logged_by=caseworker,
        note=NOTE,
        has_partner=True,
    )


def test_the_row_is_the_one_save_writes(case, caseworker):
    by_save = _unsaved(case, caseworker)
    by_save.save()
    fast = insert_new(_unsaved(case, caseworker))
    again = insert_new(_unsaved(case, caseworker))  # the second call reuses the compiled statement

    assert fast.pk and again.pk == fast.pk + 1 and not fast._state.adding and fast._state.db == "default"
    assert fast.created_at and fast.updated_at and fast.version == 1
    read = Activity.objects.get(pk=fast.pk)
    assert read.note == NOTE and read.occurred_at == by_save.occurred_at and read.staff_id == caseworker.pk
    stored, reference = _stored(fast), _stored(by_save)
    assert NOTE not in stored["note"]  # encrypted at rest, as save() encrypts
    assert {k: v for k, v in stored.items() if k != "note"} == {
        k: v for k, v in reference.items() if k != "note"
    }


def test_a_model_with_save_signal_receivers_is_refused(caseworker):
    def receiver(**kwargs):
        pass

    post_save.connect(receiver, sender=AuditEvent, weak=False)
    try:
        with pytest.raises(TypeError, match="receivers"):
            insert_new(
                AuditEvent(
                    at=timezone.now(),
                    actor=caseworker,
                    actor_username=caseworker.username,
                    action=AuditAction.CASE_VIEW,
                )
            )
    finally:
        post_save.disconnect(receiver, sender=AuditEvent)
    assert insert_new(
        AuditEvent(
            at=timezone.now(),
            actor=caseworker,
            actor_username=caseworker.username,
            action=AuditAction.CASE_VIEW,
        )
    ).pk
