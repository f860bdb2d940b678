"""Every read of cases goes through here, so permission filtering happens once, in the database."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from network.selectors import area_team_ids

from . import encryption
from .models import Activity, Case, CaseIssue, HouseholdMember


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    status: str = ""
    area: str = ""  # area code
    issue: str = ""  # issue tag


def case_list(*, fetched_by, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases `fetched_by` may see, newest first: their area teams' cases.

    A plain subquery on our own relations (DESIGN.md §6): fast on PostgreSQL, same SQL on SQLite.
    """
    if not fetched_by.is_authenticated or not fetched_by.is_active:
        return Case.objects.none()
    cases = Case.objects.filter(area_id__in=area_team_ids(user=fetched_by))
    return _apply_filters(cases, filters) if filters else cases


def _apply_filters(cases: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.area:
        cases = cases.filter(area__code=filters.area)
    if filters.issue:
        cases = cases.filter(id__in=CaseIssue.objects.filter(tag=filters.issue).values("case_id"))
    if filters.q:
        cases = cases.filter(_search_condition(filters.q.strip()))
    return cases


def _search_condition(q: str) -> Q:
    """Exact search: case number, or kana / phone through their blind indexes (never plaintext)."""
    kana = encryption.kana_index(q)
    phone = encryption.phone_index(q) if encryption.normalise_phone(q) else ""
    condition = Q(number=q) | Q(kana_index=kana)
    member_match = Q(kana_index=kana)
    if phone:
        condition |= Q(phone_index=phone)
        member_match |= Q(phone_index=phone)
    return condition | Q(id__in=HouseholdMember.objects.filter(member_match).values("case_id"))


def case_list_page_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """What a list page shows per row, fetched in a fixed number of queries."""
    return cases.select_related("area", "lead_caseworker").prefetch_related(
        Prefetch("issues", queryset=CaseIssue.objects.order_by("-is_main", "tag"))
    )


def case_get(*, fetched_by, case_id) -> Case:
    """One visible case or Case.DoesNotExist (which views turn into 404, like a missing case)."""
    return case_list_page_rows(case_list(fetched_by=fetched_by)).get(pk=case_id)


def case_activities(*, case: Case) -> QuerySet[Activity]:
    return (
        case.activities.select_related("staff", "voided_by")
        .prefetch_related("partner_agencies")
        .order_by("-occurred_at", "-id")
    )


def activity_get(*, fetched_by, activity_id) -> Activity:
    return Activity.objects.select_related("case").get(
        pk=activity_id, case__in=case_list(fetched_by=fetched_by)
    )


def possible_duplicates(*, fetched_by, kana: str = "", phone: str = "", exclude_case_id=None) -> QuerySet[Case]:
    """Visible cases whose household or a member matches by kana or phone (duplicate-household warning)."""
    kana_idx = encryption.kana_index(kana) if kana else ""
    phone_idx = encryption.phone_index(phone) if encryption.normalise_phone(phone or "") else ""
    condition = Q(pk__in=[])
    member_condition = Q(pk__in=[])
    if kana_idx:
        condition |= Q(kana_index=kana_idx)
        member_condition |= Q(kana_index=kana_idx)
    if phone_idx:
        condition |= Q(phone_index=phone_idx)
        member_condition |= Q(phone_index=phone_idx)
    if not (kana_idx or phone_idx):
        return Case.objects.none()
    condition |= Q(id__in=HouseholdMember.objects.filter(member_condition).values("case_id"))
    matches = case_list(fetched_by=fetched_by).filter(condition)
    return matches.exclude(pk=exclude_case_id) if exclude_case_id else matches
