"""Every read of cases goes through here, so permission filtering happens once, in the database."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from network.groups import agency_group_name, area_group_name
from network.models import Agency, Area, Membership, Role
from network.selectors import TEAM_ROLES, area_team_ids

from . import encryption, search
from .models import (
    AccessBasis,
    Activity,
    AuditEvent,
    Case,
    CaseAccessGrant,
    CaseGroupObjectPermission,
    CaseIssue,
    CaseStatusChange,
    ConsentDocument,
    HouseholdMember,
    PlanRole,
    SupportPlan,
)
from .search import SearchQuery


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    status: str = ""
    area: str = ""  # area code
    issue: str = ""  # issue tag
    lead: str = ""  # "me": only the cases the user leads (their caseload)


LEAD_ME = "me"

# `?order=` of the case list: the whitelist, each name with its ORDER BY. Cases never contacted come first
# when sorted by oldest contact; cases without a review date come last when sorted by the nearest review.
CASE_ORDERINGS: dict[str, tuple] = {
    "-opened_on": ("-opened_on", "-id"),
    "opened_on": ("opened_on", "id"),
    "number": ("number",),
    "-number": ("-number",),
    "last_contact": (F("last_contact_at").asc(nulls_first=True), "-id"),
    "-last_contact": (F("last_contact_at").desc(nulls_last=True), "-id"),
    "next_review": (F("next_review_on").asc(nulls_last=True), "-id"),
    "-next_review": (F("next_review_on").desc(nulls_last=True), "-id"),
}
DEFAULT_CASE_ORDER = "-opened_on"


def _granted_case_ids(user, codename: str) -> QuerySet:
    """Cases on which one of the user's groups holds `codename` (guardian's direct-FK table)."""
    return CaseGroupObjectPermission.objects.filter(
        group_id__in=user.groups.through.objects.filter(user_id=user.pk).values("group_id"),
        permission__codename=codename,
    ).values("content_object_id")


def _break_glass_case_ids(user) -> QuerySet:
    return CaseAccessGrant.objects.filter(
        user_id=user.pk, basis=AccessBasis.BREAK_GLASS, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).values("case_id")


def case_list(*, fetched_by, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases `fetched_by` may see, newest first: their area teams' cases, cases shared with one of
    their groups on a recorded basis, and a manager's open break-glass reads.

    Plain subqueries on our own relations (DESIGN.md §6), not ORed EXISTS: fast on PostgreSQL, same SQL
    on SQLite. This is the one permission filter for pages, API, exports, search and drill-downs.
    """
    if not fetched_by.is_authenticated or not fetched_by.is_active:
        return Case.objects.none()
    cases = Case.objects.filter(
        Q(area_id__in=area_team_ids(user=fetched_by))
        | Q(id__in=_granted_case_ids(fetched_by, "view_case"))
        | Q(id__in=_break_glass_case_ids(fetched_by))
    )
    if filters and filters.lead == LEAD_ME:
        cases = cases.filter(lead_caseworker_id=fetched_by.pk)
    return _apply_filters(cases, filters) if filters else cases


def last_contact_subquery() -> Subquery:
    """The time of the case's latest activity that was not voided (read off activity_case_recent)."""
    return Subquery(
        Activity.objects.filter(case_id=OuterRef("pk"), voided=False)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )


def next_review_subquery() -> Subquery:
    """The review date of the plan in force (the newest plan)."""
    return Subquery(
        SupportPlan.objects.filter(case_id=OuterRef("pk"))
        .order_by("-created_on", "-id")
        .values("review_on")[:1]
    )


