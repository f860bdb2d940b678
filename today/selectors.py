"""What the Today page lists for a staff member: every read bounded, every case one the user may see.

Cases come only from casework.selectors.case_list (the one permission filter), referrals only from
referrals.selectors.referral_list. Each list is a fixed number of queries, at most ROWS rows, with its
total counted in the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from casework.models import OPEN_STATUSES, Case
from casework.selectors import case_list, with_follow_up
from network.models import Membership, Role
from network.selectors import has_role
from referrals.models import ReferralStatus
from referrals.selectors import INCOMING, OUTGOING, notification_list, referral_list

ROWS = 20


@dataclass(frozen=True)
class Rows:
    """The first ROWS items of a list and how many there are in all."""

    items: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def _rows(queryset: QuerySet) -> Rows:
    items = list(queryset[:ROWS])
    total = len(items) if len(items) < ROWS else queryset.order_by().count()
    return Rows(items=items, total=total)


def _open_cases(user) -> QuerySet[Case]:
    return with_follow_up(case_list(fetched_by=user).filter(status__in=OPEN_STATUSES)).select_related("area")


def _my_cases(user) -> QuerySet[Case]:
    """Open cases the user leads."""
    return _open_cases(user).filter(lead_caseworker_id=user.pk)


def _area_cases(user) -> QuerySet[Case]:
    """Open cases of the areas the user coordinates (never beyond what case_list lets them see)."""
    areas = Membership.objects.filter(user_id=user.pk, role=Role.COORDINATOR).values("area_id")
    return _open_cases(user).filter(area_id__in=areas)


def reviews_due(cases: QuerySet[Case], *, today: datetime.date) -> Rows:
    """Cases whose plan in force has its review date today or earlier, the most overdue first."""
    return _rows(cases.filter(next_review_on__lte=today).order_by(F("next_review_on").asc(), "id"))


def no_recent_contact(cases: QuerySet[Case], *, today: datetime.date, days: int) -> Rows:
    """Cases with no activity for `days` days (opened before then and never contacted, or last contacted
    before then); never contacted first, then the longest silence."""
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.min)
    )
    quiet = Q(last_contact_at__lt=since) | Q(
        last_contact_at__isnull=True, opened_on__lt=today - datetime.timedelta(days=days)
    )
    return _rows(cases.filter(quiet).order_by(F("last_contact_at").asc(nulls_first=True), "id"))


def my_referrals_awaiting_answer(*, user) -> Rows:
    """Referrals the user sent that the other side has not answered yet, the earliest due first."""
    referrals = referral_list(fetched_by=user, direction=OUTGOING, status=ReferralStatus.REQUESTED)
    return _rows(referrals.filter(requested_by_id=user.pk).order_by("due_by", "requested_at"))


def referral_inbox(*, user) -> Rows:
    """Referrals the user may decide, waiting for an answer, the earliest due first."""
    referrals = referral_list(fetched_by=user, direction=INCOMING, status=ReferralStatus.REQUESTED)
    return _rows(referrals.order_by("due_by", "requested_at"))


def overdue_referrals(*, user, today: datetime.date) -> Rows:
    """Referrals waiting for the user's side past their due date."""
    referrals = referral_list(fetched_by=user, direction=INCOMING, status=ReferralStatus.REQUESTED)
    return _rows(referrals.filter(due_by__lt=today).order_by("due_by", "requested_at"))


def unread_notifications(*, user) -> Rows:
    return _rows(notification_list(fetched_by=user, unread_only=True).order_by("-created_at", "-id"))


@dataclass
class TodayPage:
    """The sections of the Today page a user gets; a section a role does not have stays None."""

    today: datetime.date
    no_contact_days: int
    reviews_due: Rows | None = None
    no_recent_contact: Rows | None = None
    my_referrals: Rows | None = None
    inbox: Rows | None = None
    overdue: Rows | None = None
    area_reviews_due: Rows | None = None
    notifications: Rows | None = None
    roles: set[str] = field(default_factory=set)


def landing_url_name(*, user) -> str:
    """Where a user lands after login: caseworkers, coordinators and agency staff on Today; an auditor on
    the audit log; a manager on the report."""
    if has_role(user, Role.CASEWORKER, Role.COORDINATOR, Role.AGENCY):
        return "today:today"
    if has_role(user, Role.AUDITOR):
        return "audit:event_list"
    if has_role(user, Role.MANAGER):
        return "reports:report"
    return "today:today"


def today_page(*, user) -> TodayPage:
    today = timezone.localdate()
    days = settings.TODAY_NO_CONTACT_DAYS
    page = TodayPage(today=today, no_contact_days=days)
    if not (user.is_authenticated and user.is_active):
        return page
    if has_role(user, Role.CASEWORKER, Role.COORDINATOR):
        mine = _my_cases(user)
        page.reviews_due = reviews_due(mine, today=today)
        page.no_recent_contact = no_recent_contact(mine, today=today, days=days)
        page.my_referrals = my_referrals_awaiting_answer(user=user)
    if has_role(user, Role.COORDINATOR, Role.AGENCY):
        page.inbox = referral_inbox(user=user)
        page.overdue = overdue_referrals(user=user, today=today)
    if has_role(user, Role.COORDINATOR):
        page.area_reviews_due = reviews_due(_area_cases(user), today=today)
    page.notifications = unread_notifications(user=user)
    return page
