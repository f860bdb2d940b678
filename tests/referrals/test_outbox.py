"""Notifications go through the outbox: written with the change, delivered once, after commit."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from config.celery_app import app as celery_app
from referrals import services, tasks
from referrals.models import Notification, OutboxMessage


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_dispatching_twice_creates_one_notification(referral, south_coordinator):
    message = OutboxMessage.objects.get(recipient=south_coordinator, channel="in_app")
    assert tasks.dispatch_outbox.apply(args=[message.pk]).get() is True
    assert tasks.dispatch_outbox.apply(args=[message.pk]).get() is False
    assert Notification.objects.filter(recipient=south_coordinator).count() == 1
    message.refresh_from_db()
    assert message.dispatched_at is not None and message.attempts == 1


def test_the_notification_names_the_case_by_number_only(referral, south_coordinator):
    services.outbox_dispatch(message_id=OutboxMessage.objects.get(recipient=south_coordinator).pk)
    notice = Notification.objects.get(recipient=south_coordinator)
    assert referral.case.number in notice.message
    assert "架空" not in notice.message and "通院" not in notice.message
    assert notice.kind == "requested" and notice.referral == referral


def test_messages_are_delivered_after_commit(
    eager, case, caseworker, other_area, south_coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_request(
            case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="依頼"
        )
        assert not Notification.objects.exists()  # nothing before the commit
    assert Notification.objects.filter(recipient=south_coordinator).count() == 1


def test_the_actor_is_not_notified_of_their_own_action(referral, caseworker, south_coordinator):
    services.referral_accept(referral=referral, accepted_by=south_coordinator)
    recipients = set(
        OutboxMessage.objects.filter(payload__kind="accepted").values_list("recipient", flat=True)
    )
    assert recipients == {caseworker.pk}


def test_staff_with_an_address_also_get_an_email(case, caseworker, other_area, south_coordinator):
    south_coordinator.email = "co_south@example.org"
    south_coordinator.save()
    services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="借金の事情"
    )
    email = OutboxMessage.objects.get(channel="email")
    services.outbox_dispatch(message_id=email.pk)
    services.outbox_dispatch(message_id=email.pk)
    assert len(mail.outbox) == 1
    assert case.number in mail.outbox[0].subject + mail.outbox[0].body
    assert "架空" not in mail.outbox[0].body and "借金" not in mail.outbox[0].body


def test_a_failed_delivery_is_recorded_and_retried(monkeypatch, referral, south_coordinator):
    message = OutboxMessage.objects.get(recipient=south_coordinator, channel="in_app")

    def broken(_message):
        raise ConnectionError("down")

    monkeypatch.setattr(services, "_deliver", broken)
    with pytest.raises(ConnectionError):
        services.outbox_dispatch(message_id=message.pk)
    message.refresh_from_db()
    assert (message.dispatched_at, message.attempts, message.last_error) == (None, 1, "ConnectionError")
    monkeypatch.undo()
    assert services.outbox_dispatch(message_id=message.pk) is True
    assert Notification.objects.filter(recipient=south_coordinator).count() == 1


def test_the_sweep_delivers_what_is_older_than_a_minute(referral, south_coordinator):
    assert tasks.sweep_outbox.apply().get() == 0  # just written: the task after commit will deliver it
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    assert tasks.sweep_outbox.apply().get() == 1
    assert Notification.objects.filter(recipient=south_coordinator).count() == 1


def test_a_broker_failure_does_not_fail_the_request(
    monkeypatch, case, caseworker, other_area, south_coordinator, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OSError("broker unreachable")

    monkeypatch.setattr(tasks.dispatch_outbox, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        referral = services.referral_request(
            case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="依頼"
        )
    assert referral.pk and OutboxMessage.objects.filter(dispatched_at__isnull=True).count() == 1


@pytest.mark.redis
def test_with_the_real_broker_down_the_referral_is_saved_and_swept_later(
    case, caseworker, other_area, south_coordinator, django_capture_on_commit_callbacks, caplog
):
    """Nothing listens on 6399: the publish fails fast, the referral stays, the message waits."""
    saved = celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool
    celery_app._pool = celery_app.amqp._producer_pool = None  # producer pools are cached per app
    celery_app.conf.broker_url = "redis://127.0.0.1:6399/0"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            referral = services.referral_request(
                case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="依頼"
            )
    finally:
        for pool in {celery_app._pool, celery_app.amqp._producer_pool} - {None}:
            pool.force_close_all()  # the dead broker's pools only
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved
    assert "not queued" in caplog.text  # the publish really failed (and was not raised)
    message = OutboxMessage.objects.get(recipient=south_coordinator)
    assert message.dispatched_at is None
    assert not Notification.objects.exists()
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    assert tasks.sweep_outbox.apply().get() == 1
    assert Notification.objects.filter(recipient=south_coordinator, referral=referral).count() == 1