def with_follow_up(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with `last_contact_at` and `next_review_on`, computed in the same query."""
    return cases.annotate(last_contact_at=last_contact_subquery(), next_review_on=next_review_subquery())


def case_list_ordered(cases: QuerySet[Case], order: str = "") -> QuerySet[Case]:
    """`cases` with their follow-up dates, in a whitelisted `?order=` (unknown names: newest first)."""
    return with_follow_up(cases).order_by(*CASE_ORDERINGS.get(order, CASE_ORDERINGS[DEFAULT_CASE_ORDER]))


def is_on_case_team(*, user, case: Case) -> bool:
    return area_team_ids(user=user).filter(area_id=case.area_id).exists()


def can_manage_sharing(*, user, case: Case) -> bool:
    """Consents, 支援会議 registration and overrides are recorded by the case's own area team."""
    return user.is_authenticated and user.is_active and is_on_case_team(user=user, case=case)


def can_log_activity(*, user, case: Case) -> bool:
    """The area team, and agencies the case is shared with; not a manager's break-glass read."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        is_on_case_team(user=user, case=case)
        or Case.objects.filter(pk=case.pk, id__in=_granted_case_ids(user, "log_activity")).exists()
    )


def case_sharing(*, case: Case) -> dict:
    """What the case page shows about sharing: consents, meeting registrations, grants in force."""
    return {
        "consents": case.consents.prefetch_related("agencies").order_by("-given_on", "-id"),
        "meetings": case.meeting_registrations.prefetch_related("agencies").order_by("-registered_on", "-id"),
        "grants": case.access_grants.filter(revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("group", "user"),
    }


def case_readers(*, case: Case) -> QuerySet[AuditEvent]:
    """ "Who looked at this": reads and break-glass openings of the case, newest first."""
    return case.audit_events.filter(
        action__in=["case.view", "case.export", "case.print", "document.download", "break_glass"]
    )


def consent_document_get(*, case: Case, consent_id: int) -> ConsentDocument:
    """The scanned form of one of `case`'s consents; DoesNotExist for another case's consent or none.

    `case` comes from case_get(fetched_by=...), so whoever may see the case may read its consent forms:
    its area team and the agencies it is shared with (DESIGN.md §3).
    """
    return ConsentDocument.objects.select_related("consent__case").get(
        consent_id=consent_id, consent__case=case
    )


def _apply_filters(cases: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.area:
        cases = cases.filter(area__code=filters.area)
    if filters.issue:
        cases = cases.filter(id__in=CaseIssue.objects.filter(tag=filters.issue).values("case_id"))
    if filters.q.strip():
        cases = _search(cases, SearchQuery.parse(filters.q))
    return cases


def _search(cases: QuerySet[Case], query: SearchQuery) -> QuerySet[Case]:
    """`?q=` within `cases` (already permission-filtered): a case number or its serial, a phone number in any
    notation (exact blind indexes), or part of a name or kana (keyed bigram tokens, casework.search).

    A match on several bigrams is checked against the decrypted names of the candidates, which are only ever
    cases the user may see; above search.VERIFY_LIMIT candidates the query is too broad to check.
    """
    exact = Q(pk__in=[])
    if query.numbers:
        exact |= Q(number__in=query.numbers)
    if query.serial_suffix:
        exact |= Q(number__endswith=query.serial_suffix)
    if query.phone_index:
        exact |= Q(phone_index=query.phone_index) | Q(
            id__in=HouseholdMember.objects.filter(phone_index=query.phone_index).values("case_id")
        )
    if not query.tokens:
        return cases.filter(exact)
    by_name = Q(id__in=search.cases_with_all_tokens(query.tokens))
    if query.needs_check:
        candidates = list(
            cases.filter(by_name)
            .exclude(exact)
            .order_by()
            .values_list("id", flat=True)[: search.VERIFY_LIMIT + 1]
        )
        if len(candidates) <= search.VERIFY_LIMIT:
            by_name = Q(id__in=sorted(search.verified_case_ids(candidates, query)))
    return cases.filter(exact | by_name)


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


def case_members(*, case: Case) -> QuerySet[HouseholdMember]:
    """本人 first, then in the order they were recorded (the model's ordering)."""
    return case.members.all()


def member_get(*, fetched_by, member_id) -> HouseholdMember:
    """A member of a case the user may see, or HouseholdMember.DoesNotExist (404) like a missing one."""
    return HouseholdMember.objects.select_related("case").get(
        pk=member_id, case__in=case_list(fetched_by=fetched_by)
    )


def case_plans(*, case: Case) -> QuerySet[SupportPlan]:
    """Plans newest first (the first is the current one), each with its agencies' roles."""
    return case.plans.select_related("created_by").prefetch_related(
        Prefetch("roles", queryset=PlanRole.objects.select_related("agency").order_by("id"))
    )


def case_status_history(*, case: Case) -> QuerySet[CaseStatusChange]:
    return case.status_changes.select_related("changed_by").order_by("-changed_at", "-id")


def activity_get(*, fetched_by, activity_id) -> Activity:
    return Activity.objects.select_related("case").get(
        pk=activity_id, case__in=case_list(fetched_by=fetched_by)
    )


@dataclass(frozen=True)
class DuplicateCheck:
    """The duplicate-household warning at intake. `visible`: matching cases the user may see (shown with
    their numbers, as links). `elsewhere`: a match exists in a case the user may not see; the warning says
    only that, so the coordinator can route a referral, and nothing about that case."""

    visible: list[Case]
    elsewhere: bool

    def __bool__(self) -> bool:
        return bool(self.visible) or self.elsewhere


def _same_household(*, kana: str, phone: str) -> Q | None:
    """Cases whose household or a member has this kana or phone (exact blind indexes), over all areas."""
    kana_idx = encryption.kana_index(kana) if kana else ""
    phone_idx = encryption.phone_index(phone) if encryption.normalise_phone(phone or "") else ""
    if not (kana_idx or phone_idx):
        return None
    case_match = Q(pk__in=[])
    member_match = Q(pk__in=[])
    if kana_idx:
        case_match |= Q(kana_index=kana_idx)
        member_match |= Q(kana_index=kana_idx)
    if phone_idx:
        case_match |= Q(phone_index=phone_idx)
        member_match |= Q(phone_index=phone_idx)
    return case_match | Q(id__in=HouseholdMember.objects.filter(member_match).values("case_id"))


def possible_duplicates(
    *, fetched_by, kana: str = "", phone: str = "", exclude_case_id=None, limit: int = 10
) -> DuplicateCheck:
    """Households matching by kana or phone, across all areas: the visible ones (at most `limit`), and
    whether any match lies in a case `fetched_by` may not see. Both are decided in the database."""
    condition = _same_household(kana=kana, phone=phone)
    if condition is None:
        return DuplicateCheck(visible=[], elsewhere=False)
    matches = Case.objects.filter(condition)
    if exclude_case_id:
        matches = matches.exclude(pk=exclude_case_id)
    visible_ids = case_list(fetched_by=fetched_by).values("id")
    return DuplicateCheck(
        visible=list(matches.filter(id__in=visible_ids).only("pk", "number")[:limit]),
        elsewhere=matches.exclude(id__in=visible_ids).exists(),
    )


# --- the case page's access-control panels ------------------------------------------------------------

CASE_READERS_SHOWN = 50


@dataclass(frozen=True)
class GrantRow:
    """An active grant as the sharing panel shows it: the grant and who holds it, in words."""

    grant: CaseAccessGrant
    holder: str


def is_case_area_coordinator(*, user, case: Case) -> bool:
    """A coordinator of the case's own area (not of some other area they also work in)."""
    return (
        user.is_authenticated
        and user.is_active
        and Membership.objects.filter(user_id=user.pk, role=Role.COORDINATOR, area_id=case.area_id).exists()
    )


def case_active_grants(*, case: Case) -> list[GrantRow]:
    """Grants in force (not revoked, not expired), newest first, each with its holder's name: an agency's
    or area's name for group grants ("agency:<code>", "area:<code>"), the staff member's display name for a
    break-glass read."""
    grants = list(case_sharing(case=case)["grants"].order_by("-granted_at", "-id"))
    group_names = {g.group.name for g in grants if g.group_id}
    names = {
        agency_group_name(a): a.name
        for a in Agency.objects.filter(
            code__in=[n.split(":", 1)[1] for n in group_names if n.startswith("agency:")]
        )
    }
    names |= {
        area_group_name(a): a.name
        for a in Area.objects.filter(
            code__in=[n.split(":", 1)[1] for n in group_names if n.startswith("area:")]
        )
    }
    return [
        GrantRow(grant=g, holder=names.get(g.group.name, g.group.name) if g.group_id else g.user.display_name)
        for g in grants
    ]


def case_recent_readers(*, case: Case) -> QuerySet[AuditEvent]:
    """The newest rows of "who looked at this", for the area coordinator's panel."""
    return case_readers(case=case).select_related("actor").order_by("-at", "-id")[:CASE_READERS_SHOWN]


def break_glass_grant(*, user, case: Case) -> CaseAccessGrant | None:
    """The user's break-glass read of this case that is still in force, if any (the page shows a banner)."""
    if not user.is_authenticated:
        return None
    return (
        CaseAccessGrant.objects.filter(
            case=case,
            user_id=user.pk,
            basis=AccessBasis.BREAK_GLASS,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


def break_glass_case(*, number: str) -> Case | None:
    """The case with this number, whoever may see it: deliberately not case_list, because break-glass
    exists to open a case the manager cannot see yet. Only callers holding casework.break_glass use this."""
    return Case.objects.filter(number=number).first()


def lead_caseworker_choices(*, case: Case):
    """Active staff of the case's area team (caseworkers and coordinators) who may lead it."""
    members = Membership.objects.filter(area_id=case.area_id, role__in=TEAM_ROLES).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, id__in=members)
        .order_by("last_name", "first_name", "username")
    )
