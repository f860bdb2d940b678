"""Every write to support meeting records (支援会議, 重層的支援会議, ケース会議).

Who records: the area team (caseworkers and coordinators) of the meeting's area records a meeting and
edits it; the cases it discusses are cases of that area. Others who may see the record get 403.

One source of truth for "this case was registered at a 支援会議": the case's SupportMeetingRegistration
with `meeting` set. Every write below ends with `_reconcile_registrations`, which makes the meeting's
registrations in force exactly its discussed cases (for a 支援会議; none for the other kinds), each with
the meeting's participating agencies as members and the meeting's date, in the same transaction. The
standalone service (services.support_meeting_end) refuses to end such a registration, so nothing else
can make the two disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import Agency, Area, Membership, Role
from network.selectors import TEAM_ROLES, area_team_ids

from . import audit, services
from .models import AuditAction, Case, DiscussedCase, MeetingKind, SupportMeeting, SupportMeetingRegistration
from .selectors import case_list

MASK = audit.MASK


@dataclass(frozen=True)
class Discussion:
    """One case as the meeting discussed it: decisions and the split of roles (both encrypted)."""

    case: Case
    decisions: str = ""
    roles: str = ""


def _require_area_team(user, area: Area) -> None:
    if not (
        user.is_authenticated and user.is_active and area_team_ids(user=user).filter(area_id=area.pk).exists()
    ):
        raise PermissionDenied(_("Only the area team that held the meeting can record or change it."))


def _validate_header(
    *,
    kind: str,
    area: Area,
    held_on: datetime.date | None,
    agencies: Sequence[Agency],
    staff: Sequence,
    next_meeting_on: datetime.date | None,
    confidentiality_acknowledged: bool,
) -> None:
    errors: dict[str, str] = {}
    if kind not in MeetingKind.values:
        errors["kind"] = _("Choose the kind of meeting.")
    if held_on is None:
        errors["held_on"] = _("Give the day the meeting was held.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("Record a meeting once it has been held, not before.")
    if next_meeting_on is not None and held_on is not None and next_meeting_on <= held_on:
        errors["next_meeting_on"] = _("The next meeting must come after this one.")
    if not agencies:
        errors["agencies"] = _("Choose at least one agency.")
    if kind == MeetingKind.SUPPORT and not confidentiality_acknowledged:
        errors["confidentiality_acknowledged"] = _(
            "The members' duty of confidentiality must be acknowledged (守秘義務)."
        )
    strangers = _staff_outside(area=area, agencies=agencies, staff=staff)
    if strangers:
        errors["staff"] = _(
            "Participating staff must belong to the area team or to a participating agency: %(names)s"
        ) % {"names": ", ".join(sorted(u.get_username() for u in strangers))}
    if errors:
        raise ValidationError(errors)


def _staff_outside(*, area: Area, agencies: Sequence[Agency], staff: Sequence) -> list:
    if not staff:
        return []
    allowed = set(
        Membership.objects.filter(user_id__in=[u.pk for u in staff])
        .filter(
            Q(role__in=TEAM_ROLES, area_id=area.pk)
            | Q(role=Role.AGENCY, agency_id__in=[a.pk for a in agencies])
        )
        .values_list("user_id", flat=True)
    )
    return [u for u in staff if u.pk not in allowed]


def _validate_discussions(
    *, area: Area, discussions: Sequence[Discussion], already: set[int], field: str = "cases"
) -> None:
    """New discussed cases belong to the meeting's area; no case twice."""
    case_ids = [d.case.pk for d in discussions]
    if len(set(case_ids)) != len(case_ids):
        raise ValidationError({field: _("Each case can be listed only once.")})
    foreign = [d.case.number for d in discussions if d.case.pk not in already and d.case.area_id != area.pk]
    if foreign:
        raise ValidationError(
            {
                field: _("Only cases of the meeting's area can be added: %(numbers)s")
                % {"numbers": ", ".join(foreign)}
            }
        )


def _header_snapshot(meeting: SupportMeeting) -> dict:
    return {
        "kind": meeting.kind,
        "held_on": meeting.held_on.isoformat() if meeting.held_on else None,
        "agencies": sorted(a.code for a in meeting.agencies.all()),
        "staff": sorted(u.get_username() for u in meeting.staff.all()),
        "next_meeting_on": meeting.next_meeting_on.isoformat() if meeting.next_meeting_on else None,
    }


