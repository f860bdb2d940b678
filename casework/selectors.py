"""Every read of cases goes through here, so permission filtering happens once, in the database."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from network.groups import agency_group_name, area_group_name
from network.models import Agency, Area, Membership, Role
from network.selectors import TEAM_ROLES, agency_ids, area_team_ids

from . import encryption, search
from .fields import EncryptedMixin
from .models import (
    AccessBasis,
    Activity,
    Assessment,
    AuditEvent,
    Case,
    CaseAccessGrant,
    CaseGroupObjectPermission,
    CaseIssue,
    CaseStatusChange,
    Consent,
    ConsentDocument,
    ConsentScope,
    EcomapResource,
    HouseholdMember,
    PlanEvaluation,
    PlanGoal,
    PlanGoalEvaluation,
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
    return _apply_filters(cases, filters, fetched_by=fetched_by) if filters else cases


# --- sharing by scope (DESIGN.md §3): what of a visible case a user sees --------------------------------
#
# The bases, and the scope each gives (the widest basis in force for the user decides):
# - the area team of the case's area: full (they hold the case);
# - an area team the case is shared with by an accepted collaboration, or the sending area after a transfer
#   (an area group's REFERRAL grant): full — area staff work the case with its owners;
# - a consent (an agency group's CONSENT grant): that consent's scope, while it is not withdrawn;
# - a 支援会議 registration (SUPPORT_MEETING): full — §106-6 lets its members share what the support
#   needs, under their duty of confidentiality;
# - an accepted referral to an agency (REFERRAL): full — the agency is asked to take the support on with
#   the team, and the referral itself rested on a consent, a meeting or an audited override;
# - an override (OVERRIDE): full — the deliberate, audited exception made when the person's safety needs it;
# - a manager's break-glass read: full, for its few hours, audited page by page.
# Nothing is cached between requests: withdrawing or narrowing a basis takes effect on the next request.

# The case fields every user who may see the case sees (the case list's row, casework.api's
# CaseSummarySerializer): number, area, status, household name, issues, urgency, dates and the lead
# caseworker. Every other field of the case (kana, phone, address, intake notes, closure reason, members,
# ...) belongs to `full` only, so a field added to the case is hidden from `summary` until listed here.
SUMMARY_FIELDS = (
    "id",
    "number",
    "area",
    "status",
    "household_name",
    "main_issue",
    "issues",
    "urgency",
    "opened_on",
    "closed_on",
    "lead_caseworker",
    "updated_at",
    "last_contact_at",  # the caseload's two dates: when, never what
    "next_review_on",
)


def _active_group_grants(user) -> QuerySet[CaseAccessGrant]:
    return CaseAccessGrant.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
        group_id__in=user.groups.through.objects.filter(user_id=user.pk).values("group_id"),
        revoked_at__isnull=True,
    )


def full_scope_condition(user) -> Q:
    """Cases `user` sees in full, as a condition on Case (subqueries, evaluated in the database)."""
    full_consents = Consent.objects.filter(scope=ConsentScope.FULL, withdrawn_on__isnull=True).values("id")
    full_grants = _active_group_grants(user).filter(
        ~Q(basis=AccessBasis.CONSENT) | Q(basis=AccessBasis.CONSENT, source_id__in=full_consents)
    )
    return (
        Q(area_id__in=area_team_ids(user=user))
        | Q(id__in=full_grants.values("case_id"))
        | Q(id__in=_break_glass_case_ids(user))
    )


def case_scope_for(*, user, case: Case) -> str | None:
    """None (the user may not see the case), ConsentScope.SUMMARY or ConsentScope.FULL: the widest basis in
    force for the user now (see the list above). Two small queries, asked afresh on every request."""
    visible = case_list(fetched_by=user).filter(pk=case.pk)
    if not visible.exists():
        return None
    if visible.filter(full_scope_condition(user)).exists():
        return ConsentScope.FULL
    return ConsentScope.SUMMARY


def own_activities_condition(user) -> Q:
    """An agency's own activities: logged by its staff, or done together with it (a partner agency)."""
    agencies = agency_ids(user=user)
    staff = Membership.objects.filter(role=Role.AGENCY, agency_id__in=agencies).values("user_id")
    partnered = Activity.partner_agencies.through.objects.filter(agency_id__in=agencies).values("activity_id")
    return Q(staff_id__in=staff) | Q(staff_id=user.pk) | Q(id__in=partnered)


def case_activities_in_scope(*, case: Case, user, scope: str) -> QuerySet[Activity]:
    """The case's activities as `user` may see them: all in full scope; with summary, only their agency's."""
    activities = case_activities(case=case)
    if scope == ConsentScope.FULL:
        return activities
    return activities.filter(own_activities_condition(user))


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


