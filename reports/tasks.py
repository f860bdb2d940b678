"""Scheduled work of the reports. Tasks only call services; they are idempotent and retry with backoff."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from casework.services import StateConflict
from network.fiscal import fiscal_year_of_date, reiwa_label
from network.models import Role, User

from . import selectors, services
from .models import MonthlySnapshot

logger = logging.getLogger(__name__)


def _report_link(fiscal_year: int, month_key: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{reverse('reports:report')}?fiscal_year={fiscal_year}&month={month_key}"


def _manager_addresses() -> list[str]:
    return sorted(
        set(
            User.objects.filter(is_active=True, memberships__role=Role.MANAGER)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


@shared_task(autoretry_for=(Exception,), retry_backoff=60, retry_backoff_max=3600, max_retries=5)
def notify_managers_month_finalised(fiscal_year: int, month_key: str) -> int:
    """A link to the report, never its figures: mail leaves our systems."""
    recipients = _manager_addresses()
    if not recipients:
        return 0
    with override(settings.LANGUAGE_CODE):
        subject = _("[Yorisoi] %(month)s has been finalised") % {"month": month_key}
        body = _(
            "The indicator report for %(month)s (%(label)s) has been finalised.\n"
            "Open it in Yorisoi (sign-in required):\n%(link)s\n"
        ) % {
            "month": month_key,
            "label": reiwa_label(fiscal_year),
            "link": _report_link(fiscal_year, month_key),
        }
    send_mail(subject, body, None, recipients)
    return len(recipients)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, retry_backoff_max=3600, max_retries=5)
def finalise_last_month() -> str | None:
    """Finalise the month before today (Tokyo), and first any month the task missed since the last one
    finalised, in order (the service refuses a month after an unfinalised one). Nothing due: do nothing
    (idempotent). Returns the last month finalised."""
    today = selectors.tokyo_today()
    finalised = None
    for year, month in services.months_due(today=today):
        key = selectors.month_key(year, month)
        if MonthlySnapshot.objects.filter(month=key).exists():
            logger.info("reports: %s already finalised; nothing to do", key)
            continue
        fiscal_year = fiscal_year_of_date(datetime.date(year, month, 1))
        try:
            with transaction.atomic():
                snapshot = services.monthly_snapshot_finalise(
                    year=year, month=month, finalised_by=None, today=today
                )
                transaction.on_commit(
                    lambda fy=fiscal_year, k=key: notify_managers_month_finalised.delay(fy, k)
                )
        except StateConflict:  # another worker finalised it a moment ago
            continue
        finalised = snapshot.month
    return finalised


@shared_task
def apply_rollup_changes() -> int:
    """Every minute: turn the cases whose activities changed into roll-up deltas (a failed pass is retried
    by the next one: nothing is lost, the pending rows stay). Returns the number of cases applied."""
    from . import rollups

    return rollups.apply_rollup_changes()


@shared_task(autoretry_for=(Exception,), retry_backoff=60, retry_backoff_max=3600, max_retries=5)
def compact_rollups() -> dict:
    """Fold the 延件数 roll-up deltas into one row per key (idempotent; writers never wait on it)."""
    from . import rollups

    return rollups.compact_rollups()


@shared_task(autoretry_for=(Exception,), retry_backoff=60, retry_backoff_max=3600, max_retries=5)
def verify_rollups() -> int:
    """Nightly: recount 延件数 and compare with the roll-ups. Drift is a bug somewhere on a write path, so
    it is logged as an error (keys in codes: month, area, kind, issue, agency — no case, no person), then
    repaired so the morning's report is right. Returns the number of keys that drifted."""
    from . import rollups

    drift = rollups.rollup_drift()
    if not drift:
        logger.info("reports: roll-ups match the recount")
        return 0
    logger.error(
        "reports: %d roll-up key(s) drifted from the recount; repairing. %s",
        len(drift),
        "; ".join(rollups.drift_lines(drift[:20])),
    )
    rollups.rebuild_rollups()
    return len(drift)
