"""How the auditor's page names what an audit row is about, and what it changed, in words a person uses.

An AuditEvent stores its object as "app.model" + primary key and its changes as {field: [old, new]} (personal
values already masked as "***" when the row was written). These helpers turn both into text for the page
and the CSV export; they never look up the object itself, so a deleted object is still named.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import AuditEvent
from .templatetags.casework_ui import object_type_label

ARROW = "→"
EMPTY = "—"


def object_label(event: AuditEvent) -> str:
    """「ケース 2026-0036」 for a case, 「支援経過 #2557」 otherwise; "" when the row names no object."""
    if not event.object_type:
        return ""
    if event.object_type == "casework.case" and event.case_id:
        return _("Case %(number)s") % {"number": event.case.number}
    return f"{object_type_label(event.object_type)} #{event.object_id}"


def _field_label(object_type: str, name: str) -> str | None:
    """The model field's name in the page's language; None when `name` is not a field of the object's model
    or its name has no translation (the stored key is shown instead, as code)."""
    try:
        verbose_name = apps.get_model(object_type)._meta.get_field(name).verbose_name
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return None
    label = str(verbose_name)
    if not (translation.get_language() or "").startswith("en"):
        with translation.override(None):
            if str(verbose_name) == label:
                return None
    return label


def _choices(object_type: str, name: str) -> dict:
    """A choice field's stored codes and their labels (medium → 中); {} for other fields."""
    try:
        field = apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist, AttributeError):
        return {}
    return {str(code): str(label) for code, label in (getattr(field, "flatchoices", None) or [])}


def _value(value, choices: dict | None = None) -> str:
    """A stored value as text: a choice by its label, ISO dates and times in the pages' shape (2026/12/02,
    2026/12/02 07:39)."""
    if value is None or value == "" or value == []:
        return EMPTY
    if choices and isinstance(value, str | int) and str(value) in choices:
        return choices[str(value)]
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
            moment = datetime.datetime.fromisoformat(value)
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return date_format(moment, "SHORT_DATETIME_FORMAT")
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Change:
    """One changed field: its name (translated when it is a model field) and its old and new values."""

    field: str
    field_is_code: bool  # not a model field: shown as the stored key, marked as code
    old: str | None  # None: the stored value is not an [old, new] pair; `new` holds it
    new: str

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.field}: {self.new}"
        return f"{self.field}: {self.old} {ARROW} {self.new}"


def changes(event: AuditEvent) -> list[Change]:
    """One change per stored field, sorted by the stored key; personal values stay masked ("***")."""
    found = []
    for name in sorted(event.changes or {}):
        value = event.changes[name]
        label = _field_label(event.object_type, name) if event.object_type else None
        choices = _choices(event.object_type, name) if event.object_type else {}
        if isinstance(value, list) and len(value) == 2:
            old, new = _value(value[0], choices), _value(value[1], choices)
            found.append(Change(label or name, label is None, old, new))
        else:
            found.append(Change(label or name, label is None, None, _value(value, choices)))
    return found


def change_lines(event: AuditEvent) -> list[str]:
    """The changes as "field: old → new" lines."""
    return [str(change) for change in changes(event)]
