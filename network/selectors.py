"""Reads of the network: who belongs where."""

from django.core.cache import cache
from django.db import transaction
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


# The active agencies by code, for serializers that only resolve codes (logging an activity). Held in the
# shared cache (Redis in production) and dropped whenever an agency is saved or deleted (network.apps), so a
# deactivated or renamed agency is refused or shown as such on the next request in every process. The
# timeout bounds what no signal sees (a bulk update, a restored backup). The instances carry the agency's
# own columns, not its area.
ACTIVE_AGENCIES_CACHE_KEY = "network:active-agencies-by-code:v1"
ACTIVE_AGENCIES_CACHE_SECONDS = 300
_AGENCY_COLUMNS = tuple(f.attname for f in Agency._meta.concrete_fields)
_CODE_INDEX = _AGENCY_COLUMNS.index("code")


def active_agencies_by_code(codes) -> dict[str, Agency]:
    """The active agencies among `codes` (unknown and inactive ones left out), from the cache: no query
    once it is filled. Only the agencies asked for are made into instances."""
    rows = cache.get(ACTIVE_AGENCIES_CACHE_KEY)
    if rows is None:
        rows = {
            row[_CODE_INDEX]: row
            for row in Agency.objects.filter(is_active=True).values_list(*_AGENCY_COLUMNS)
        }
        cache.set(ACTIVE_AGENCIES_CACHE_KEY, rows, ACTIVE_AGENCIES_CACHE_SECONDS)
    return {code: Agency.from_db("default", _AGENCY_COLUMNS, rows[code]) for code in codes if code in rows}


def forget_active_agencies(**_kwargs) -> None:
    """Signal receiver: an agency changed, so the next lookup reads them afresh — now, and again once the
    change commits (a request in between may have cached the rows as they were before it)."""
    cache.delete(ACTIVE_AGENCIES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(ACTIVE_AGENCIES_CACHE_KEY))


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