def _reconcile_registrations(meeting: SupportMeeting, *, by) -> None:
    """The meeting's registrations in force := its discussed cases if it is a 支援会議, else none."""
    wanted = (
        set(meeting.discussed_cases.values_list("case_id", flat=True)) if meeting.is_sharing_basis else set()
    )
    agencies = list(meeting.agencies.all())
    in_force = {
        r.case_id: r
        for r in SupportMeetingRegistration.objects.select_for_update()
        .select_related("case")
        .filter(meeting=meeting, ended_on__isnull=True)
    }
    for case_id, registration in in_force.items():
        if case_id not in wanted:
            services.support_meeting_registration_close(registration=registration, ended_by=by)
            continue
        services.support_meeting_registration_set_agencies(
            registration=registration, agencies=agencies, changed_by=by
        )
        if registration.registered_on != meeting.held_on:
            registration.registered_on = meeting.held_on
            registration.save(update_fields=["registered_on"])
    for case in Case.objects.filter(pk__in=wanted - in_force.keys()).order_by("pk"):
        services.support_meeting_registration_open(
            case=case, registered_by=by, agencies=agencies, registered_on=meeting.held_on, meeting=meeting
        )


def _audit_discussion(*, actor, action: str, meeting: SupportMeeting, case: Case, changes: dict) -> None:
    """A row on the case's own trail, so "what happened to this case" shows the meeting."""
    audit.record(actor=actor, action=action, case=case, obj=meeting, changes=changes)


@transaction.atomic
def meeting_record(
    *,
    recorded_by,
    kind: str,
    area: Area,
    held_on: datetime.date,
    agencies: Sequence[Agency],
    discussions: Sequence[Discussion],
    staff: Sequence = (),
    next_meeting_on: datetime.date | None = None,
    confidentiality_acknowledged: bool = False,
) -> SupportMeeting:
    """Record a meeting that was held; for a 支援会議 its members share each discussed case from now on."""
    _require_area_team(recorded_by, area)
    agencies, staff = list(dict.fromkeys(agencies)), list(dict.fromkeys(staff))
    _validate_header(
        kind=kind,
        area=area,
        held_on=held_on,
        agencies=agencies,
        staff=staff,
        next_meeting_on=next_meeting_on,
        confidentiality_acknowledged=confidentiality_acknowledged,
    )
    if not discussions:
        raise ValidationError({"cases": _("List at least one case discussed at the meeting.")})
    _validate_discussions(area=area, discussions=discussions, already=set())
    meeting = SupportMeeting.objects.create(
        kind=kind,
        area=area,
        held_on=held_on,
        next_meeting_on=next_meeting_on,
        confidentiality_acknowledged=bool(confidentiality_acknowledged),
        recorded_by=recorded_by,
    )
    meeting.agencies.set(agencies)
    meeting.staff.set(staff)
    for discussion in discussions:
        DiscussedCase.objects.create(
            meeting=meeting, case=discussion.case, decisions=discussion.decisions, roles=discussion.roles
        )
    header = _header_snapshot(meeting)
    audit.record(
        actor=recorded_by,
        action=AuditAction.MEETING_RECORD_CREATE,
        obj=meeting,
        changes={name: [None, value] for name, value in header.items()} | {"cases": [None, len(discussions)]},
    )
    for discussion in discussions:
        _audit_discussion(
            actor=recorded_by,
            action=AuditAction.MEETING_RECORD_CREATE,
            meeting=meeting,
            case=discussion.case,
            changes={
                "decisions": [None, MASK if discussion.decisions else ""],
                "roles": [None, MASK if discussion.roles else ""],
            },
        )
    _reconcile_registrations(meeting, by=recorded_by)
    return meeting


_UNSET = object()


