"""Small display helpers for the caseworker pages."""

from __future__ import annotations

import datetime

from django import template
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from network.fiscal import wareki_date
from network.selectors import has_role as network_has_role

register = template.Library()


@register.filter
def display_name(user) -> str:
    """A staff member as colleagues know them: family name first (田中 優子), else the login name."""
    if user is None:
        return ""
    return user.display_name


staff_name = register.filter("staff_name", display_name)


@register.filter
def age(birth_date: datetime.date | None) -> int | None:
    """Age in whole years today (Asia/Tokyo)."""
    if not birth_date:
        return None
    today = timezone.localdate()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


CHANNEL_LABELS = {"web": _("Web"), "api": _("API"), "command": _("Command"), "task": _("Background task")}


@register.filter
def channel_label(channel: str) -> str:
    """How an audited action came in (AuditEvent.channel), in words."""
    return CHANNEL_LABELS.get(channel, channel or "—")


# The audited kinds of object whose model has no translated verbose_name of its own.
OBJECT_TYPE_LABELS = {
    "casework.caseaccessgrant": _("access grant"),
    "casework.supportmeetingregistration": _("support meeting registration"),
    "casework.casestatuschange": _("status change"),
    "casework.planrole": _("plan role"),
    "casework.activityrevision": _("activity revision"),
    "referrals.referraltransition": _("referral transition"),
    "referrals.notification": _("notification"),
}


@register.filter
def object_type_label(object_type: str) -> str:
    """An audited object's kind (AuditEvent.object_type, "app.model") in words."""
    if object_type in OBJECT_TYPE_LABELS:
        return OBJECT_TYPE_LABELS[object_type]
    try:
        return apps.get_model(object_type)._meta.verbose_name
    except (LookupError, ValueError):
        return object_type


@register.inclusion_tag("partials/field.html")
def field(bound_field, css_class: str = ""):
    """One form field with its label, help text and errors (errors announced to screen readers)."""
    return {"field": bound_field, "css_class": css_class}


@register.simple_tag
def has_role(user, *roles: str) -> bool:
    """{% has_role user "auditor" as is_auditor %}: for showing a role's own links in the header."""
    return bool(user and user.is_authenticated and network_has_role(user, *roles))


def _sorted_by(order: str, column: str) -> str:
    """ "ascending", "descending" or "" for a column of the case list under `?order=`."""
    if order == column:
        return "ascending"
    if order == f"-{column}":
        return "descending"
    return ""


@register.simple_tag
def sort_state(order: str, column: str) -> str:
    """` aria-sort="…"` on the header of the column the list is sorted by; nothing on the others."""
    state = _sorted_by(order, column)
    return format_html(' aria-sort="{}"', state) if state else ""


@register.simple_tag(takes_context=True)
def sort_link(context, order: str, column: str, label: str) -> str:
    """A column header that sorts the case list by it (server-side `?order=`), or reverses the sort."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    query["order"] = f"-{column}" if order == column else column
    state = _sorted_by(order, column)
    arrow = {"ascending": " ▲", "descending": " ▼"}.get(state, "")
    url = reverse("casework:case_list")
    return format_html(
        '<a href="{}?{}" hx-get="{}?{}" hx-target="#case-results" hx-swap="outerHTML" hx-push-url="true">'
        '{}<span aria-hidden="true">{}</span></a>',
        url,
        query.urlencode(),
        url,
        query.urlencode(),
        label,
        arrow,
    )


@register.filter
def wareki(value) -> str:
    """A date (or an aware datetime, by its Tokyo date) as the national forms write it in Japanese
    (令和7年4月1日); in another language the pages' own date shape (2025/04/01). "" for no date."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    if (translation.get_language() or "ja").startswith("ja"):
        return wareki_date(value)
    return date_format(value, "SHORT_DATE_FORMAT")
