"""Reads of the audit log, for auditors only: everyone else gets an empty queryset."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
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
    user: str = ""  # part of the actor's name, kana or username (case-insensitive)
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


def _actor_matches(text: str) -> Q:
    """Rows whose actor's family/given name, kana or username contains `text`, or (no account: a failed
    login) whose recorded username does."""
    condition = Q(actor_username__icontains=text)
    for column in ("username", "last_name", "first_name", "family_name_kana", "given_name_kana"):
        condition |= Q(**{f"actor__{column}__icontains": text})
    full = text.replace("\u3000", " ")
    if " " in full.strip():  # 「田中 優子」: family then given name
        family, _sep, given = full.strip().partition(" ")
        given = given.strip()
        condition |= Q(actor__last_name__icontains=family, actor__first_name__icontains=given)
        condition |= Q(actor__family_name_kana__icontains=family, actor__given_name_kana__icontains=given)
    return condition


def audit_events(*, fetched_by, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit log, newest first, filtered in the database; empty unless `fetched_by` is an auditor."""
    if not has_role(fetched_by, "auditor"):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("case", "actor").order_by("-at", "-id")
    if filters.user:
        events = events.filter(_actor_matches(filters.user))
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