@transaction.atomic
def meeting_update(
    *,
    meeting: SupportMeeting,
    updated_by,
    kind=_UNSET,
    held_on=_UNSET,
    agencies=_UNSET,
    staff=_UNSET,
    next_meeting_on=_UNSET,
    confidentiality_acknowledged=_UNSET,
    discussions: Sequence[Discussion] | None = None,
) -> SupportMeeting:
    """Change what is given; `discussions`, when given, replaces the discussed cases that `updated_by` may
    see (rows of cases they may not see are kept as they are, unseen)."""
    meeting = SupportMeeting.objects.select_for_update().select_related("area").get(pk=meeting.pk)
    _require_area_team(updated_by, meeting.area)
    before = _header_snapshot(meeting)
    new_agencies = list(dict.fromkeys(agencies)) if agencies is not _UNSET else list(meeting.agencies.all())
    new_staff = list(dict.fromkeys(staff)) if staff is not _UNSET else list(meeting.staff.all())
    values = {
        "kind": meeting.kind if kind is _UNSET else kind,
        "held_on": meeting.held_on if held_on is _UNSET else held_on,
        "next_meeting_on": meeting.next_meeting_on if next_meeting_on is _UNSET else next_meeting_on,
        "confidentiality_acknowledged": meeting.confidentiality_acknowledged
        if confidentiality_acknowledged is _UNSET
        else bool(confidentiality_acknowledged),
    }
    _validate_header(area=meeting.area, agencies=new_agencies, staff=new_staff, **values)

    rows = {row.case_id: row for row in meeting.discussed_cases.select_related("case")}
    visible = set(case_list(fetched_by=updated_by).filter(pk__in=rows.keys()).values_list("pk", flat=True))
    if discussions is not None:
        _validate_discussions(area=meeting.area, discussions=discussions, already=set(rows))
        hidden = set(rows) - visible
        if not discussions and not hidden:
            raise ValidationError({"cases": _("List at least one case discussed at the meeting.")})
        if any(d.case.pk in hidden for d in discussions):  # a hidden case cannot be named: as unknown
            raise ValidationError({"cases": _("Unknown case.")})

    for name, value in values.items():
        setattr(meeting, name, value)
    meeting.save()
    meeting.agencies.set(new_agencies)
    meeting.staff.set(new_staff)
    after = _header_snapshot(meeting)
    changed = {name: [before[name], after[name]] for name in after if before[name] != after[name]}

    if discussions is not None:
        given = {d.case.pk: d for d in discussions}
        for case_id in visible - given.keys():
            row = rows[case_id]
            row.delete()
            _audit_discussion(
                actor=updated_by,
                action=AuditAction.MEETING_RECORD_UPDATE,
                meeting=meeting,
                case=row.case,
                changes={"discussed": [True, False]},
            )
        for case_id, discussion in given.items():
            row = rows.get(case_id)
            if row is None:
                DiscussedCase.objects.create(
                    meeting=meeting,
                    case=discussion.case,
                    decisions=discussion.decisions,
                    roles=discussion.roles,
                )
                row_changes = {
                    "discussed": [False, True],
                    "decisions": [None, MASK if discussion.decisions else ""],
                    "roles": [None, MASK if discussion.roles else ""],
                }
            else:
                row_changes = audit.changes_between(
                    DiscussedCase,
                    {"decisions": row.decisions, "roles": row.roles},
                    {"decisions": discussion.decisions, "roles": discussion.roles},
                )
                if row_changes:
                    row.decisions, row.roles = discussion.decisions, discussion.roles
                    row.save(update_fields=["decisions", "roles"])
            if row_changes:
                _audit_discussion(
                    actor=updated_by,
                    action=AuditAction.MEETING_RECORD_UPDATE,
                    meeting=meeting,
                    case=discussion.case,
                    changes=row_changes,
                )
    audit.record(actor=updated_by, action=AuditAction.MEETING_RECORD_UPDATE, obj=meeting, changes=changed)
    _reconcile_registrations(meeting, by=updated_by)
    return meeting


@transaction.atomic
def meeting_record_read(*, meeting: SupportMeeting, read_by, discussions: Sequence[DiscussedCase]) -> None:
    """Reading a meeting record is audited: one row per discussed case shown (on that case's trail), or
    one row for the meeting when the reader may see none of its cases."""
    if not discussions:
        audit.record(actor=read_by, action=AuditAction.MEETING_RECORD_VIEW, obj=meeting)
    for row in discussions:
        audit.record(actor=read_by, action=AuditAction.MEETING_RECORD_VIEW, case=row.case, obj=meeting)
