"""Every write to casework: one transactional function per use case."""

from __future__ import annotations

import datetime
import functools
import secrets
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from config.inserts import insert_new
from network.fiscal import TOKYO, fiscal_year_of_date
from network.groups import agency_group, area_group
from network.models import Agency, Area
from network.selectors import areas_of

from . import audit, documents, encryption, events, search
from .models import (
    AccessBasis,
    Activity,
    ActivityKind,
    ActivityRevision,
    AgreementMethod,
    Assessment,
    AssessmentStatus,
    AuditAction,
    Case,
    CaseAccessGrant,
    CaseIssue,
    CaseNumberCounter,
    CaseStatus,
    CaseStatusChange,
    ClosureReason,
    Consent,
    ConsentDocument,
    ConsentScope,
    EcomapResource,
    EvaluationDecision,
    GoalResult,
    HouseholdMember,
    IssueTag,
    PlanActor,
    PlanEvaluation,
    PlanGoal,
    PlanGoalEvaluation,
    PlanRole,
    Relationship,
    SupportMeetingRegistration,
    SupportPlan,
)
from .selectors import (
    can_log_activity,
    can_manage_sharing,
    can_void_activity,
    is_case_area_coordinator,
    is_on_case_team,
    plan_in_force_id,
)


class StateConflict(Exception):
    """The object is not in a state that allows this action (API: 409)."""


# Allowed lifecycle moves. 中断 (interrupted) is a pause, not a closure; closed cases reopen.
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.INTAKE: {CaseStatus.ASSESSMENT, CaseStatus.INTERRUPTED, CaseStatus.CLOSED},
    CaseStatus.ASSESSMENT: {CaseStatus.PLANNING, CaseStatus.INTERRUPTED, CaseStatus.CLOSED},
    CaseStatus.PLANNING: {
        CaseStatus.SUPPORT,
        CaseStatus.ASSESSMENT,
        CaseStatus.INTERRUPTED,
        CaseStatus.CLOSED,
    },
    CaseStatus.SUPPORT: {
        CaseStatus.MONITORING,
        CaseStatus.PLANNING,
        CaseStatus.INTERRUPTED,
        CaseStatus.CLOSED,
    },
    CaseStatus.MONITORING: {
        CaseStatus.SUPPORT,
        CaseStatus.PLANNING,
        CaseStatus.INTERRUPTED,
        CaseStatus.CLOSED,
    },
    CaseStatus.INTERRUPTED: {
        CaseStatus.ASSESSMENT,
        CaseStatus.PLANNING,
        CaseStatus.SUPPORT,
        CaseStatus.MONITORING,
        CaseStatus.CLOSED,
    },
    CaseStatus.CLOSED: {CaseStatus.INTAKE, CaseStatus.ASSESSMENT, CaseStatus.SUPPORT},
}


def _require_team(case: Case, user) -> None:
    """Changes to a case's own record are for its area team (others who may see it get 403)."""
    if not is_on_case_team(user=user, case=case):
        raise PermissionDenied(_("Only the case's area team can change this case."))


def _require_can_log(case: Case, user) -> None:
    if not can_log_activity(user=user, case=case):
        raise PermissionDenied(_("You may read this case but not record activities on it."))


def _validate_issues(issues: Sequence[str], main_issue: str) -> list[str]:
    if not main_issue:
        raise ValidationError({"main_issue": _("Choose the main issue (主訴).")})
    tags = list(dict.fromkeys(issues))
    unknown = [t for t in [*tags, main_issue] if t not in IssueTag.values]
    if unknown:
        raise ValidationError({"issues": _("Unknown issue tag: %(tags)s") % {"tags": ", ".join(unknown)}})
    if main_issue not in tags:
        tags.insert(0, main_issue)
    return tags


def _next_case_number(opened_on: datetime.date) -> str:
    fiscal_year = fiscal_year_of_date(opened_on)
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(fiscal_year=fiscal_year)
    CaseNumberCounter.objects.filter(pk=fiscal_year).update(last_number=F("last_number") + 1)
    counter.refresh_from_db()
    return f"{fiscal_year}-{counter.last_number:04d}"


def _set_blind_indexes(case: Case) -> None:
    case.kana_index = encryption.kana_index(case.household_name_kana or "")
    case.phone_index = encryption.phone_index(case.phone or "")


def _record_status(case: Case, *, from_status: str, by, note: str = "") -> None:
    CaseStatusChange.objects.create(
        case=case,
        from_status=from_status,
        to_status=case.status,
        changed_at=timezone.now(),
        changed_by=by,
        note=note[:200],
    )


@transaction.atomic
def case_open(
    *,
    opened_by,
    area: Area,
    household_name: str,
    household_name_kana: str,
    issues: Sequence[str],
    main_issue: str,
    opened_on: datetime.date | None = None,
    lead_caseworker=None,
    **intake,
) -> Case:
    """相談受付: open a case in an area, numbered within the fiscal year of its opening date."""
    if not areas_of(user=opened_by).filter(pk=area.pk).exists():
        raise PermissionDenied(_("You can only open cases in your own area."))
    if not household_name.strip() or not household_name_kana.strip():
        raise ValidationError({"household_name": _("Enter the household name and its kana.")})
    return case_insert(
        created_by=opened_by,
        area=area,
        household_name=household_name,
        household_name_kana=household_name_kana,
        issues=issues,
        main_issue=main_issue,
        opened_on=opened_on or timezone.localdate(),
        lead_caseworker=lead_caseworker or opened_by,
        **intake,
    )


def case_insert(
    *,
    created_by,
    area: Area,
    household_name: str,
    household_name_kana: str,
    issues: Sequence[str],
    main_issue: str,
    opened_on: datetime.date,
    lead_caseworker=None,
    status: str = CaseStatus.INTAKE,
    source_number: str = "",
    **fields,
) -> Case:
    """The case row with its number, blind indexes, search tokens, issues, first status and audit row.

    No permission check: callers decide who may (case_open: the area's team; the ledger import: managers
    and operators). Run inside the caller's transaction.
    """
    tags = _validate_issues(issues, main_issue)
    case = Case(
        number=_next_case_number(opened_on),
        area=area,
        household_name=household_name.strip(),
        household_name_kana=household_name_kana.strip(),
        main_issue=main_issue,
        opened_on=opened_on,
        lead_caseworker=lead_caseworker,
        created_by=created_by,
        status=status,
        source_number=source_number,
        **fields,
    )
    _set_blind_indexes(case)
    case.full_clean(exclude=["number", "created_by", "lead_caseworker"], validate_constraints=False)
    case.save()
    search.case_search_tokens_refresh(case_id=case.pk)
    CaseIssue.objects.bulk_create(CaseIssue(case=case, tag=t, is_main=(t == main_issue)) for t in tags)
    _record_status(case, from_status="", by=created_by)
    changes = {"area": [None, area.code], "issues": [None, tags]}
    if status != CaseStatus.INTAKE:
        changes["status"] = [None, status]
    if source_number:
        changes["source_number"] = [None, source_number]
    audit.record(actor=created_by, action=AuditAction.CASE_CREATE, case=case, obj=case, changes=changes)
    return case


SEARCHED_CASE_FIELDS = {"household_name", "household_name_kana"}  # their bigrams are search tokens
CASE_EDITABLE_FIELDS = {
    "household_name",
    "household_name_kana",
    "address",
    "phone",
    "wishes",
    "consultation_summary",
    "community_area",
    "lead_caseworker",
    "contact_method",
    "referral_source",
    "referral_agency",
    "urgency",
    "screening_outcome",
}


