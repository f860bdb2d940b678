"""Celery tasks of the referral workflow. Tasks only call services (and selectors to find their work).

Every task is idempotent: the services move or mark each referral at most once (conditional UPDATEs),
and an outbox message is delivered at most once (row lock + dispatched_at).
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from casework.services import StateConflict

from . import selectors, services

logger = logging.getLogger(__name__)

SWEEP_AFTER = datetime.timedelta(minutes=1)


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def dispatch_outbox(self, message_id: int) -> bool:
    """Deliver one outbox message (in-app notice or e-mail); a second run is a no-op."""
    return services.outbox_dispatch(message_id=message_id)


@shared_task
def sweep_outbox(min_age_seconds: int | None = None) -> int:
    """Deliver messages still pending a minute after they were written (broker outage, lost task)."""
    older_than = SWEEP_AFTER if min_age_seconds is None else datetime.timedelta(seconds=min_age_seconds)
    delivered = 0
    for message_id in services.outbox_pending_ids(older_than=older_than):
        try:
            delivered += services.outbox_dispatch(message_id=message_id)
        except Exception as exc:
            logger.warning("outbox message %s failed again (%s)", message_id, type(exc).__name__)
    return delivered


@shared_task
def remind_due_referrals() -> int:
    today = timezone.localdate()
    return sum(services.referral_remind(referral=r) for r in selectors.referrals_to_remind(today=today))


@shared_task
def escalate_overdue() -> int:
    today = timezone.localdate()
    return sum(
        services.referral_escalate(referral=r, today=today)
        for r in selectors.referrals_to_escalate(today=today)
    )


@shared_task
def expire_overdue() -> int:
    today = timezone.localdate()
    expired = 0
    grace = settings.REFERRAL_EXPIRY_GRACE_BUSINESS_DAYS
    for referral in selectors.referrals_to_expire(today=today, grace_business_days=grace):
        try:
            services.referral_expire(referral=referral, today=today)
            expired += 1
        except StateConflict:
            pass  # answered meanwhile
    return expired
