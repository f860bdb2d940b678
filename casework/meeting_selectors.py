"""Reads of support meeting records: who may see a meeting, and which of its cases.

A meeting record is visible to the area team that held it and to the staff of its participating agencies;
to anyone else it does not exist (404). Within a visible record, the per-case parts (which case, what was
decided, the split of roles) show only for the cases the reader sees in full (casework.selectors.case_list
narrowed by full_scope_condition): the decisions are narratives, absent under a summary scope.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from network.models import Area, Membership, Role
from network.selectors import TEAM_ROLES, agency_ids, area_team_ids

from .models import Case, DiscussedCase, SupportMeeting
from .selectors import case_list, full_scope_condition


def meeting_list(*, fetched_by) -> QuerySet[SupportMeeting]:
    """Meetings held by one of the user's area teams or attended by one of the user's agencies."""
    if not fetched_by.is_authenticated or not fetched_by.is_active:
        return SupportMeeting.objects.none()
    attended = SupportMeeting.agencies.through.objects.filter(agency_id__in=agency_ids(user=fetched_by))
    return SupportMeeting.objects.filter(
        Q(area_id__in=area_team_ids(user=fetched_by)) | Q(id__in=attended.values("supportmeeting_id"))
    )


def meeting_list_page_rows(meetings: QuerySet[SupportMeeting]) -> QuerySet[SupportMeeting]:
    return meetings.select_related("area", "recorded_by").prefetch_related("agencies", "staff")


def meeting_get(*, fetched_by, meeting_id) -> SupportMeeting:
    """One visible meeting or SupportMeeting.DoesNotExist (404, like a missing one)."""
    return meeting_list_page_rows(meeting_list(fetched_by=fetched_by)).get(pk=meeting_id)


def meeting_discussions(*, meeting: SupportMeeting, fetched_by) -> QuerySet[DiscussedCase]:
    """The meeting's discussed cases that `fetched_by` sees in full, in the order they were recorded."""
    in_full = case_list(fetched_by=fetched_by).filter(full_scope_condition(fetched_by))
    return meeting.discussed_cases.filter(case__in=in_full).select_related("case").order_by("id")


def meeting_case_numbers(*, meetings, fetched_by) -> dict[int, list[str]]:
    """meeting id → numbers of its discussed cases that `fetched_by` may see (for list pages), one query."""
    numbers: dict[int, list[str]] = {}
    rows = (
        DiscussedCase.objects.filter(meeting__in=meetings, case__in=case_list(fetched_by=fetched_by))
        .order_by("meeting_id", "id")
        .values_list("meeting_id", "case__number")
    )
    for meeting_id, number in rows:
        numbers.setdefault(meeting_id, []).append(number)
    return numbers


def can_edit_meeting(*, user, meeting: SupportMeeting) -> bool:
    """The area team that held the meeting records and edits it."""
    return (
        user.is_authenticated
        and user.is_active
        and area_team_ids(user=user).filter(area_id=meeting.area_id).exists()
    )


def can_record_meetings(*, user) -> bool:
    return user.is_authenticated and user.is_active and area_team_ids(user=user).exists()


def case_meetings(*, case: Case, fetched_by) -> QuerySet[SupportMeeting]:
    """The meetings (visible to the user) where the case was discussed, newest first."""
    return (
        meeting_list(fetched_by=fetched_by)
        .filter(id__in=DiscussedCase.objects.filter(case=case).values("meeting_id"))
        .select_related("area")
        .order_by("-held_on", "-id")
    )


def meeting_case_for_number(*, fetched_by, number: str) -> Case | None:
    """A case the user may see, by its number (what people write on a meeting's agenda)."""
    return case_list(fetched_by=fetched_by).filter(number=number.strip()).first()


def meeting_staff_choices(*, areas: QuerySet[Area] | None = None):
    """Who can be listed as participating: active staff of the area teams (all, or those of `areas`),
    and partner-agency staff. The service checks the choice against the meeting's own area and agencies."""
    team = Q(role__in=TEAM_ROLES) if areas is None else Q(role__in=TEAM_ROLES, area_id__in=areas.values("pk"))
    members = Membership.objects.filter(team | Q(role=Role.AGENCY))
    return (
        get_user_model()
        .objects.filter(is_active=True, id__in=members.values("user_id"))
        .order_by("last_name", "first_name", "username")
    )
