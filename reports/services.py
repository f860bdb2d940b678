"""Every write of the reports: seeding indicators and targets, setting targets, tallying centre usage,
finalising a month (an immutable snapshot) and recording exports in the audit log."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import audit
from casework.models import AuditAction
from casework.services import StateConflict
from network import meetings
from network.fiscal import TOKYO, fiscal_year_of_date
from network.models import Agency, Area, NetworkMeeting
from network.services import SeedCounts, SeedReport

from . import indicators, selectors
from .models import (
    ActionPlanEvaluation,
    ActionPlanItem,
    CentreUsage,
    CentreUsageKind,
    Grade,
    IndicatorDefinition,
    MonthlySnapshot,
    Target,
)

MAX_DAILY_TALLY = 10_000

# --- master data: indicator definitions and the plan's targets ---------------------------------------


def indicator_master_data_seed() -> SeedReport:
    """Registered with network.services.master_data_seeder_register (ReportsConfig.ready()).

    Definitions are matched by code and refreshed. The plan's targets are created where missing and never
    overwritten: once loaded they are managers' data. A centre missing from the master data is skipped.
    """
    report: SeedReport = {"indicators": SeedCounts(), "targets": SeedCounts()}
    definitions = {}
    for seed in indicators.INDICATORS:
        values = {
            "name": seed.name,
            "unit": seed.unit,
            "description": seed.description,
            "sort_order": seed.sort_order,
        }
        row, created = IndicatorDefinition.objects.get_or_create(code=seed.code, defaults=values)
        if created:
            report["indicators"].add("created")
        else:
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            for k in changed:
                setattr(row, k, values[k])
            if changed:
                row.save(update_fields=changed)
            report["indicators"].add("updated" if changed else "unchanged")
        definitions[seed.code] = row
    centres = {c.code: c for c in Agency.objects.filter(is_centre=True)}
    for seed in indicators.PLAN_TARGETS:
        centre = centres.get(seed.centre) if seed.centre else None
        if seed.centre and centre is None:
            continue
        _row, created = Target.objects.get_or_create(
            indicator=definitions[seed.indicator],
            fiscal_year=seed.fiscal_year,
            area=None,
            centre=centre,
            defaults={"value": seed.value},
        )
        report["targets"].add("created" if created else "unchanged")
    return report


# --- targets (managers) -----------------------------------------------------------------------------------


def _require_manager(user) -> None:
    if not selectors.is_manager(user):
        raise PermissionDenied(_("Only managers may change targets or finalise reports."))


@transaction.atomic
def target_set(
    *,
    indicator: str,
    fiscal_year: int,
    value: int | None,
    set_by,
    area: Area | None = None,
    centre: Agency | None = None,
) -> Target | None:
    """Set, change or remove (value None) one target. Audited like every change."""
    _require_manager(set_by)
    if value is not None and (not isinstance(value, int) or value < 0):
        raise ValidationError(
            {"value": _("A target is a whole number of 0 or more; leave it blank for none.")}
        )
    if area is not None and centre is not None:
        raise ValidationError(_("A target is city-wide, for one area, or for one centre: not both."))
    if centre is not None and not centre.is_centre:
        raise ValidationError({"centre": _("Choose a community centre (地域いきいきセンター).")})
    definition = IndicatorDefinition.objects.get(code=indicator)
    existing = (
        Target.objects.select_for_update()
        .order_by()
        .filter(indicator=definition, fiscal_year=fiscal_year, area=area, centre=centre)
        .first()
    )
    before = existing.value if existing else None
    if before == value:
        return existing
    if value is None:
        existing.delete()
        target = None
    elif existing is None:
        target = Target.objects.create(
            indicator=definition,
            fiscal_year=fiscal_year,
            value=value,
            area=area,
            centre=centre,
            updated_by=set_by,
        )
    else:
        existing.value = value
        existing.updated_by = set_by
        existing.save(update_fields=["value", "updated_by", "updated_at"])
        target = existing
    audit.record(
        actor=set_by,
        action=AuditAction.REPORT,
        obj=target,
        changes={
            "target": {
                "indicator": indicator,
                "fiscal_year": fiscal_year,
                "area": area.code if area else None,
                "centre": centre.code if centre else None,
            },
            "value": [before, value],
        },
    )
    return target


# --- centre usage tallies ---------------------------------------------------------------------------------


@transaction.atomic
def centre_usage_record(
    *, centre: Agency, date: datetime.date, kind: str, count: int, recorded_by
) -> CentreUsage:
    """Add a tally for one day at one centre (counts only, never who came)."""
    if not selectors.centres_for_entry(user=recorded_by).filter(pk=centre.pk).exists():
        raise PermissionDenied(_("You may record usage only for your own centre or your area's centre."))
    errors = {}
    if kind not in CentreUsageKind.values:
        errors["kind"] = _("Choose consultation, community support or other.")
    if date is None or date > timezone.now().astimezone(TOKYO).date():
        errors["date"] = _("Give a day that is today or earlier.")
    if count is None or not 1 <= count <= MAX_DAILY_TALLY:
        errors["count"] = _("The count must be between 1 and %(max)s.") % {"max": MAX_DAILY_TALLY}
    if errors:
        raise ValidationError(errors)
    return CentreUsage.objects.create(
        centre=centre, date=date, kind=kind, count=count, recorded_by=recorded_by
    )


# --- monthly snapshots ------------------------------------------------------------------------------------


@transaction.atomic
def monthly_snapshot_finalise(
    *, year: int, month: int, finalised_by=None, today: datetime.date | None = None
) -> MonthlySnapshot:
    """確定: store the month's figures as reported, once. A month is finalised only after it has ended;
    a second finalisation is refused (StateConflict), the first snapshot is never changed."""
    if finalised_by is not None:
        _require_manager(finalised_by)
    today = today or selectors.tokyo_today()
    if selectors.month_end(year, month) >= today:
        raise ValidationError({"month": _("A month can be finalised once it has ended.")})
    key = selectors.month_key(year, month)
    if MonthlySnapshot.objects.filter(month=key).exists():
        raise StateConflict(_("%(month)s has already been finalised.") % {"month": key})
    expected = selectors.month_to_finalise_before(year, month)
    if expected is not None:
        raise ValidationError(
            {
                "month": _(
                    "%(month)s cannot be finalised before %(previous)s: months are finalised in order. "
                    "Finalise %(previous)s first."
                )
                % {"month": key, "previous": expected}
            }
        )
    fiscal_year = fiscal_year_of_date(datetime.date(year, month, 1))
    report = selectors.accompanied_activity_report(
        fiscal_year=fiscal_year, through=(year, month), today=today
    )
    try:
        with transaction.atomic():
            snapshot = MonthlySnapshot.objects.create(
                fiscal_year=fiscal_year,
                month=key,
                figures=selectors.month_figures(report, key),
                finalised_by=finalised_by,
                finalised_at=timezone.now(),
            )
    except IntegrityError:  # finalised concurrently
        raise StateConflict(_("%(month)s has already been finalised.") % {"month": key}) from None
    audit.record(
        actor=finalised_by,
        action=AuditAction.REPORT,
        obj=snapshot,
        changes={
            "finalised": key,
            "count": snapshot.figures["count"],
            "cumulative": snapshot.figures["cumulative"],
        },
        channel="" if finalised_by else "task",
    )
    return snapshot


def months_due(*, today: datetime.date) -> list[tuple[int, int]]:
    """The months the monthly task finalises, in order: every month after the last finalised one up to the
    month before today; with nothing finalised yet, only the month before today."""
    last = last_month(today)
    latest = MonthlySnapshot.objects.order_by("-month").values_list("month", flat=True).first()
    if latest is None:
        return [last]
    year, month = (int(part) for part in latest.split("-"))
    due = []
    while (year, month) < last:
        year, month = selectors.next_month(year, month)
        due.append((year, month))
    return due


def last_month(today: datetime.date) -> tuple[int, int]:
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


# --- exports ----------------------------------------------------------------------------------------------


def report_export_record(
    *,
    exported_by,
    fiscal_year: int,
    fmt: str,
    month: str = "",
    with_activities: bool = False,
    channel: str = "",
    report: str = "",
    area: str | None = None,
) -> None:
    """Exports are audited (DESIGN.md §3) as exports, so the auditor's export filter finds them; the activity
    sheet carries case numbers. `report` and `area` name another report than the 延件数 (e.g. the yearly
    national figures) and its area filter."""
    export = {
        "fiscal_year": fiscal_year,
        "format": fmt,
        "month": month or None,
        "activities": with_activities,
    }
    if report:
        export |= {"report": report, "area": area}
    audit.record(
        actor=exported_by, action=AuditAction.REPORT_EXPORT, changes={"export": export}, channel=channel
    )


def report_print_record(
    *, printed_by, fiscal_year: int, month: str = "", report: str = "", area: str | None = None
) -> None:
    """Opening the A4 print version is audited as a print (the board paper leaves the system on paper)."""
    printed = {"fiscal_year": fiscal_year, "month": month or None}
    if report:
        printed |= {"report": report, "area": area}
    audit.record(actor=printed_by, action=AuditAction.REPORT_PRINT, changes={"print": printed})


# --- the action plan's ◎ 〇 △ (managers) --------------------------------------------------------------


@transaction.atomic
def action_plan_grades_save(*, fiscal_year: int, grades: dict[int, str], saved_by) -> int:
    """Save one fiscal year's grid in one go: item id → ◎ / 〇 / △, or "" to clear it. Every changed
    cell is audited with its old → new grade; unchanged cells are left alone. Returns the cells changed."""
    if not selectors.is_manager(saved_by):
        raise PermissionDenied(_("Only managers may evaluate the action plan."))
    selectors.parse_fiscal_year(fiscal_year)
    bad = [item_id for item_id, grade in grades.items() if grade not in ("", *Grade.values)]
    if bad:
        raise ValidationError({"grades": _("Choose ◎, 〇, △ or leave the cell blank.")})
    items = ActionPlanItem.objects.in_bulk(list(grades))
    existing = {
        e.item_id: e
        for e in ActionPlanEvaluation.objects.select_for_update().filter(
            fiscal_year=fiscal_year, item_id__in=list(items)
        )
    }
    changed = 0
    for item_id, grade in grades.items():
        item = items.get(item_id)
        if item is None:
            raise ValidationError(
                {"grades": _("An item of the action plan no longer exists; reload the page.")}
            )
        evaluation = existing.get(item_id)
        before = evaluation.grade if evaluation else ""
        if before == grade:
            continue
        if not grade:
            evaluation.delete()
            obj = item
        elif evaluation is None:
            obj = ActionPlanEvaluation.objects.create(item=item, fiscal_year=fiscal_year, grade=grade)
        else:
            evaluation.grade = grade
            evaluation.save(update_fields=["grade"])
            obj = evaluation
        audit.record(
            actor=saved_by,
            action=AuditAction.REPORT,
            obj=obj,
            changes={
                "action_plan": {"item": item.code, "fiscal_year": fiscal_year},
                "grade": [before or None, grade or None],
            },
        )
        changed += 1
    return changed


# --- network meetings (managers) --------------------------------------------------------------------------


def _meeting_state(meeting: NetworkMeeting) -> dict:
    return {
        "held_on": meeting.held_on.isoformat(),
        "theme": meeting.theme,
        "agencies": sorted(meeting.agencies.values_list("code", flat=True)),
    }


@transaction.atomic
def network_meeting_save(
    *,
    held_on: datetime.date,
    theme: str,
    agencies,
    saved_by,
    meeting: NetworkMeeting | None = None,
) -> NetworkMeeting:
    """Record a network meeting, or correct one; audited with old → new date, theme and agencies."""
    if not selectors.is_manager(saved_by):
        raise PermissionDenied(_("Only managers may record network meetings."))
    if meeting is None:
        meeting = meetings.network_meeting_record(
            held_on=held_on, theme=theme, agencies=agencies, recorded_by=saved_by
        )
        after = _meeting_state(meeting)
        changes = {key: [None, value] for key, value in after.items()}
    else:
        before = _meeting_state(meeting)
        meetings.network_meeting_update(meeting=meeting, held_on=held_on, theme=theme, agencies=agencies)
        after = _meeting_state(meeting)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if not changes:
            return meeting
    audit.record(actor=saved_by, action=AuditAction.REPORT, obj=meeting, changes={"network_meeting": changes})
    return meeting