# The case's personal columns (encrypted): a write on the case that does not show them leaves them unread.
CASE_PERSONAL_FIELDS = tuple(f.name for f in Case._meta.concrete_fields if isinstance(f, EncryptedMixin))


_SLOT_USER, _SLOT_CASE = -2_000_000_011, -2_000_000_017  # stand-ins no real id takes


@functools.cache
def _case_for_write_sql() -> tuple[str, tuple]:
    """case_for_write()'s query, built by the ORM once per process with stand-in ids: compiling it on every
    write cost more Python than the database took to run it. Its parameters hold the stand-ins where the
    ids go."""
    query = (
        Case.objects.defer(*CASE_PERSONAL_FIELDS)
        .annotate(
            fetched_by_on_team=Exists(
                area_team_ids(user=SimpleNamespace(pk=_SLOT_USER)).filter(area_id=OuterRef("area_id"))
            )
        )
        .filter(pk=_SLOT_CASE)
        .query
    )
    sql, params = query.sql_with_params()
    if params.count(_SLOT_USER) != 1 or params.count(_SLOT_CASE) != 1:
        raise RuntimeError("case_for_write: the query's parameters are not the expected ones")
    return sql, tuple(params)


def case_for_write(*, fetched_by, case_id: int) -> Case:
    """A case `fetched_by` may see (Case.DoesNotExist otherwise), fetched for a write on it such as logging an
    activity: no page joins, the personal columns left unread (nothing decrypted that the answer does not
    show), and whether `fetched_by` is on its area team answered in the same query, so is_on_case_team()
    asks nothing more for this instance (the view's check and the service's are one query, not two).

    The area team sees its cases (case_list's first basis), so for them that one query is the whole check;
    anyone else's visibility is then asked of case_list() itself. Building case_list()'s query (its three
    bases, the permission subqueries) costs more Python than running it, so the common case skips it, and
    this query itself is built once per process (_case_for_write_sql)."""
    if not fetched_by.is_authenticated or not fetched_by.is_active:
        raise Case.DoesNotExist
    sql, params = _case_for_write_sql()
    fill = {_SLOT_USER: fetched_by.pk, _SLOT_CASE: int(case_id)}
    found = list(Case.objects.raw(sql, [fill.get(p, p) if type(p) is int else p for p in params]))
    if not found:
        raise Case.DoesNotExist
    case = found[0]
    if not case.fetched_by_on_team and not case_list(fetched_by=fetched_by).filter(pk=case.pk).exists():
        raise Case.DoesNotExist  # hidden and missing alike
    case.fetched_by_on_team = bool(case.fetched_by_on_team)  # SQLite answers 0 or 1
    case._team_membership = (fetched_by.pk, case.area_id, case.fetched_by_on_team)
    return case


def is_on_case_team(*, user, case: Case) -> bool:
    known = getattr(case, "_team_membership", None)  # answered with the case by case_for_write()
    if known is not None and known[:2] == (user.pk, case.area_id):
        return known[2]
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


@dataclass(frozen=True)
class VoidScope:
    """Whose entries on one case a user may void: every entry (`everything`), or those logged by the
    people in `logger_ids` — themselves and the colleagues of their team or agency through which the case
    is shared with them for logging."""

    everything: bool = False
    logger_ids: frozenset[int] = frozenset()

    def allows(self, activity: Activity) -> bool:
        return self.everything or activity.logged_by_id in self.logger_ids


def activity_void_scope(*, user, case: Case) -> VoidScope:
    """Who may void what (the one rule, for pages, API and the service): the case's own area team voids
    any entry; a collaborating area team or agency voids only the entries its own people logged, never
    the owning team's record. Nobody who may not log on the case voids anything."""
    if not can_log_activity(user=user, case=case):
        return VoidScope()
    if is_on_case_team(user=user, case=case):
        return VoidScope(everything=True)
    sharing_groups = CaseGroupObjectPermission.objects.filter(
        content_object_id=case.pk,
        permission__codename="log_activity",
        group_id__in=user.groups.through.objects.filter(user_id=user.pk).values("group_id"),
    ).values("group_id")
    colleagues = user.groups.through.objects.filter(group_id__in=sharing_groups).values_list(
        "user_id", flat=True
    )
    return VoidScope(logger_ids=frozenset([user.pk, *colleagues]))


def can_void_activity(*, user, activity: Activity) -> bool:
    return activity_void_scope(user=user, case=activity.case).allows(activity)


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
        action__in=[
            "case.view",
            "assessment.view",
            "case.export",
            "case.print",
            "document.download",
            "break_glass",
            "meeting_record.view",  # a meeting record shows what was decided for the case
        ]
    )


