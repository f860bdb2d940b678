"""Writes about the audit log itself: an export of the log is audited like any other export."""

from __future__ import annotations

from . import audit
from .audit_selectors import AuditFilters
from .models import AuditAction, AuditEvent


def audit_export_record(*, exported_by, filters: AuditFilters) -> AuditEvent:
    return audit.record(
        actor=exported_by, action=AuditAction.CASE_EXPORT, changes={"audit_export": filters.as_dict()}
    )
