"""The scheduled tasks: remind once, escalate once, expire after the grace period."""

import datetime

from django.utils import timezone

from config.celery_app import app as celery_app
from referrals import tasks
from referrals.business_days import add_business_days
from referrals.models import OutboxMessage, Referral


def set_due(referral, due):
    Referral.objects.filter(pk=referral.pk).update(due_by=due)


def test_reminder_the_business_day_before_and_only_once(referral, south_coordinator):
    assert tasks.remind_due_referrals.apply().get() == 0  # due in three business days: not yet
    set_due(referral, add_business_days(timezone.localdate(), 1))
    assert tasks.remind_due_referrals.apply().get() == 1
    assert tasks.remind_due_referrals.apply().get() == 0
    referral.refresh_from_db()
    assert referral.reminded_at is not None
    assert OutboxMessage.objects.filter(payload__kind="reminder", recipient=south_coordinator).count() == 1


def test_escalation_tells_the_sending_coordinator_and_managers_once(referral, north_coordinator, manager):
    set_due(referral, timezone.localdate() - datetime.timedelta(days=1))
    assert tasks.escalate_overdue.apply().get() == 1
    assert tasks.escalate_overdue.apply().get() == 0
    recipients = set(
        OutboxMessage.objects.filter(payload__kind="escalation").values_list("recipient", flat=True)
    )
    assert recipients == {north_coordinator.pk, manager.pk}


def test_expiry_after_escalation_and_grace(referral, caseworker):
    set_due(referral, timezone.localdate() - datetime.timedelta(days=30))
    assert tasks.expire_overdue.apply().get() == 0  # not escalated yet
    tasks.escalate_overdue.apply()
    assert tasks.expire_overdue.apply().get() == 1
    referral.refresh_from_db()
    assert referral.status == "expired"
    assert OutboxMessage.objects.filter(payload__kind="expired", recipient=caseworker).exists()


def test_answered_referrals_are_left_alone(referral, south_coordinator):
    from referrals import services

    services.referral_accept(referral=referral, accepted_by=south_coordinator)
    set_due(referral, timezone.localdate() - datetime.timedelta(days=30))
    assert tasks.remind_due_referrals.apply().get() == 0
    assert tasks.escalate_overdue.apply().get() == 0
    assert tasks.expire_overdue.apply().get() == 0


def test_the_beat_schedule_has_the_referral_jobs():
    names = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {
        "referrals.tasks.sweep_outbox",
        "referrals.tasks.remind_due_referrals",
        "referrals.tasks.escalate_overdue",
        "referrals.tasks.expire_overdue",
    } <= names
    assert all(name in celery_app.tasks for name in names if name.startswith("referrals."))
