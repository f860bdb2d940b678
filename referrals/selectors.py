"""Every read of referrals and notifications; permission filtering happens here, in the database.

Who sees a referral: the sending area team (its `from_area`), the team that holds the case now, and the
receiving side that decides it (the receiving area's coordinators, or the receiving agency's staff).
Seeing a referral is not seeing its case: the receiving side sees the case only once it has accepted
(casework's access grants decide that, not this module).
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from network.fiscal import TOKYO, fiscal_year_bounds, reiwa_label
from network.models import Membership, Role
from network.selectors import agency_ids, area_team_ids, has_role

from .business_days import add_business_days, business_days_between
from .models import Notification, Referral, ReferralStatus

INCOMING = "incoming"
OUTGOING = "outgoing"
DIRECTIONS = (INCOMING, OUTGOING)


def _coordinator_area_ids(user) -> QuerySet:
    return Membership.objects.filter(user_id=user.pk, role=Role.COORDINATOR).values("area_id")


def _incoming(user) -> Q:
    return Q(to_area_id__in=_coordinator_area_ids(user)) | Q(to_agency_id__in=agency_ids(user=user))


def _outgoing(user) -> Q:
    return Q(from_area_id__in=area_team_ids(user=user))


def _visible(user) -> Q:
    return _incoming(user) | _outgoing(user) | Q(case__area_id__in=area_team_ids(user=user))


def _rows(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related("case", "from_area", "to_area", "to_agency", "requested_by", "decided_by")


def referral_list(*, fetched_by, status: str = "", direction: str = "") -> QuerySet[Referral]:
    """Referrals the user sent (their area team's) or may decide, newest first."""
    if not fetched_by.is_authenticated or not fetched_by.is_active:
        return Referral.objects.none()
    if direction == INCOMING:
        condition = _incoming(fetched_by)
    elif direction == OUTGOING:
        condition = _outgoing(fetched_by)
    else:
        condition = _visible(fetched_by)
    referrals = Referral.objects.filter(condition)
    if status:
        referrals = referrals.filter(status=status)
    return _rows(referrals)


def referral_get(*, fetched_by, referral_id) -> Referral:
    """One visible referral, or Referral.DoesNotExist (404) for hidden and missing alike."""
    return referral_list(fetched_by=fetched_by).get(pk=referral_id)


def inbox(*, fetched_by) -> dict:
    """The coordinator's inbox: open incoming referrals, overdue (earliest due) first; outgoing ones."""
    incoming = referral_list(fetched_by=fetched_by, direction=INCOMING)
    return {
        "incoming_open": incoming.filter(status=ReferralStatus.REQUESTED).order_by("due_by", "requested_at"),
        "incoming_recent": incoming.exclude(status=ReferralStatus.REQUESTED).order_by("-requested_at")[:20],
        "outgoing": referral_list(fetched_by=fetched_by, direction=OUTGOING).order_by("-requested_at", "-id")[
            :50
        ],
    }


def case_referrals(*, fetched_by, case) -> QuerySet[Referral]:
    """The case page's referral history: the case's referrals this user may see."""
    return referral_list(fetched_by=fetched_by).filter(case=case).prefetch_related("transitions")


def can_decide(*, user, referral: Referral) -> bool:
    """Coordinators of the receiving area, or staff of the receiving agency."""
    if not (user.is_authenticated and user.is_active):
        return False
    if referral.to_area_id:
        return Membership.objects.filter(
            user_id=user.pk, role=Role.COORDINATOR, area_id=referral.to_area_id
        ).exists()
    return Membership.objects.filter(
        user_id=user.pk, role=Role.AGENCY, agency_id=referral.to_agency_id
    ).exists()


def is_sender(*, user, referral: Referral) -> bool:
    """A member of the sending area team (caseworker or coordinator)."""
    return (
        user.is_authenticated
        and user.is_active
        and area_team_ids(user=user).filter(area_id=referral.from_area_id).exists()
    )


def deciders(*, referral: Referral) -> QuerySet:
    users = get_user_model().objects.filter(is_active=True)
    if referral.to_area_id:
        return users.filter(memberships__role=Role.COORDINATOR, memberships__area_id=referral.to_area_id)
    return users.filter(memberships__role=Role.AGENCY, memberships__agency_id=referral.to_agency_id)


def sending_coordinators(*, referral: Referral) -> QuerySet:
    return get_user_model().objects.filter(
        is_active=True, memberships__role=Role.COORDINATOR, memberships__area_id=referral.from_area_id
    )


def managers() -> QuerySet:
    return get_user_model().objects.filter(is_active=True, memberships__role=Role.MANAGER)


# --- for the scheduled tasks ----------------------------------------------------------------------


def referrals_to_remind(*, today: datetime.date) -> QuerySet[Referral]:
    """Requested, not yet reminded, due within one business day (and not yet overdue)."""
    return Referral.objects.filter(
        status=ReferralStatus.REQUESTED,
        reminded_at__isnull=True,
        due_by__lte=add_business_days(today, 1),
        due_by__gte=today,
    )


def referrals_to_escalate(*, today: datetime.date) -> QuerySet[Referral]:
    return Referral.objects.filter(
        status=ReferralStatus.REQUESTED, escalated_at__isnull=True, due_by__lt=today
    )


def referrals_to_expire(*, today: datetime.date, grace_business_days: int) -> list[Referral]:
    """Escalated and still unanswered when the grace period after the due date has passed."""
    candidates = Referral.objects.filter(
        status=ReferralStatus.REQUESTED, escalated_at__isnull=False, due_by__lt=today
    )
    return [r for r in candidates if add_business_days(r.due_by, grace_business_days) < today]


# --- notifications ----------------------------------------------------------------------------------


def notification_list(*, fetched_by, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient_id=fetched_by.pk).select_related("referral")
    return notifications.filter(read_at__isnull=True) if unread_only else notifications


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


# --- metrics (the metrics page and API; the reports app may read them too) ---------------------------


def can_view_metrics(user) -> bool:
    """Referral metrics are aggregates, for managers and coordinators as the reports are; others get 404."""
    return bool(
        user and user.is_authenticated and user.is_active and has_role(user, Role.MANAGER, Role.COORDINATOR)
    )


@dataclass(frozen=True)
class ReferralMetrics:
    total: int
    answered: int
    accepted: int
    declined: int
    acceptance_rate: float | None  # accepted (or completed) ÷ answered
    median_response_business_days: float | None
    overdue: int  # answered after the due date, or not answered by it

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(TOKYO).date()


def _metrics(rows: list[Referral], today: datetime.date) -> ReferralMetrics:
    accepted_states = {ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED}
    answered = [r for r in rows if r.decided_at is not None]
    accepted = sum(1 for r in answered if r.status in accepted_states)
    declined = sum(1 for r in answered if r.status == ReferralStatus.DECLINED)
    times = [business_days_between(_local_date(r.requested_at), _local_date(r.decided_at)) for r in answered]
    overdue = sum(
        1
        for r in rows
        if (r.decided_at is not None and _local_date(r.decided_at) > r.due_by)
        or (
            r.decided_at is None
            and r.status in (ReferralStatus.REQUESTED, ReferralStatus.EXPIRED)
            and r.due_by < today
        )
    )
    return ReferralMetrics(
        total=len(rows),
        answered=len(answered),
        accepted=accepted,
        declined=declined,
        acceptance_rate=round(accepted / len(answered), 4) if answered else None,
        median_response_business_days=statistics.median(times) if times else None,
        overdue=overdue,
    )


def referral_metrics(
    *,
    fiscal_year: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> dict:
    """Response time (median, in business days), acceptance rate and overdue count of the referrals
    requested in a fiscal year (or in [start, end]), overall and by receiving area / agency.

    Aggregate figures only, no personal data: for the reports app.
    """
    if fiscal_year is not None:
        since, until = fiscal_year_bounds(fiscal_year)
    else:
        if start is None or end is None:
            raise ValueError("give fiscal_year, or start and end")
        since = datetime.datetime.combine(start, datetime.time.min, tzinfo=TOKYO)
        until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=TOKYO)
    rows = list(
        Referral.objects.filter(requested_at__gte=since, requested_at__lt=until)
        .select_related("to_area", "to_agency", "from_area")
        .only(
            "status",
            "requested_at",
            "decided_at",
            "due_by",
            "to_area__code",
            "to_area__name",
            "to_agency__code",
            "to_agency__name",
            "from_area__code",
            "case_id",
        )
    )
    today = timezone.localdate()
    by_destination: dict[tuple[str, str], list[Referral]] = {}
    names: dict[tuple[str, str], str] = {}
    for r in rows:
        destination = r.to_area if r.to_area_id else r.to_agency
        key = ("area" if r.to_area_id else "agency", destination.code)
        by_destination.setdefault(key, []).append(r)
        names[key] = destination.name
    return {
        **_metrics(rows, today).as_dict(),
        "by_destination": [
            {"type": kind, "code": code, "name": names[kind, code], **_metrics(group, today).as_dict()}
            for (kind, code), group in sorted(by_destination.items())
        ],
    }


def fiscal_year_referral_metrics(*, fiscal_year: int) -> dict:
    """The metrics page and API: referral_metrics of a fiscal year, with the year's 令和 label."""
    return {
        "fiscal_year": fiscal_year,
        "label": reiwa_label(fiscal_year),
        **referral_metrics(fiscal_year=fiscal_year),
    }