@transaction.atomic
def case_update(
    *, case: Case, updated_by, issues: Sequence[str] | None = None, main_issue: str | None = None, **changes
) -> Case:
    """Edit intake data. Status and area have their own use cases (case_change_status, referrals)."""
    _require_team(case, updated_by)
    unknown = set(changes) - CASE_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    before = {name: getattr(case, name) for name in changes}
    before_issues = (case.main_issue, sorted(case.issue_tags))
    after_issues = before_issues
    for name, value in changes.items():
        setattr(case, name, value)
    stored_main_issue = case.main_issue
    if issues is not None or main_issue is not None:
        # the stored value, locked: what the activities are reported under until this commits
        stored_main_issue = (
            Case.objects.select_for_update(no_key=True).values_list("main_issue", flat=True).get(pk=case.pk)
        )
        main = main_issue or case.main_issue
        tags = _validate_issues(issues if issues is not None else case.issue_tags, main)
        case.main_issue = main
        case.issues.all().delete()
        CaseIssue.objects.bulk_create(CaseIssue(case=case, tag=t, is_main=(t == main)) for t in tags)
        after_issues = (main, sorted(tags))  # not case.issue_tags: a prefetched list would be stale
    _set_blind_indexes(case)
    case.full_clean(exclude=["created_by", "lead_caseworker"])
    case.save()
    events.case_main_issue_changed_send(case, before=stored_main_issue, after=case.main_issue)
    if changes.keys() & SEARCHED_CASE_FIELDS:
        search.case_search_tokens_refresh(case_id=case.pk)
    diff = audit.changes_between(Case, before, changes)
    if after_issues != before_issues:
        diff["issues"] = [list(before_issues), list(after_issues)]
    if diff:
        audit.record(actor=updated_by, action=AuditAction.CASE_UPDATE, case=case, obj=case, changes=diff)
    return case


@transaction.atomic
def case_change_status(
    *,
    case: Case,
    changed_by,
    status: str,
    closure_reason: str = "",
    note: str = "",
    on: datetime.date | None = None,
) -> Case:
    """Move a case along its lifecycle; closing needs a reason, reopening keeps all history."""
    _require_team(case, changed_by)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if status not in CaseStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == case.status:
        return case
    if status not in TRANSITIONS[case.status]:
        raise StateConflict(
            _("A case cannot move from %(old)s to %(new)s.")
            % {"old": CaseStatus(case.status).label, "new": CaseStatus(status).label}
        )
    previous = case.status
    if status == CaseStatus.CLOSED:
        if closure_reason not in ClosureReason.values:
            raise ValidationError({"closure_reason": _("Choose why the case is closed (終結理由).")})
        case.closure_reason = closure_reason
        case.closed_on = on or timezone.localdate()
    elif previous == CaseStatus.CLOSED:
        case.closure_reason = ""
        case.closed_on = None
    case.status = status
    case.save(update_fields=["status", "closure_reason", "closed_on", "updated_at"])
    _record_status(case, from_status=previous, by=changed_by, note=note)
    audit.record(
        actor=changed_by,
        action=AuditAction.CASE_STATUS,
        case=case,
        obj=case,
        changes={"status": [previous, status], "closure_reason": ["", case.closure_reason]},
    )
    return case


def case_close(
    *, case: Case, closed_by, reason: str, note: str = "", on: datetime.date | None = None
) -> Case:
    return case_change_status(
        case=case, changed_by=closed_by, status=CaseStatus.CLOSED, closure_reason=reason, note=note, on=on
    )


def case_reopen(*, case: Case, reopened_by, note: str = "") -> Case:
    if case.status != CaseStatus.CLOSED:
        raise StateConflict(_("Only a closed case can be reopened."))
    return case_change_status(case=case, changed_by=reopened_by, status=CaseStatus.ASSESSMENT, note=note)


# --- household members -------------------------------------------------------------------------

MEMBER_FIELDS = {
    "name",
    "name_kana",
    "birth_date",
    "sex",
    "relationship",
    "phone",
    "issues",
    # the genogram's facts
    "age",
    "deceased",
    "deceased_year",
    "lives_together",
    "partnership",
    "father",
    "mother",
}
MAX_AGE = 130


def _check_member_fields(fields: dict) -> None:
    unknown = set(fields) - MEMBER_FIELDS
    if unknown:
        raise ValidationError(_("Unknown member fields: %(f)s") % {"f": ", ".join(sorted(unknown))})


def _apply_focus(fields: dict, *, is_focus: bool | None, current_relationship: str = "") -> dict:
    """`is_focus` is another way of saying "relationship is 本人": turn it into the relationship, and refuse
    a request whose two answers disagree instead of guessing which one was meant."""
    if is_focus is None:
        return fields
    relationship = fields.get("relationship", current_relationship)
    if is_focus:
        if "relationship" in fields and relationship != Relationship.SELF:
            raise ValidationError(
                {
                    "is_focus": _(
                        "The person at the centre of support is the member whose relationship is 本人; "
                        "give relationship 本人 or leave it out."
                    )
                }
            )
        return {**fields, "relationship": Relationship.SELF}
    if relationship == Relationship.SELF:
        raise ValidationError(
            {
                "relationship": _(
                    "A member who is not the person at the centre of support needs their relationship "
                    "to that person (e.g. 配偶者, 子), not 本人."
                )
            }
        )
    return fields


def _focus_taken_error() -> ValidationError:
    return ValidationError(
        {
            "relationship": _(
                "Another member is already recorded as 本人 (the person at the centre of support). "
                "Change that member's relationship first."
            )
        }
    )


def _check_genogram_facts(member: HouseholdMember) -> None:
    """Parents are other members of the same household; a year of death needs a death; only a spouse has
    a partnership state (the genogram draws it on the line to 本人)."""
    errors = {}
    for role in ("father", "mother"):
        parent = getattr(member, role)
        if parent is None:
            continue
        if parent.case_id != member.case_id:
            errors[role] = _("Choose a member of this household.")
        elif member.pk is not None and parent.pk == member.pk:
            errors[role] = _("A member cannot be their own parent.")
    if member.father_id is not None and member.father_id == member.mother_id:
        errors["mother"] = _("The father and the mother must be different members.")
    if member.deceased_year is not None:
        this_year = timezone.localdate().year
        if not member.deceased:
            errors["deceased_year"] = _("A year of death is given only for a deceased member.")
        elif member.deceased_year > this_year:
            errors["deceased_year"] = _("The year of death cannot be in the future.")
        elif member.birth_date and member.deceased_year < member.birth_date.year:
            errors["deceased_year"] = _("The year of death cannot be before the birth date.")
    if member.age is not None and member.age > MAX_AGE:
        errors["age"] = _("Give an age between 0 and %(max)s.") % {"max": MAX_AGE}
    if member.partnership and member.relationship != Relationship.SPOUSE:
        errors["partnership"] = _("Only a spouse (配偶者) has a partnership state.")
    if errors:
        raise ValidationError(errors)


def _save_member(member: HouseholdMember) -> HouseholdMember:
    bad = [t for t in member.issues or [] if t not in IssueTag.values]
    if bad:
        raise ValidationError({"issues": _("Unknown issue tag: %(tags)s") % {"tags": ", ".join(bad)}})
    member.kana_index = encryption.kana_index(member.name_kana or "")
    member.birth_date_index = encryption.birth_date_index(member.birth_date)
    member.phone_index = encryption.phone_index(member.phone or "")
    if member.birth_date and member.birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("The birth date cannot be in the future.")})
    _check_genogram_facts(member)
    member.full_clean(exclude=["case"])
    others = HouseholdMember.objects.filter(case_id=member.case_id).exclude(pk=member.pk)
    if member.is_focus and others.filter(relationship=Relationship.SELF).exists():
        raise _focus_taken_error()
    try:
        with transaction.atomic():  # a savepoint: two 本人 written at once meet the database constraint
            member.save()
    except IntegrityError:
        raise _focus_taken_error() from None
    search.case_search_tokens_refresh(case_id=member.case_id)  # names and kana → the case's search tokens
    return member


@transaction.atomic
def member_add(*, case: Case, added_by, is_focus: bool | None = None, **fields) -> HouseholdMember:
    """A new household member; `is_focus=True` records them as 本人, the person at the centre."""
    _require_team(case, added_by)
    return member_insert(case=case, added_by=added_by, is_focus=is_focus, **fields)


def member_insert(*, case: Case, added_by, is_focus: bool | None = None, **fields) -> HouseholdMember:
    """The member row and its audit row; no permission check (member_add; the ledger import)."""
    _check_member_fields(fields)
    fields = _apply_focus(fields, is_focus=is_focus)
    member = _save_member(HouseholdMember(case=case, **fields))
    audit.record(
        actor=added_by,
        action=AuditAction.MEMBER_CHANGE,
        case=case,
        obj=member,
        changes=audit.changes_between(HouseholdMember, {}, fields),
    )
    return member


