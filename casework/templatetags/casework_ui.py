"""Small display helpers for the caseworker pages."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """A staff member as colleagues know them: full name, else the login name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def age(birth_date: datetime.date | None) -> int | None:
    """Age in whole years today (Asia/Tokyo)."""
    if not birth_date:
        return None
    today = timezone.localdate()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


@register.inclusion_tag("partials/field.html")
def field(bound_field, css_class: str = ""):
    """One form field with its label, help text and errors (errors announced to screen readers)."""
    return {"field": bound_field, "css_class": css_class}
