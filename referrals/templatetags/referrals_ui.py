"""Referral panels for pages of lower apps (DESIGN.md §5: the higher app serves its own panel).

{% load referrals_ui %}{% notification_badge %}   in the header (links: inbox, notifications + count)
{% load referrals_ui %}{% case_referrals case %}  on the case page (history, and "refer this case")
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from casework.selectors import is_on_case_team

from .. import selectors
from ..models import ReferralStatus

register = template.Library()

STATUS_CLASSES = {
    ReferralStatus.REQUESTED: "status-intake",
    ReferralStatus.ACCEPTED: "status-support",
    ReferralStatus.DECLINED: "urgency-high",
    ReferralStatus.WITHDRAWN: "status-closed",
    ReferralStatus.EXPIRED: "status-closed",
    ReferralStatus.COMPLETED: "status-monitoring",
}


@register.filter
def referral_status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "")


@register.filter
def is_overdue(referral) -> bool:
    return referral.status == ReferralStatus.REQUESTED and referral.due_by < timezone.localdate()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.inclusion_tag("referrals/partials/notification_badge.html", takes_context=True)
def notification_badge(context):
    user = _user(context)
    if user is None or not user.is_authenticated:
        return {"show": False}
    request = context.get("request")
    url_name = getattr(getattr(request, "resolver_match", None), "url_name", "")
    namespace = getattr(getattr(request, "resolver_match", None), "namespace", "")
    return {
        "show": True,
        "unread": selectors.unread_count(user=user),
        "current": url_name if namespace == "referrals" else "",
        "sees_metrics": selectors.can_view_metrics(user),
    }


@register.filter
def percent(rate) -> str:
    """0.5 → "50.0%"; no rate (nothing answered yet) → "—"."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


@register.inclusion_tag("referrals/partials/case_panel.html", takes_context=True)
def case_referrals(context, case):
    user = _user(context)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "case": case,
        "referrals": list(selectors.case_referrals(fetched_by=user, case=case)),
        "can_refer": not case.is_closed and is_on_case_team(user=user, case=case),
    }