@transaction.atomic
def member_update(
    *, member: HouseholdMember, updated_by, is_focus: bool | None = None, **fields
) -> HouseholdMember:
    """Edit a member; the audit row keeps old → new (personal values masked). No change, no row."""
    _require_team(member.case, updated_by)
    _check_member_fields(fields)
    fields = _apply_focus(fields, is_focus=is_focus, current_relationship=member.relationship)
    before = {name: getattr(member, name) for name in fields}
    for name, value in fields.items():
        setattr(member, name, value)
    member = _save_member(member)
    diff = audit.changes_between(HouseholdMember, before, fields)
    if diff:
        audit.record(
            actor=updated_by, action=AuditAction.MEMBER_CHANGE, case=member.case, obj=member, changes=diff
        )
    return member


# --- plans ---------------------------------------------------------------------------------------


PLAN_TEXT_MAX = 2000  # characters per goal or action: a box of the sheet, not a document
MAX_PLAN_GOALS = 10
MAX_PLAN_ACTIONS = 30  # per plan, all goals together


@dataclass(frozen=True)
class PlanAction:
    """An action of a short-term goal: what (support), who — an agency, or 本人 / 家族 / 担当相談員 /
    その他 —, how often and by when."""

    support: str
    who: str = PlanActor.AGENCY
    agency: Agency | None = None
    frequency: str = ""
    by_when: datetime.date | None = None


@dataclass(frozen=True)
class PlanGoalDraft:
    """A short-term goal as written on the sheet, with its actions in order."""

    text: str
    actions: Sequence[PlanAction] = ()