def consent_document_get(*, fetched_by, case: Case, consent_id: int) -> ConsentDocument:
    """The scanned form of one of `case`'s consents; DoesNotExist for another case's consent or none.

    `case` comes from case_get(fetched_by=...); of those who see it, those who see it in full may read its
    consent forms (the area team, agencies with a full basis). A scan is the signed form, names and
    address on it: outside a summary scope, so for a summary agency it does not exist (404).
    """
    if case_scope_for(user=fetched_by, case=case) != ConsentScope.FULL:
        raise ConsentDocument.DoesNotExist
    return ConsentDocument.objects.select_related("consent__case").get(
        consent_id=consent_id, consent__case=case
    )


def _apply_filters(cases: QuerySet[Case], filters: CaseFilters, *, fetched_by) -> QuerySet[Case]:
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.area:
        cases = cases.filter(area__code=filters.area)
    if filters.issue:
        cases = cases.filter(id__in=CaseIssue.objects.filter(tag=filters.issue).values("case_id"))
    if filters.q.strip():
        cases = _search(cases, SearchQuery.parse(filters.q), full=full_scope_condition(fetched_by))
    return cases


def _search(cases: QuerySet[Case], query: SearchQuery, *, full: Q) -> QuerySet[Case]:
    """`?q=` within `cases` (already permission-filtered): a case number or its serial, a phone number in any
    notation (exact blind indexes), or part of a name or kana (keyed bigram tokens, casework.search).

    A match on several bigrams is checked against the decrypted names of the candidates, which are only ever
    cases the user may see; above search.VERIFY_LIMIT candidates the query is too broad to check.

    Search never finds a case by what the user may not see in it (DESIGN.md §3, sharing by scope): in the
    cases `full` does not cover (summary scope) a phone number finds nothing, and a name query finds only the
    household's name (the tokens also hold the members' names and the kana, outside the summary), always
    checked against the decrypted household name.
    """
    exact = Q(pk__in=[])
    if query.numbers:
        exact |= Q(number__in=query.numbers)
    if query.serial_suffix:
        exact |= Q(number__endswith=query.serial_suffix)
    if query.phone_index:
        exact |= full & (
            Q(phone_index=query.phone_index)
            | Q(id__in=HouseholdMember.objects.filter(phone_index=query.phone_index).values("case_id"))
        )
    if not query.tokens:
        return cases.filter(exact)
    by_name = tokens_match = Q(id__in=search.cases_with_all_tokens(query.tokens))

    def candidates(in_scope: QuerySet[Case]) -> list[int]:
        matches = in_scope.filter(tokens_match).exclude(exact).order_by().values_list("id", flat=True)
        return list(matches[: search.VERIFY_LIMIT + 1])

    if query.needs_check:
        full_candidates = candidates(cases.filter(full))
        if len(full_candidates) <= search.VERIFY_LIMIT:
            by_name = Q(id__in=sorted(search.verified_case_ids(full_candidates, query)))
    summary_candidates = candidates(cases.exclude(full))
    in_summary = Q(pk__in=[])
    if len(summary_candidates) <= search.VERIFY_LIMIT:
        in_summary = Q(id__in=sorted(search.verified_case_ids(summary_candidates, query, members=False)))
    return cases.filter(exact | (by_name & full) | in_summary)


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
        case.activities.select_related("staff", "logged_by", "voided_by")
        .prefetch_related("partner_agencies")
        .order_by("-occurred_at", "-id")
    )


def case_members(*, case: Case) -> QuerySet[HouseholdMember]:
    """本人 first, then in the order they were recorded (the model's ordering)."""
    return case.members.all()


def member_get(*, fetched_by, member_id) -> HouseholdMember:
    """A member of a case the user sees in full, or HouseholdMember.DoesNotExist (404) like a missing one:
    members are outside a summary scope."""
    return HouseholdMember.objects.select_related("case").get(
        pk=member_id, case__in=case_list(fetched_by=fetched_by).filter(full_scope_condition(fetched_by))
    )


def case_plans(*, case: Case, full: bool = True) -> QuerySet[SupportPlan]:
    """Plans newest first (the first is the plan in force), each with every action (`roles`, the agencies'
    roles among them); with `full` (a full-scope viewer) also its goals with their actions and its
    evaluations with their per-goal results — a summary scope never reads those."""
    actions = PlanRole.objects.select_related("agency").order_by("id")
    if not full:  # the agencies' roles only: 本人's or 家族's own actions are not "the plan's roles"
        roles = Prefetch("roles", queryset=actions.filter(agency__isnull=False))
        return case.plans.select_related("created_by").prefetch_related(roles)
    plans = case.plans.select_related("created_by").prefetch_related(Prefetch("roles", queryset=actions))
    return plans.prefetch_related(
        Prefetch("goals", queryset=PlanGoal.objects.order_by("order", "id")),
        Prefetch("goals__actions", queryset=actions),
        Prefetch("evaluations", queryset=PlanEvaluation.objects.select_related("evaluated_by")),
        Prefetch(
            "evaluations__goal_results",
            queryset=PlanGoalEvaluation.objects.select_related("goal").order_by("goal__order", "id"),
        ),
    )


