"""Reads of the audit log, for auditors only: everyone else gets an empty queryset."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from network.selectors import has_role

from .models import AuditAction, AuditEvent

# Filter choices that stand for several actions: every way a record leaves the system on disk or paper.
ACTION_FAMILIES = {
    "export": (AuditAction.CASE_EXPORT, AuditAction.REPORT_EXPORT, AuditAction.DOCUMENT_DOWNLOAD),
    "print": (AuditAction.CASE_PRINT, AuditAction.REPORT_PRINT),
}


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""  # actor username (exact)
    case: str = ""  # case number (exact)
    action: str = ""  # AuditAction value or an ACTION_FAMILIES key
    date_from: datetime.date | None = None  # local (Asia/Tokyo) dates, both inclusive
    date_to: datetime.date | None = None

    def as_dict(self) -> dict:
        """JSON-safe form, as written into the export's own audit row."""
        return {
            "user": self.user,
            "case": self.case,
            "action": self.action,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }


def _local_midnight(day: datetime.date) -> datetime.datetime:
    midnight = datetime.datetime.combine(day, datetime.time.min)
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def audit_events(*, fetched_by, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit log, newest first, filtered in the database; empty unless `fetched_by` is an auditor."""
    if not has_role(fetched_by, "auditor"):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("case", "actor").order_by("-at", "-id")
    if filters.user:
        events = events.filter(actor_username=filters.user)
    if filters.case:
        events = events.filter(case__number=filters.case)
    if filters.action in ACTION_FAMILIES:
        events = events.filter(action__in=ACTION_FAMILIES[filters.action])
    elif filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_local_midnight(filters.date_to + datetime.timedelta(days=1)))
    return events
