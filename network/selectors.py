"""Reads of the network: who belongs where."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import Agency, Area, Membership, Role

TEAM_ROLES = (Role.CASEWORKER, Role.COORDINATOR)


def area_team_ids(*, user) -> QuerySet:
    """Areas whose team the user belongs to, as a subquery (never evaluated in Python)."""
    return Membership.objects.filter(user_id=user.pk, role__in=TEAM_ROLES).values("area_id")


def agency_ids(*, user) -> QuerySet:
    return Membership.objects.filter(user_id=user.pk, role=Role.AGENCY).values("agency_id")


def user_roles(*, user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_yorisoi_roles", None)
    if cached is None:
        cached = set(Membership.objects.filter(user_id=user.pk).values_list("role", flat=True))
        user._yorisoi_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user=user) & set(roles))


def areas_of(*, user) -> QuerySet[Area]:
    return Area.objects.filter(id__in=area_team_ids(user=user))


def active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True).select_related("area")


def own_area_ids(*, user) -> QuerySet:
    """The areas a user works in: their area teams', and the areas of the agencies they staff."""
    return Area.objects.filter(
        Q(id__in=area_team_ids(user=user))
        | Q(id__in=Agency.objects.filter(id__in=agency_ids(user=user)).values("area_id"))
    ).values("id")


def agencies_for_picker(*, user) -> QuerySet[Agency]:
    """Active agencies as the agency picker lists them: the user's own area's first, then city-wide ones,
    then the other areas', each group by area and code. One query."""
    return active_agencies().order_by(
        Case(
            When(area_id__in=own_area_ids(user=user), then=Value(0)),
            When(area__isnull=True, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "area__sort_order",
        "code",
    )