def plan_in_force_id(*, case: Case) -> int | None:
    """The plan in force: the newest (the order next_review_subquery reads the review date in)."""
    return case.plans.order_by("-created_on", "-id").values_list("pk", flat=True).first()


def plan_evaluations(*, plan: SupportPlan) -> QuerySet[PlanEvaluation]:
    """A plan's evaluations, newest first, each with its per-goal results in goal order."""
    return plan.evaluations.select_related("evaluated_by").prefetch_related(
        Prefetch(
            "goal_results",
            queryset=PlanGoalEvaluation.objects.select_related("goal").order_by("goal__order", "id"),
        )
    )


def can_read_assessment(*, user, case: Case) -> bool:
    """Who may read a case's assessments (narratives of health, debt, family…): those who see the case in
    full (the team, agencies sharing it fully, a manager's break-glass read); a summary scope never shows
    them (API.md: narratives are absent). Pages and API ask only this."""
    return case_scope_for(user=user, case=case) == ConsentScope.FULL


def can_record_assessment(*, user, case: Case) -> bool:
    """Assessing is the case's area team's work, like its plan."""
    return user.is_authenticated and user.is_active and is_on_case_team(user=user, case=case)


def case_assessments(*, case: Case) -> QuerySet[Assessment]:
    """Every assessment version of the case, newest first (the first is the one in force)."""
    return case.assessments.select_related("recorded_by").order_by("-version")


def assessment_latest(*, case: Case) -> Assessment | None:
    return case_assessments(case=case).first()


def assessment_get(*, fetched_by, assessment_id) -> Assessment:
    """One assessment version the user may read, or Assessment.DoesNotExist (404) like a missing one."""
    assessment = Assessment.objects.select_related("case", "recorded_by").get(
        pk=assessment_id, case__in=case_list(fetched_by=fetched_by)
    )
    if not can_read_assessment(user=fetched_by, case=assessment.case):
        raise Assessment.DoesNotExist
    return assessment


def assessment_initial(*, case: Case) -> dict:
    """What a (re-)assessment form starts from: the latest version's content, dated today."""
    latest = assessment_latest(case=case)
    initial = {"assessed_on": timezone.localdate()}
    if latest is not None:
        initial |= {name: getattr(latest, name) for name in Assessment.content_fields()}
    return initial


def case_status_history(*, case: Case) -> QuerySet[CaseStatusChange]:
    return case.status_changes.select_related("changed_by").order_by("-changed_at", "-id")


def activity_get(*, fetched_by, activity_id) -> Activity:
    """An activity the user may see, or Activity.DoesNotExist (404): on a case they see, and with a
    summary scope only their agency's own (another party's activity does not exist for them)."""
    activity = Activity.objects.select_related("case").get(
        pk=activity_id, case__in=case_list(fetched_by=fetched_by)
    )
    if case_scope_for(user=fetched_by, case=activity.case) != ConsentScope.FULL:
        if not Activity.objects.filter(own_activities_condition(fetched_by), pk=activity.pk).exists():
            raise Activity.DoesNotExist
    return activity


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
    # Visible means seen in full: a match by kana or phone in a case seen only in summary would reveal
    # what that scope hides, so it counts as "elsewhere" (DESIGN.md §3, sharing by scope).
    visible_ids = case_list(fetched_by=fetched_by).filter(full_scope_condition(fetched_by)).values("id")
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


def may_see_member_names(*, user, case: Case) -> bool:
    """Whether the household picture (genogram, ecomap, their text) names people for `user`, who may see
    `case`: only with the full scope (a summary-scope agency sees shapes and relationships, no names)."""
    return case_scope_for(user=user, case=case) == ConsentScope.FULL


def case_ecomap_resources(*, case: Case) -> QuerySet[EcomapResource]:
    return case.ecomap_resources.order_by("kind", "id")


def case_household_picture(*, case: Case, viewer) -> dict:
    """The genogram's layout, the ecomap's ties, the SVG and its text alternative, as `viewer` may see
    them."""
    from . import ecomap, genogram

    show_names = may_see_member_names(user=viewer, case=case)
    people = genogram.people_from_members(
        case_members(case=case), today=timezone.localdate(), show_names=show_names
    )
    layout = genogram.layout(people)
    ties = ecomap.case_ties(case=case, show_names=show_names)
    facts = genogram.describe(layout, ties)
    return {
        "svg": genogram.render_svg(layout, ties, title=_("Genogram and ecomap")),
        "facts": facts,
        "show_names": show_names,
        "member_count": len(people),
        "tie_count": len(ties),
    }