def _plan_action_errors(action: PlanAction, *, key: str, created_on: datetime.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not action.support.strip():
        errors[f"{key}.support"] = _("Describe what is to be done.")
    elif len(action.support) > PLAN_TEXT_MAX:
        errors[f"{key}.support"] = _("Keep it to %(n)s characters.") % {"n": PLAN_TEXT_MAX}
    if action.who not in PlanActor.values:
        errors[f"{key}.who"] = _("Choose who does it.")
    elif action.who == PlanActor.AGENCY and action.agency is None:
        errors[f"{key}.agency"] = _("Choose the agency that does it.")
    elif action.who != PlanActor.AGENCY and action.agency is not None:
        errors[f"{key}.agency"] = _("Choose an agency only when an agency does it.")
    if len(action.frequency) > 100:
        errors[f"{key}.frequency"] = _("Keep it to %(n)s characters.") % {"n": 100}
    if action.by_when is not None and action.by_when < created_on:
        errors[f"{key}.by_when"] = _("“By when” must not be before the plan date.")
    return errors


def _plan_errors(
    *,
    created_on: datetime.date,
    goals: Sequence[PlanGoalDraft],
    roles: Sequence[PlanAction],
    review_on: datetime.date | None,
    agreed_on: datetime.date | None,
    agreement_method: str,
    agreement_note: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if created_on > timezone.localdate():
        errors["created_on"] = _("The plan date must not be in the future.")
    if review_on and review_on < created_on:
        errors["review_on"] = _("The review date must not be before the plan date.")
    if len(goals) > MAX_PLAN_GOALS:
        errors["goals"] = _("A plan holds at most %(n)s short-term goals.") % {"n": MAX_PLAN_GOALS}
    if sum(len(goal.actions) for goal in goals) + len(roles) > MAX_PLAN_ACTIONS:
        errors["goals"] = _("A plan holds at most %(n)s actions.") % {"n": MAX_PLAN_ACTIONS}
    for g, goal in enumerate(goals):
        if not goal.text.strip():
            errors[f"goals.{g}.text"] = _("Write the short-term goal.")
        elif len(goal.text) > PLAN_TEXT_MAX:
            errors[f"goals.{g}.text"] = _("Keep it to %(n)s characters.") % {"n": PLAN_TEXT_MAX}
        for a, action in enumerate(goal.actions):
            errors |= _plan_action_errors(action, key=f"goals.{g}.actions.{a}", created_on=created_on)
    for r, action in enumerate(roles):
        errors |= _plan_action_errors(action, key=f"roles.{r}", created_on=created_on)
    if agreement_method and agreement_method not in AgreementMethod.values:
        errors["agreement_method"] = _("Choose how the agreement was recorded.")
    elif agreed_on and not agreement_method:
        errors["agreement_method"] = _("Choose how the person's agreement was recorded.")
    elif agreement_method and not agreed_on:
        errors["agreed_on"] = _("Give the day the person agreed to the plan.")
    if agreed_on and agreed_on > timezone.localdate():
        errors["agreed_on"] = _("Record the agreement once it is given, not before.")
    if agreement_note and not agreed_on and "agreed_on" not in errors:
        errors["agreed_on"] = _("Give the day the person agreed to the plan.")
    return errors


def _as_action(role) -> PlanAction:
    """Plans written before goals existed gave roles as (agency, support, frequency) tuples."""
    if isinstance(role, PlanAction):
        return role
    agency, support, frequency = role
    return PlanAction(support=support, agency=agency, frequency=frequency)


def _plan_role(plan: SupportPlan, goal: PlanGoal | None, action: PlanAction) -> PlanRole:
    return PlanRole(
        plan=plan,
        goal=goal,
        who=action.who,
        agency=action.agency if action.who == PlanActor.AGENCY else None,
        support=action.support.strip(),
        frequency=action.frequency.strip(),
        by_when=action.by_when,
    )


@transaction.atomic
def plan_create(
    *,
    case: Case,
    created_by,
    created_on: datetime.date | None = None,
    wishes: str = "",
    long_term_goal: str = "",
    goals: Sequence[PlanGoalDraft] = (),
    review_on: datetime.date | None = None,
    decided_at_meeting_on: datetime.date | None = None,
    agreed_on: datetime.date | None = None,
    agreement_method: str = "",
    agreement_note: str = "",
    roles: Iterable[PlanAction | tuple[Agency, str, str]] = (),
) -> SupportPlan:
    """プランシート: a new plan version (the plan in force from now on); older plans stay as history.

    `goals` are the short-term goals in order, each with its actions; `roles` are actions tied to no goal
    (how plans were written before goals existed). Every problem is reported at once, keyed by path
    (`goals.1.actions.0.agency`)."""
    _require_team(case, created_by)
    created_on = created_on or timezone.localdate()
    goals, roles = list(goals), [_as_action(role) for role in roles]
    errors = _plan_errors(
        created_on=created_on,
        goals=goals,
        roles=roles,
        review_on=review_on,
        agreed_on=agreed_on,
        agreement_method=agreement_method,
        agreement_note=agreement_note,
    )
    if errors:
        raise ValidationError(errors)
    plan = SupportPlan.objects.create(
        case=case,
        created_on=created_on,
        wishes=wishes.strip(),
        long_term_goal=long_term_goal.strip(),
        review_on=review_on,
        decided_at_meeting_on=decided_at_meeting_on,
        agreed_on=agreed_on,
        agreement_method=agreement_method if agreed_on else "",
        agreement_note=agreement_note.strip() if agreed_on else "",
        created_by=created_by,
    )
    rows = []
    for order, draft in enumerate(goals, start=1):
        goal = PlanGoal.objects.create(plan=plan, order=order, text=draft.text.strip())
        rows += [_plan_role(plan, goal, action) for action in draft.actions]
    rows += [_plan_role(plan, None, action) for action in roles]
    PlanRole.objects.bulk_create(rows)
    changes = audit.changes_between(
        SupportPlan,
        {},
        {
            "created_on": plan.created_on,
            "wishes": plan.wishes,
            "long_term_goal": plan.long_term_goal,
            "review_on": plan.review_on,
            "decided_at_meeting_on": plan.decided_at_meeting_on,
            "agreed_on": plan.agreed_on,
            "agreement_method": plan.agreement_method,
            "agreement_note": plan.agreement_note,
        },
    )
    changes["goals"] = [None, len(goals)]
    changes["actions"] = [None, len(rows)]
    changes["agencies"] = [None, sorted({row.agency.code for row in rows if row.agency})]
    audit.record(actor=created_by, action=AuditAction.PLAN_CREATE, case=case, obj=plan, changes=changes)
    return plan


# --- evaluation (評価シート) -----------------------------------------------------------------------


@dataclass(frozen=True)
class GoalAssessment:
    """One goal's result at a review: achieved / partly / not, with a comment."""

    goal_id: int
    result: str
    comment: str = ""


def _evaluation_errors(
    *,
    plan: SupportPlan,
    goals: Sequence[PlanGoal],
    evaluated_on: datetime.date,
    results: Sequence[GoalAssessment],
    decision: str,
    next_review_on: datetime.date | None,
    closure_reason: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if evaluated_on > timezone.localdate():
        errors["evaluated_on"] = _("Record an evaluation once it is done, not before.")
    elif evaluated_on < plan.created_on:
        errors["evaluated_on"] = _("The evaluation must not be before the plan date.")
    by_goal = {result.goal_id: result for result in results}
    goal_ids = {goal.pk for goal in goals}
    if len(by_goal) != len(results) or set(by_goal) - goal_ids:
        errors["results"] = _("Give one result for each goal of this plan, and only for those.")
    missing = [goal for goal in goals if goal.pk not in by_goal]
    if missing:
        errors["results"] = _("Give a result for every goal: goal %(orders)s has none.") % {
            "orders": ", ".join(str(goal.order) for goal in missing)
        }
    for goal in goals:
        given = by_goal.get(goal.pk)
        if given is not None and given.result not in GoalResult.values:
            errors[f"results.{goal.order}"] = _("Choose achieved, partly achieved or not achieved.")
    if decision not in EvaluationDecision.values:
        errors["decision"] = _("Choose the decision: continue, revise the plan, or close the case.")
    elif decision == EvaluationDecision.CONTINUE:
        if next_review_on is None:
            errors["next_review_on"] = _("To continue the plan, give the next review date.")
        elif next_review_on <= evaluated_on:
            errors["next_review_on"] = _("The next review must come after this evaluation.")
    elif decision == EvaluationDecision.CLOSE and closure_reason not in ClosureReason.values:
        errors["closure_reason"] = _("Choose why the case is closed (終結理由).")
    return errors


@transaction.atomic
def plan_evaluate(
    *,
    plan: SupportPlan,
    evaluated_by,
    results: Sequence[GoalAssessment],
    decision: str,
    evaluated_on: datetime.date | None = None,
    comment: str = "",
    next_review_on: datetime.date | None = None,
    closure_reason: str = "",
) -> PlanEvaluation:
    """評価: a review of the plan in force. Every goal gets a result; then the decision:

    - `continue`: the plan stays in force with `next_review_on` as its review date (the case's "reviews
      due" follow it, as they read the plan in force's review date);
    - `revise`: the plan stays in force, due, until the revision (a new plan, started as its copy) is saved;
    - `close`: the case is closed with `closure_reason` on the evaluation day, in this transaction.
    """
    case = plan.case
    _require_team(case, evaluated_by)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise StateConflict(_("The case is closed; reopen it before evaluating its plan."))
    if plan_in_force_id(case=case) != plan.pk:
        raise StateConflict(_("Only the plan in force can be evaluated; this plan has been revised."))
    evaluated_on = evaluated_on or timezone.localdate()
    goals = list(plan.goals.order_by("order", "id"))
    results = list(results)
    errors = _evaluation_errors(
        plan=plan,
        goals=goals,
        evaluated_on=evaluated_on,
        results=results,
        decision=decision,
        next_review_on=next_review_on,
        closure_reason=closure_reason,
    )
    if errors:
        raise ValidationError(errors)
    keeps_going = decision == EvaluationDecision.CONTINUE
    evaluation = PlanEvaluation.objects.create(
        plan=plan,
        evaluated_on=evaluated_on,
        decision=decision,
        next_review_on=next_review_on if keeps_going else None,
        closure_reason=closure_reason if decision == EvaluationDecision.CLOSE else "",
        comment=comment.strip(),
        evaluated_by=evaluated_by,
        recorded_at=timezone.now(),
    )
    by_goal = {result.goal_id: result for result in results}
    PlanGoalEvaluation.objects.bulk_create(
        PlanGoalEvaluation(
            evaluation=evaluation,
            goal=goal,
            result=by_goal[goal.pk].result,
            comment=by_goal[goal.pk].comment.strip(),
        )
        for goal in goals
    )
    changes = {
        "plan": [None, plan.pk],
        "evaluated_on": [None, evaluated_on.isoformat()],
        "decision": [None, decision],
        "results": [None, {str(goal.order): by_goal[goal.pk].result for goal in goals}],
        "comment": [None, audit.MASK if evaluation.comment else ""],
        "goal_comments": [None, audit.MASK if any(r.comment.strip() for r in results) else ""],
    }
    if keeps_going:
        changes["review_on"] = [_plain_date(plan.review_on), next_review_on.isoformat()]
        plan.review_on = next_review_on
        plan.save(update_fields=["review_on"])
    audit.record(
        actor=evaluated_by, action=AuditAction.PLAN_EVALUATE, case=case, obj=evaluation, changes=changes
    )
    if decision == EvaluationDecision.CLOSE:
        case_close(case=case, closed_by=evaluated_by, reason=closure_reason, on=evaluated_on)
    return evaluation


def _plain_date(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


# --- assessments (インテーク・アセスメントシート) -----------------------------------------------------

ASSESSMENT_TEXT_MAX = 4000  # characters per narrative: a sheet's box, not a document


def _assessment_errors(values: dict, *, assessed_on: datetime.date, latest: Assessment | None) -> dict:
    errors: dict[str, str] = {}
    for name, value in values.items():
        if name.endswith("_status") and value not in AssessmentStatus.values:
            errors[name] = _("Choose one of the listed statuses.")
        elif not name.endswith("_status") and len(value) > ASSESSMENT_TEXT_MAX:
            errors[name] = _("Write at most %(max)d characters here.") % {"max": ASSESSMENT_TEXT_MAX}
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The assessment date must not be in the future.")
    elif latest is not None and assessed_on < latest.assessed_on:
        errors["assessed_on"] = _("The date must not be before the previous assessment (%(date)s).") % {
            "date": latest.assessed_on.isoformat()
        }
    return errors


@transaction.atomic
def assessment_record(
    *, case: Case, recorded_by, assessed_on: datetime.date | None = None, **content
) -> Assessment:
    """Record an assessment: the first, or a re-assessment as a new version (the previous ones stay as
    they were). A re-assessment starts as a copy of the latest version: what `content` does not give
    (any of Assessment.content_fields()) is carried over unchanged. Audited with old → new per field,
    narratives masked."""
    _require_team(case, recorded_by)
    unknown = set(content) - set(Assessment.content_fields())
    if unknown:
        raise TypeError(f"not assessment fields: {sorted(unknown)}")
    Case.objects.select_for_update().filter(pk=case.pk).exists()  # one version number at a time per case
    latest = case.assessments.order_by("-version").first()
    fields = Assessment.content_fields()
    before = {name: getattr(latest, name) for name in fields} if latest else {}
    blank = {name: Assessment._meta.get_field(name).get_default() for name in fields}  # unknown / ""
    given = {
        name: value.strip() if not name.endswith("_status") else value for name, value in content.items()
    }
    values = blank | before | given
    assessed_on = assessed_on or timezone.localdate()
    errors = _assessment_errors(values, assessed_on=assessed_on, latest=latest)
    if errors:
        raise ValidationError(errors)
    assessment = Assessment.objects.create(
        case=case,
        version=latest.version + 1 if latest else 1,
        assessed_on=assessed_on,
        recorded_by=recorded_by,
        recorded_at=timezone.now(),
        **values,
    )
    changes = audit.changes_between(
        Assessment,
        before | ({"assessed_on": latest.assessed_on} if latest else {}),
        values | {"assessed_on": assessed_on},
    )
    changes["version"] = [latest.version if latest else None, assessment.version]
    audit.record(
        actor=recorded_by, action=AuditAction.ASSESSMENT_CREATE, case=case, obj=assessment, changes=changes
    )
    return assessment


@transaction.atomic
def assessment_record_read(*, case: Case, read_by, assessment: Assessment | None = None) -> None:
    """Reading assessment narratives (a version's page, the history, the API) is an audited read of its own
    kind, so an auditor can tell who read the sheet from who opened the case."""
    audit.record(actor=read_by, action=AuditAction.ASSESSMENT_VIEW, case=case, obj=assessment or case)


# --- activities ----------------------------------------------------------------------------------


# No record of this system predates it; earlier dates are typos (and pre-1888 Tokyo time has no
# standard offset, which would make an invalid ISO 8601 answer).
EARLIEST_ACTIVITY = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


# Kinds whose record may be just the fact that it happened: a short phone call or a letter sent is
# often only that ("安否確認の電話", "案内を郵送"), and the kind, time and agencies already say it. Every
# other kind is support work whose content the progress record (支援経過記録) exists to keep: what was
# seen at a visit, what was agreed at an interview or a case conference, where the person was
# accompanied and what came of it, why someone came to the office — an empty note there is a hole in
# the record, and "other" says nothing at all without one. One rule for web and API: this function.
NOTE_OPTIONAL_KINDS = frozenset({ActivityKind.PHONE, ActivityKind.MAIL})
NOTE_REQUIRED_KINDS = tuple(kind for kind in ActivityKind if kind not in NOTE_OPTIONAL_KINDS)


def note_required(kind: str) -> bool:
    return kind in ActivityKind.values and kind not in NOTE_OPTIONAL_KINDS


def _validate_activity(*, occurred_at: datetime.datetime, kind: str, minutes: int, note: str = "") -> None:
    errors: dict[str, str] = {}
    if occurred_at is None or timezone.is_naive(occurred_at):
        errors["occurred_at"] = _("Give the date and time with a time zone.")
    elif occurred_at > timezone.now() + datetime.timedelta(minutes=10):
        errors["occurred_at"] = _("An activity cannot be in the future.")
    elif occurred_at < EARLIEST_ACTIVITY:
        errors["occurred_at"] = _("That date is too far in the past; check the year.")
    if kind not in ActivityKind.values:
        errors["kind"] = _("Choose a kind of activity.")
    if minutes is None or minutes < 0 or minutes > 24 * 60:
        errors["minutes"] = _("Minutes must be between 0 and 1440.")
    if note_required(kind) and not (note or "").strip():
        errors["note"] = _(
            "Write what happened: %(kind)s needs a note (only a phone call or mail may have none)."
        ) % {"kind": ActivityKind(kind).label}
    if errors:
        raise ValidationError(errors)


def _refuse_after_closure(case: Case, occurred_at: datetime.datetime | None) -> None:
    """A closed case takes no new work: reopen it first (the reopening is recorded). Work done while it was
    still open — on or before its closing day and before the closure was recorded — may still be entered
    late, as paper records are."""
    if not case.is_closed:
        return
    if (
        case.closed_on is not None
        and isinstance(occurred_at, datetime.datetime)
        and timezone.is_aware(occurred_at)
    ):
        closed_at = (
            case.status_changes.filter(to_status=CaseStatus.CLOSED)
            .order_by("-changed_at", "-id")
            .values_list("changed_at", flat=True)
            .first()
        )
        before_closure = closed_at is None or occurred_at <= closed_at
        if before_closure and timezone.localtime(occurred_at, TOKYO).date() <= case.closed_on:
            return
    raise StateConflict(_("This case is closed. Reopen it first to record new activities on it."))


@transaction.atomic
def activity_log(
    *,
    case: Case,
    logged_by,
    occurred_at: datetime.datetime,
    kind: str,
    minutes: int = 0,
    partner_agencies: Iterable[Agency] = (),
    note: str = "",
    staff=None,
) -> Activity:
    """支援経過: record one piece of support. The area is the one holding the case now."""
    _require_can_log(case, logged_by)
    _refuse_after_closure(case, occurred_at)
    _validate_activity(occurred_at=occurred_at, kind=kind, minutes=minutes, note=note)
    return activity_insert(
        case=case,
        logged_by=logged_by,
        occurred_at=occurred_at,
        kind=kind,
        minutes=minutes,
        partner_agencies=partner_agencies,
        note=note,
        staff=staff,
    )


def activity_insert(
    *,
    case: Case,
    logged_by,
    occurred_at: datetime.datetime,
    kind: str,
    minutes: int = 0,
    partner_agencies: Iterable[Agency] = (),
    note: str = "",
    staff=None,
) -> Activity:
    """The activity row, its partners and its audit row, in the area holding the case now.

    No permission or value check: callers do both (activity_log; the ledger import checks every row first).
    """
    agencies = list(partner_agencies)
    # save()'s INSERT, compiled once per process: this runs on every logged activity
    activity = insert_new(
        Activity(
            case=case,
            area_id=case.area_id,
            occurred_at=occurred_at,
            kind=kind,
            minutes=minutes,
            staff=staff or logged_by,
            logged_by=logged_by,
            note=note,
            has_partner=bool(agencies),
        )
    )
    if agencies:
        _link_new_activity(activity, [a.pk for a in agencies])
    events.activity_changed_send(
        activity, before=None, after=events.activity_facts(activity, (a.pk for a in agencies))
    )
    audit.record(
        actor=logged_by,
        action=AuditAction.ACTIVITY_CREATE,
        case=case,
        obj=activity,
        changes={"kind": [None, kind], "partner_agencies": [None, sorted(a.code for a in agencies)]},
    )
    return activity


@functools.cache
def _partner_links_sql(vendor: str, links: int) -> str:
    """The INSERT of a new activity's partner agencies, written once per process (names from the model)."""
    m2m = Activity._meta.get_field("partner_agencies")
    through = m2m.remote_field.through._meta
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    activity, agency = (
        through.get_field(name).column for name in (m2m.m2m_field_name(), m2m.m2m_reverse_field_name())
    )
    head = f"INSERT INTO {qn(through.db_table)} ({qn(activity)}, {qn(agency)}) "
    if vendor == "postgresql":
        return head + "SELECT %s, UNNEST(%s::bigint[])"
    return head + "VALUES " + ", ".join(["(%s, %s)"] * links)


def _link_new_activity(activity: Activity, agency_ids: list[int]) -> None:
    """partner_agencies.add() for a row just inserted (no links yet), without the related manager's
    per-call query building: this runs on every logged activity with partners."""
    if m2m_changed.has_listeners(Activity.partner_agencies.through):
        raise TypeError("partner agencies have m2m_changed receivers: use partner_agencies.add()")
    connection = connections[activity._state.db]
    sql = _partner_links_sql(connection.vendor, len(agency_ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql, [activity.pk, agency_ids])
        else:
            cursor.execute(sql, [v for pk in agency_ids for v in (activity.pk, pk)])


@transaction.atomic
def activity_edit(
    *,
    activity: Activity,
    edited_by,
    occurred_at: datetime.datetime | None = None,
    kind: str | None = None,
    minutes: int | None = None,
    partner_agencies: Iterable[Agency] | None = None,
    note: str | None = None,
) -> Activity:
    """Correct an activity; the version before the edit is kept as a revision."""
    activity = Activity.objects.select_for_update().select_related("case").get(pk=activity.pk)
    _require_can_log(activity.case, edited_by)
    if activity.voided:
        raise StateConflict(_("A voided activity cannot be edited."))
    partners_before = list(activity.partner_agencies.values_list("id", "code"))
    facts_before = events.activity_facts(activity, (pk for pk, _code in partners_before))
    revision = ActivityRevision.objects.create(
        activity=activity,
        version=activity.version,
        occurred_at=activity.occurred_at,
        kind=activity.kind,
        minutes=activity.minutes,
        note=activity.note,
        partner_agency_codes=sorted(code for _pk, code in partners_before),
        edited_by=edited_by,
        edited_at=timezone.now(),
    )
    activity.occurred_at = occurred_at if occurred_at is not None else activity.occurred_at
    activity.kind = kind if kind is not None else activity.kind
    activity.minutes = minutes if minutes is not None else activity.minutes
    activity.note = note if note is not None else activity.note
    _validate_activity(
        occurred_at=activity.occurred_at, kind=activity.kind, minutes=activity.minutes, note=activity.note
    )
    agency_ids = facts_before.agency_ids
    if partner_agencies is not None:
        agencies = list(partner_agencies)
        activity.partner_agencies.set(agencies)
        activity.has_partner = bool(agencies)
        agency_ids = [a.pk for a in agencies]
    activity.version += 1
    activity.save()
    events.activity_changed_send(
        activity, before=facts_before, after=events.activity_facts(activity, agency_ids)
    )
    before = {
        "occurred_at": revision.occurred_at,
        "kind": revision.kind,
        "minutes": revision.minutes,
        "note": revision.note,
        "partner_agencies": revision.partner_agency_codes,
    }
    after = {
        "occurred_at": activity.occurred_at,
        "kind": activity.kind,
        "minutes": activity.minutes,
        "note": activity.note,
        "partner_agencies": sorted(activity.partner_agencies.values_list("code", flat=True)),
    }
    audit.record(
        actor=edited_by,
        action=AuditAction.ACTIVITY_UPDATE,
        case=activity.case,
        obj=activity,
        changes=audit.changes_between(Activity, before, after),
    )
    return activity


VOID_REFUSED = gettext_lazy(
    "Only the case's area team voids any entry; a collaborating team or agency voids only the entries its "
    "own staff logged."
)


@transaction.atomic
def activity_void(*, activity: Activity, voided_by, reason: str) -> Activity:
    """Void instead of delete: the row stays visible as voided and counts nowhere."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Give a reason for voiding this activity.")})
    activity = Activity.objects.select_for_update().select_related("case").get(pk=activity.pk)
    if not can_void_activity(user=voided_by, activity=activity):
        raise PermissionDenied(VOID_REFUSED)
    if activity.voided:
        raise StateConflict(_("This activity is already voided."))
    facts_before = events.activity_facts(activity, activity.partner_agencies.values_list("id", flat=True))
    activity.voided = True
    activity.void_reason = reason.strip()[:200]
    activity.voided_by = voided_by
    activity.voided_at = timezone.now()
    activity.save(update_fields=["voided", "void_reason", "voided_by", "voided_at", "updated_at"])
    events.activity_changed_send(
        activity, before=facts_before, after=events.activity_facts(activity, facts_before.agency_ids)
    )
    audit.record(
        actor=voided_by,
        action=AuditAction.ACTIVITY_VOID,
        case=activity.case,
        obj=activity,
        reason=activity.void_reason,
    )
    return activity


# --- sharing: every access beyond the area team rests on a recorded basis ---------------------------

CASE_GRANTED_PERMS = ("casework.view_case", "casework.log_activity")
BREAK_GLASS_HOURS = 8


def _require_case_team(case: Case, user) -> None:
    """Only the case's own area team records consents, meetings and overrides (403: they can see it)."""
    if not can_manage_sharing(user=user, case=case):
        raise PermissionDenied(_("Only the case's area team can change how it is shared."))


def _sync_group_perms(case: Case, group) -> bool:
    """Make the group's guardian permissions on the case match its active grants. True if any remain."""
    active = list(
        CaseAccessGrant.objects.filter(case=case, group=group, revoked_at__isnull=True).values_list(
            "read_only", flat=True
        )
    )
    wanted = set()
    if active:
        wanted.add("casework.view_case")
    if any(not read_only for read_only in active):
        wanted.add("casework.log_activity")
    for perm in CASE_GRANTED_PERMS:
        if perm in wanted:
            assign_perm(perm, group, case)
        else:
            remove_perm(perm, group, case)
    return bool(active)


def _grant(
    *,
    case: Case,
    group=None,
    user=None,
    basis: str,
    granted_by,
    source_id=None,
    reason: str = "",
    expires_at=None,
    read_only: bool = False,
) -> CaseAccessGrant:
    grant = CaseAccessGrant.objects.create(
        case=case,
        group=group,
        user=user,
        basis=basis,
        source_id=source_id,
        reason=reason,
        granted_by=granted_by,
        granted_at=timezone.now(),
        expires_at=expires_at,
        read_only=read_only,
    )
    if group is not None:
        _sync_group_perms(case, group)
    audit.record(
        actor=granted_by,
        action=AuditAction.PERMISSION_GRANT,
        case=case,
        obj=grant,
        changes={
            "basis": [None, basis],
            "to": [None, group.name if group else user.username],
            "read_only": [None, read_only],
        },
    )
    return grant


def _revoke(grants, *, revoked_by) -> int:
    """End grants; a group loses a permission only when none of its other grants on the case need it."""
    revoked = 0
    for grant in (
        grants.select_for_update(of=("self",)).filter(revoked_at__isnull=True).select_related("group", "case")
    ):
        grant.revoked_at = timezone.now()
        grant.revoked_by = revoked_by
        grant.save(update_fields=["revoked_at", "revoked_by"])
        revoked += 1
        still_granted = _sync_group_perms(grant.case, grant.group) if grant.group_id else False
        audit.record(
            actor=revoked_by,
            action=AuditAction.PERMISSION_REVOKE,
            case=grant.case,
            obj=grant,
            changes={"basis": [grant.basis, None], "still_shared": [True, still_granted]},
        )
    return revoked


@transaction.atomic
def case_access_grant(
    *, case: Case, group, basis: str, source_id: int, granted_by, read_only: bool = False
) -> CaseAccessGrant:
    """Give a group access on a recorded basis (used by referrals: collaboration and transfer)."""
    return _grant(
        case=case, group=group, basis=basis, source_id=source_id, granted_by=granted_by, read_only=read_only
    )


@transaction.atomic
def case_access_revoke(*, case: Case, basis: str, source_id: int, revoked_by) -> int:
    return _revoke(
        CaseAccessGrant.objects.filter(case=case, basis=basis, source_id=source_id), revoked_by=revoked_by
    )


@transaction.atomic
def case_transfer(*, case: Case, to_area: Area, transferred_by, source_id: int | None = None) -> Case:
    """移管: the case moves to another area team; the sending team keeps read-only access to its history.

    Activities keep the area they were logged in (DESIGN §2), so last year's work stays where it was done.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    old_area = case.area
    if old_area.pk == to_area.pk:
        raise StateConflict(_("The case is already in that area."))
    case.area = to_area
    case.lead_caseworker = None  # the receiving coordinator assigns one
    case.community_area = None
    case.save(update_fields=["area", "lead_caseworker", "community_area", "updated_at"])
    _grant(
        case=case,
        group=area_group(old_area),
        basis=AccessBasis.REFERRAL,
        source_id=source_id,
        granted_by=transferred_by,
        read_only=True,
    )
    audit.record(
        actor=transferred_by,
        action=AuditAction.CASE_UPDATE,
        case=case,
        obj=case,
        changes={"area": [old_area.code, to_area.code]},
    )
    return case


@transaction.atomic
def case_assign_lead(*, case: Case, lead_caseworker, assigned_by) -> Case:
    """The area coordinator assigns the lead caseworker (a member of the case's area team)."""
    if not is_case_area_coordinator(user=assigned_by, case=case):
        raise PermissionDenied(_("Only a coordinator of the case's area assigns its lead caseworker."))
    if lead_caseworker is not None and not is_on_case_team(user=lead_caseworker, case=case):
        raise ValidationError(
            {"lead_caseworker": _("The lead caseworker must belong to the case's area team.")}
        )
    before = case.lead_caseworker_id
    case.lead_caseworker = lead_caseworker
    case.save(update_fields=["lead_caseworker", "updated_at"])
    audit.record(
        actor=assigned_by,
        action=AuditAction.CASE_UPDATE,
        case=case,
        obj=case,
        changes={"lead_caseworker": [before, getattr(lead_caseworker, "pk", None)]},
    )
    return case


def _agencies_required(agencies: Sequence[Agency]) -> list[Agency]:
    agencies = list(dict.fromkeys(agencies))
    if not agencies:
        raise ValidationError({"agencies": _("Choose at least one agency.")})
    return agencies


def _not_in_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


def _share_with_agencies(case: Case, agencies: Sequence[Agency], *, basis: str, source_id: int, granted_by):
    """One grant per agency group, all resting on the same recorded basis (a consent or a meeting)."""
    for agency in agencies:
        _grant(case=case, group=agency_group(agency), basis=basis, source_id=source_id, granted_by=granted_by)


@transaction.atomic
def consent_give(
    *,
    case: Case,
    given_by,
    agencies: Sequence[Agency],
    given_on: datetime.date,
    scope: str = ConsentScope.SUMMARY,
) -> Consent:
    """本人同意: share the case with these agencies, within `scope` (summary or full), for as long as the
    consent stands. What each agency then sees is decided at every read (selectors.case_scope_for)."""
    _require_case_team(case, given_by)
    agencies = _agencies_required(agencies)
    _not_in_future(given_on, "given_on")
    if scope not in ConsentScope.values:
        raise ValidationError({"scope": _("Choose what the consent shares: the summary or everything.")})
    consent = Consent.objects.create(case=case, given_on=given_on, scope=scope, recorded_by=given_by)
    consent.agencies.set(agencies)
    _share_with_agencies(case, agencies, basis=AccessBasis.CONSENT, source_id=consent.pk, granted_by=given_by)
    audit.record(
        actor=given_by,
        action=AuditAction.CONSENT_GIVE,
        case=case,
        obj=consent,
        changes={
            "agencies": [None, sorted(a.code for a in agencies)],
            "given_on": [None, str(given_on)],
            "scope": [None, scope],
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, withdrawn_by, on: datetime.date | None = None) -> Consent:
    """Withdrawal removes the access that rested on this consent, and only that."""
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    _require_case_team(consent.case, withdrawn_by)
    if consent.withdrawn_on is not None:
        raise StateConflict(_("This consent has already been withdrawn."))
    consent.withdrawn_on = on or timezone.localdate()
    consent.save(update_fields=["withdrawn_on"])
    _revoke(
        CaseAccessGrant.objects.filter(case=consent.case, basis=AccessBasis.CONSENT, source_id=consent.pk),
        revoked_by=withdrawn_by,
    )
    audit.record(actor=withdrawn_by, action=AuditAction.CONSENT_WITHDRAW, case=consent.case, obj=consent)
    return consent


@transaction.atomic
def support_meeting_register(
    *,
    case: Case,
    registered_by,
    agencies: Sequence[Agency],
    registered_on: datetime.date,
    confidentiality_acknowledged: bool,
) -> SupportMeetingRegistration:
    """支援会議 (§106-6): its member agencies may share without consent, bound by confidentiality."""
    _require_case_team(case, registered_by)
    agencies = _agencies_required(agencies)
    _not_in_future(registered_on, "registered_on")
    if not confidentiality_acknowledged:
        raise ValidationError(
            {
                "confidentiality_acknowledged": _(
                    "The members' duty of confidentiality must be acknowledged (守秘義務)."
                )
            }
        )
    return support_meeting_registration_open(
        case=case, registered_by=registered_by, agencies=agencies, registered_on=registered_on
    )


def support_meeting_registration_open(
    *, case: Case, registered_by, agencies: Sequence[Agency], registered_on: datetime.date, meeting=None
) -> SupportMeetingRegistration:
    """The one writer of 支援会議 registrations (the sharing basis), for a standalone registration and
    for a discussed case of a 支援会議 record (`meeting`). Callers check who may register, and run it
    inside their transaction."""
    registration = SupportMeetingRegistration.objects.create(
        case=case,
        registered_on=registered_on,
        confidentiality_acknowledged=True,
        recorded_by=registered_by,
        meeting=meeting,
    )
    registration.agencies.set(agencies)
    _share_with_agencies(
        case, agencies, basis=AccessBasis.SUPPORT_MEETING, source_id=registration.pk, granted_by=registered_by
    )
    audit.record(
        actor=registered_by,
        action=AuditAction.MEETING_REGISTER,
        case=case,
        obj=registration,
        changes={"agencies": [None, sorted(a.code for a in agencies)]},
    )
    return registration


def support_meeting_registration_set_agencies(
    *, registration: SupportMeetingRegistration, agencies: Sequence[Agency], changed_by
) -> None:
    """Make the registration's member agencies (and so its grants) exactly `agencies`."""
    wanted = {a.pk: a for a in agencies}
    current = {a.pk: a for a in registration.agencies.all()}
    if wanted.keys() == current.keys():
        return
    registration.agencies.set(list(wanted.values()))
    for agency in [a for pk, a in current.items() if pk not in wanted]:
        _revoke(
            CaseAccessGrant.objects.filter(
                case_id=registration.case_id,
                basis=AccessBasis.SUPPORT_MEETING,
                source_id=registration.pk,
                group=agency_group(agency),
            ),
            revoked_by=changed_by,
        )
    added = [a for pk, a in wanted.items() if pk not in current]
    _share_with_agencies(
        registration.case,
        added,
        basis=AccessBasis.SUPPORT_MEETING,
        source_id=registration.pk,
        granted_by=changed_by,
    )


def support_meeting_registration_close(
    *, registration: SupportMeetingRegistration, ended_by, on: datetime.date | None = None
) -> SupportMeetingRegistration:
    """End a registration in force and the access that rested on it (callers lock and check)."""
    registration.ended_on = on or timezone.localdate()
    registration.save(update_fields=["ended_on"])
    _revoke(
        CaseAccessGrant.objects.filter(
            case=registration.case, basis=AccessBasis.SUPPORT_MEETING, source_id=registration.pk
        ),
        revoked_by=ended_by,
    )
    audit.record(actor=ended_by, action=AuditAction.MEETING_END, case=registration.case, obj=registration)
    return registration


@transaction.atomic
def support_meeting_end(
    *, registration: SupportMeetingRegistration, ended_by, on: datetime.date | None = None
) -> SupportMeetingRegistration:
    """End a standalone registration. One made by a 支援会議 record ends with its meeting record (the
    case is taken off the meeting, or the meeting's kind changes): one source of truth, never two."""
    registration = (
        SupportMeetingRegistration.objects.select_for_update().select_related("case").get(pk=registration.pk)
    )
    _require_case_team(registration.case, ended_by)
    if registration.ended_on is not None:
        raise StateConflict(_("This registration has already ended."))
    if registration.meeting_id is not None:
        raise StateConflict(
            _(
                "This registration belongs to a support meeting record: take the case off that meeting instead."  # noqa: E501
            )
        )
    return support_meeting_registration_close(registration=registration, ended_by=ended_by, on=on)


@transaction.atomic
def case_share_override(*, case: Case, shared_by, agency: Agency, reason: str) -> CaseAccessGrant:
    """Share without consent or meeting: a separate permission, a reason, always audited."""
    _require_case_team(case, shared_by)
    if not shared_by.has_perm("casework.share_without_basis"):
        raise PermissionDenied(_("Sharing without a recorded basis needs the override permission."))
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Give the reason for sharing without consent.")})
    grant = _grant(
        case=case,
        group=agency_group(agency),
        basis=AccessBasis.OVERRIDE,
        granted_by=shared_by,
        reason=reason.strip(),
    )
    audit.record(
        actor=shared_by,
        action=AuditAction.SHARE_OVERRIDE,
        case=case,
        obj=grant,
        reason=reason.strip(),
        changes={"agency": [None, agency.code]},
    )
    return grant


@transaction.atomic
def case_share_override_end(*, grant: CaseAccessGrant, ended_by) -> None:
    _require_case_team(grant.case, ended_by)
    if grant.basis != AccessBasis.OVERRIDE:
        raise StateConflict(_("Only an override share can be ended here."))
    if not _revoke(CaseAccessGrant.objects.filter(pk=grant.pk), revoked_by=ended_by):
        raise StateConflict(_("This share has already ended."))


@transaction.atomic
def case_break_glass(*, case: Case, opened_by, reason: str) -> CaseAccessGrant:
    """A manager's audited emergency read of one case, for a few hours; its coordinator sees it."""
    if not opened_by.has_perm("casework.break_glass"):
        raise PermissionDenied(_("Only managers may use break-glass access."))
    if not reason or len(reason.strip()) < 5:
        raise ValidationError(
            {"reason": _("Explain why you need to open this case (at least 5 characters).")}
        )
    grant = CaseAccessGrant.objects.create(
        case=case,
        user=opened_by,
        basis=AccessBasis.BREAK_GLASS,
        reason=reason.strip(),
        granted_by=opened_by,
        granted_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=BREAK_GLASS_HOURS),
    )
    audit.record(actor=opened_by, action=AuditAction.BREAK_GLASS, case=case, obj=grant, reason=reason.strip())
    return grant


@transaction.atomic
def case_record_read(*, case: Case, read_by, action: str = AuditAction.CASE_VIEW) -> None:
    """Every read of a case's personal data (page, API, export, print) leaves an audit row."""
    audit.record(actor=read_by, action=action, case=case, obj=case)


def case_file_print(*, case: Case, printed_by, sheets: list[str], pdf: bool = False) -> None:
    """The case file printed (case.print) or downloaded as a PDF (case.export): personal data leaving the
    system on paper or disk, audited with the sheets it held."""
    audit.record(
        actor=printed_by,
        action=AuditAction.CASE_EXPORT if pdf else AuditAction.CASE_PRINT,
        case=case,
        obj=case,
        changes={"sheets": sheets, "format": "pdf" if pdf else "html"},
    )


def staff_access_end(*, user, ended_by=None) -> int:
    """A deactivated account loses every session and API token at once. Returns sessions ended."""
    from django.contrib.sessions.models import Session
    from rest_framework.authtoken.models import Token

    ended = 0
    user_pk = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_pk:
            session.delete()
            ended += 1
    Token.objects.filter(user=user).delete()
    audit.record(
        actor=ended_by, action=AuditAction.STAFF_DEACTIVATE, obj=user, changes={"sessions_ended": ended}
    )
    return ended


# --- consent documents: the scanned form, encrypted at rest (casework/documents.py) ------------------

_CONTROL_CHARACTERS = dict.fromkeys(range(32))


def _clean_filename(name: str) -> str:
    """The uploaded name without any path or control characters, as the download will offer it."""
    cleaned = PurePath(name.replace("\\", "/")).name.translate(_CONTROL_CHARACTERS).strip()
    return cleaned[-255:] or "consent"


def _too_large_error() -> ValidationError:
    limit = settings.CONSENT_DOCUMENT_MAX_BYTES
    return ValidationError(
        {
            "file": _(
                "The file is larger than %(limit)s MB. Scan the consent form at a lower resolution or in "
                "black and white and attach it again."
            )
            % {"limit": f"{limit / (1024 * 1024):g}"}
        }
    )


def document_discard(name: str) -> None:
    storage = documents.document_storage()
    if storage.exists(name):
        storage.delete(name)


def document_store(source, *, file_id: uuid.UUID, max_bytes: int | None = None) -> tuple[str, str]:
    """Encrypt `source` chunk by chunk straight into the document storage: (stored name, key id).

    Shared by upload and key rotation. Nothing is left behind when it fails."""
    key_id = encryption.key_ring().active_id
    name = f"{file_id.hex}-{secrets.token_hex(4)}.ysd"
    sealed = documents.IteratorReader(documents.seal_chunks(source, file_id=file_id, max_bytes=max_bytes))
    try:
        saved = documents.document_storage().save(name, File(sealed, name=name))
    except BaseException:
        document_discard(name)
        raise
    return saved, key_id


def consent_document_attach(*, consent: Consent, uploaded_by, upload) -> ConsentDocument:
    """Attach the scanned consent form (PDF, JPEG or PNG, checked by content), replacing any earlier one.

    The file is encrypted into storage first, outside the transaction (it may take a while); the row and
    its audit entry follow in one transaction, and the replaced file is removed once that has committed.
    """
    _require_case_team(consent.case, uploaded_by)
    if upload is None:
        raise ValidationError({"file": _("Choose the scanned consent form (PDF, JPEG or PNG) to attach.")})
    max_bytes = settings.CONSENT_DOCUMENT_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise _too_large_error()
    filename = _clean_filename(upload.name or "")
    upload.seek(0)
    head = upload.read(documents.SNIFF_BYTES)
    try:
        kind = documents.check_upload(head, filename)
    except ValueError as exc:
        raise ValidationError({"file": str(exc)}) from None
    upload.seek(0)
    file_id = uuid.uuid4()
    try:
        stored_name, key_id = document_store(upload, file_id=file_id, max_bytes=max_bytes)
    except documents.TooLarge:
        raise _too_large_error() from None
    try:
        return _consent_document_save(
            consent=consent,
            uploaded_by=uploaded_by,
            fields={
                "file_id": file_id,
                "storage_name": stored_name,
                "key_id": key_id,
                "filename": filename,
                "content_type": kind.content_type,
                "size": upload.size,
                "uploaded_by": uploaded_by,
                "uploaded_at": timezone.now(),
            },
        )
    except BaseException:
        document_discard(stored_name)
        raise


@transaction.atomic
def _consent_document_save(*, consent: Consent, uploaded_by, fields: dict) -> ConsentDocument:
    consent = Consent.objects.select_for_update().select_related("case").get(pk=consent.pk)
    document = ConsentDocument.objects.filter(consent=consent).first()
    replaced = document.storage_name if document else None
    if document is None:
        document = ConsentDocument(consent=consent)
    for name, value in fields.items():
        setattr(document, name, value)
    document.save()
    audit.record(
        actor=uploaded_by,
        action=AuditAction.DOCUMENT_UPLOAD,
        case=consent.case,
        obj=document,
        changes={
            "consent": [None, consent.pk],
            "content_type": [None, document.content_type],
            "size": [None, document.size],
            "replaced": [None, replaced is not None],
        },
    )
    if replaced:
        transaction.on_commit(lambda: document_discard(replaced))
    return document


def consent_document_read(*, document: ConsentDocument, read_by) -> Iterator[bytes]:
    """The decrypted document, chunk by chunk; the read is audited before the first byte leaves.

    The stored file is opened here, so a missing file fails before a response starts. A chunk that fails
    authentication raises documents.DocumentError mid-stream: the download stops short of its length.
    """
    stored = documents.document_storage().open(document.storage_name, "rb")
    with transaction.atomic():
        audit.record(
            actor=read_by,
            action=AuditAction.DOCUMENT_DOWNLOAD,
            case=document.consent.case,
            obj=document,
            changes={"consent": [None, document.consent_id]},
        )
    return _closing_chunks(stored, file_id=document.file_id)


def _closing_chunks(stored, *, file_id: uuid.UUID) -> Iterator[bytes]:
    with stored:
        yield from documents.open_chunks(stored, file_id=file_id)


@transaction.atomic
def consent_document_delete(
    *, document: ConsentDocument, deleted_by, expected_file_id: uuid.UUID | None = None
) -> None:
    """Remove the scan; `expected_file_id` guards against deleting one attached since the page was shown."""
    document = ConsentDocument.objects.select_for_update().select_related("consent__case").get(pk=document.pk)
    case = document.consent.case
    _require_case_team(case, deleted_by)
    if expected_file_id is not None and document.file_id != expected_file_id:
        raise StateConflict(_("The consent form was replaced meanwhile; reload the page and try again."))
    stored_name = document.storage_name
    audit.record(
        actor=deleted_by,
        action=AuditAction.DOCUMENT_DELETE,
        case=case,
        obj=document,
        changes={"consent": [document.consent_id, None], "content_type": [document.content_type, None]},
    )
    document.delete()
    transaction.on_commit(lambda: document_discard(stored_name))


# --- ecomap resources ----------------------------------------------------------------------------

ECOMAP_RESOURCE_FIELDS = {"name", "kind", "strength", "direction"}


def _check_ecomap_fields(fields: dict) -> None:
    unknown = set(fields) - ECOMAP_RESOURCE_FIELDS
    if unknown:
        raise ValidationError(_("Unknown ecomap fields: %(f)s") % {"f": ", ".join(sorted(unknown))})


@transaction.atomic
def ecomap_resource_add(*, case: Case, added_by, **fields) -> EcomapResource:
    """A community resource the worker draws on the ecomap (民生委員, サロン, 町会 ...); audited."""
    _require_team(case, added_by)
    _check_ecomap_fields(fields)
    resource = EcomapResource(case=case, created_by=added_by, **fields)
    resource.full_clean(exclude=["case", "created_by"])
    resource.save()
    audit.record(
        actor=added_by,
        action=AuditAction.ECOMAP_CHANGE,
        case=case,
        obj=resource,
        changes=audit.changes_between(EcomapResource, {}, fields),
    )
    return resource


@transaction.atomic
def ecomap_resource_update(*, resource: EcomapResource, updated_by, **fields) -> EcomapResource:
    """Edit a resource; the audit row keeps old → new (its name masked). No change, no row."""
    _require_team(resource.case, updated_by)
    _check_ecomap_fields(fields)
    before = {name: getattr(resource, name) for name in fields}
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.full_clean(exclude=["case", "created_by"])
    resource.save()
    diff = audit.changes_between(EcomapResource, before, fields)
    if diff:
        audit.record(
            actor=updated_by, action=AuditAction.ECOMAP_CHANGE, case=resource.case, obj=resource, changes=diff
        )
    return resource


@transaction.atomic
def ecomap_resource_remove(*, resource: EcomapResource, removed_by) -> None:
    """Take a resource off the ecomap; the audit row says what went (its name masked)."""
    _require_team(resource.case, removed_by)
    before = {name: getattr(resource, name) for name in ECOMAP_RESOURCE_FIELDS}
    audit.record(
        actor=removed_by,
        action=AuditAction.ECOMAP_CHANGE,
        case=resource.case,
        obj=resource,
        changes=audit.changes_between(EcomapResource, before, dict.fromkeys(before, "")),
    )
    resource.delete()
