"""How the auditor's page names what an audit row is about, and what it changed, in words a person uses.

An AuditEvent stores its object as "app.model" + primary key and its changes as {field: [old, new]} (personal
values already masked as "***" when the row was written). These helpers turn both into text for the page
and the CSV export; they never look up the object itself, so a deleted object is still named.
"""

from __future__ import annotations

import json

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from .models import AuditEvent
from .templatetags.casework_ui import object_type_label

ARROW = "→"
EMPTY = "—"


def object_label(event: AuditEvent) -> str:
    """「ケース 2026-0036」 for a case, 「支援経過 #2557」 for anything else; "" when the row names no object."""
    if not event.object_type:
        return ""
    if event.object_type == "casework.case" and event.case_id:
        return _("Case %(number)s") % {"number": event.case.number}
    return f"{object_type_label(event.object_type)} #{event.object_id}"


def _field_label(object_type: str, name: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return name


def _value(value) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def change_lines(event: AuditEvent) -> list[str]:
    """One "field: old → new" line per changed field (a non-pair value is shown as it is), sorted by field."""
    lines = []
    for name in sorted(event.changes or {}):
        value = event.changes[name]
        label = _field_label(event.object_type, name) if event.object_type else name
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{label}: {_value(value[0])} {ARROW} {_value(value[1])}")
        else:
            lines.append(f"{label}: {_value(value)}")
    return lines
