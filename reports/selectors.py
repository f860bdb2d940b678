"""Every read of the reports: the 延件数 monthly report, the other indicators, drill-downs, export rows.

Figures are aggregated in the database (a few GROUP BY queries, TruncMonth in Asia/Tokyo), the same
code on SQLite and PostgreSQL; nothing loops over activity rows in Python (DESIGN.md §6).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Activity, ActivityKind, Case, IssueTag
from casework.selectors import case_list
from network.fiscal import (  # noqa: F401 - MIN/MAX_FISCAL_YEAR and parse_fiscal_year are used via selectors
    MAX_FISCAL_YEAR,
    MIN_FISCAL_YEAR,
    TOKYO,
    fiscal_month_index,
    fiscal_months,
    fiscal_months_elapsed,
    fiscal_year_bounds,
    fiscal_year_of_date,
    parse_fiscal_year,
    reiwa_label,
)
from network.meetings import network_meeting_count, network_meetings_in_fiscal_year
from network.models import Agency, Area, Membership, Role
from network.selectors import agency_ids, has_role

from .indicators import (
    ACCOMPANIED_ACTIVITIES,
    CENTRE_COMMUNITY_SUPPORT,
    CENTRE_CONSULTATIONS,
    CENTRE_INDICATORS,
    CENTRE_USAGE,
    NETWORK_MEETINGS,
    counted_activities,
)
from .models import (
    ActionPlanEvaluation,
    ActionPlanItem,
    CentreUsage,
    CentreUsageKind,
    IndicatorDefinition,
    MonthlySnapshot,
    Target,
)
from .rollups import fiscal_year_months, month_case_sums, rollup_sums

EXPORT_BATCH = 2000

# --- who may see what ----------------------------------------------------------------------------


def can_view_reports(user) -> bool:
    """Reports are aggregates for managers (社協 HQ) and area coordinators; everyone else gets 404."""
    return bool(
        user and user.is_authenticated and user.is_active and has_role(user, Role.MANAGER, Role.COORDINATOR)
    )


def is_manager(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and has_role(user, Role.MANAGER))


def centres_for_entry(*, user) -> QuerySet[Agency]:
    """Centres whose usage the user may tally: its own staff, its area's coordinators, managers."""
    centres = Agency.objects.filter(is_centre=True, is_active=True)
    if not (user and user.is_authenticated and user.is_active):
        return centres.none()
    if has_role(user, Role.MANAGER):
        return centres
    coordinated = Membership.objects.filter(user_id=user.pk, role=Role.COORDINATOR).values("area_id")
    return centres.filter(Q(id__in=agency_ids(user=user)) | Q(area_id__in=coordinated))


# --- input -----------------------------------------------------------------------------------------


def parse_month(value, *, fiscal_year: int | None = None) -> tuple[int, int]:
    """`2024-10` → (2024, 10); it must be a month of the fiscal year (if given, else of one we report on)."""
    text = str(value or "").strip()
    try:
        day = datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValidationError({"month": [_("Give the month as YYYY-MM, e.g. 2024-10.")]}) from None
    if fiscal_year is None:
        parse_fiscal_year(fiscal_year_of_date(day))
    elif fiscal_year_of_date(day) != fiscal_year:
        raise ValidationError(
            {
                "month": [
                    _("%(month)s is not in %(label)s (April %(start)s to March %(end)s).")
                    % {
                        "month": text,
                        "label": reiwa_label(fiscal_year),
                        "start": fiscal_year,
                        "end": fiscal_year + 1,
                    }
                ]
            }
        )
    return day.year, day.month


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def next_month(year: int, month: int) -> tuple[int, int]:
    return _next_month(year, month)


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def month_to_finalise_before(year: int, month: int) -> str | None:
    """Months are finalised in order: once any month has been finalised, a later month waits for every
    month between. Returns the first month that must be finalised before this one, or None."""
    key = month_key(year, month)
    latest = (
        MonthlySnapshot.objects.filter(month__lt=key)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if latest is None or latest == month_key(*_previous_month(year, month)):
        return None
    y, m = (int(part) for part in latest.split("-"))
    return month_key(*_next_month(y, m))


def finalisable_months(*, fiscal_year: int, today: datetime.date | None = None) -> list[str]:
    """Months of the fiscal year a manager may finalise now: ended, not finalised, and in order (only the
    month after the last finalised one; with nothing finalised yet, any ended month)."""
    today = today or tokyo_today()
    done = set(MonthlySnapshot.objects.values_list("month", flat=True))
    return [
        month_key(y, m)
        for y, m in fiscal_months(fiscal_year)
        if month_end(y, m) < today and month_key(y, m) not in done and month_to_finalise_before(y, m) is None
    ]


def snapshot_rows(*, fiscal_year: int, report: dict) -> list[dict]:
    """The finalised months of a fiscal year: who finalised them and when, the figures as finalised and,
    where the live figures have changed since (a late or corrected activity), the restated figures."""
    live = {m["month"]: m for m in report["months"]}
    rows = []
    for snapshot in MonthlySnapshot.objects.filter(fiscal_year=fiscal_year).select_related("finalised_by"):
        month = live.get(snapshot.month, {})
        rows.append(
            {
                "snapshot": snapshot,
                "by": snapshot.finalised_by,
                "count": snapshot.figures.get("count"),
                "cumulative": snapshot.figures.get("cumulative"),
                "live_count": month.get("count"),
                "live_cumulative": month.get("cumulative"),
                "difference": month.get("difference"),
                "cumulative_difference": month.get("cumulative_difference"),
                "restated": month.get("restated", False),
            }
        )
    return rows


def month_end(year: int, month: int) -> datetime.date:
    y, m = _next_month(year, month)
    return datetime.date(y, m, 1) - datetime.timedelta(days=1)


def tokyo_today() -> datetime.date:
    return timezone.now().astimezone(TOKYO).date()


def available_fiscal_years(*, today: datetime.date | None = None) -> list[int]:
    """Fiscal years a report can be asked for: from the first target or activity to now."""
    current = fiscal_year_of_date(today or tokyo_today())
    first_target = Target.objects.order_by("fiscal_year").values_list("fiscal_year", flat=True).first()
    first_activity = Activity.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    candidates = [current]
    if first_target:
        candidates.append(first_target)
    if first_activity:
        candidates.append(fiscal_year_of_date(first_activity.astimezone(TOKYO).date()))
    return list(range(current, max(min(candidates), current - 20) - 1, -1))


# --- targets ---------------------------------------------------------------------------------------


def target_value(
    *, indicator: str, fiscal_year: int, area: Area | None = None, centre: Agency | None = None
) -> int | None:
    """The plan's target, or None where the plan sets none (never an invented one)."""
    return (
        Target.objects.filter(indicator__code=indicator, fiscal_year=fiscal_year, area=area, centre=centre)
        .values_list("value", flat=True)
        .first()
    )


def _pct(value, whole) -> float | None:
    return round(value * 100 / whole, 1) if whole else None


# --- 延件数: the monthly report ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    fiscal_year: int
    through: tuple[int, int] | None  # report "as of" this month; None = up to today
    today: datetime.date

    @property
    def until(self) -> datetime.datetime | None:
        if self.through is None:
            return None
        y, m = _next_month(*self.through)
        return datetime.datetime(y, m, 1, tzinfo=TOKYO)

    @property
    def as_of(self) -> datetime.date:
        if self.through is None:
            return self.today
        return min(month_end(*self.through), self.today)


def _monthly_counts(counted: QuerySet[Activity]) -> dict[tuple[int, int], dict]:
    rows = (
        counted.annotate(month=TruncMonth("occurred_at", tzinfo=TOKYO))
        .values("month")
        .annotate(n=Count("*"), cases=Count("case_id", distinct=True))
        .order_by()
    )
    found = {}
    for row in rows:
        local = row["month"].astimezone(TOKYO) if timezone.is_aware(row["month"]) else row["month"]
        found[(local.year, local.month)] = {"count": row["n"], "cases": row["cases"]}
    return found


def _breakdowns(counted: QuerySet[Activity], *, fiscal_year: int) -> dict[str, list[dict]]:
    area_rows = {
        r["area_id"]: r
        for r in counted.values("area_id")
        .annotate(n=Count("*"), cases=Count("case_id", distinct=True))
        .order_by()
    }
    area_targets = dict(
        Target.objects.filter(
            indicator__code=ACCOMPANIED_ACTIVITIES, fiscal_year=fiscal_year, area__isnull=False
        ).values_list("area_id", "value")
    )
    by_area = [
        {
            "area": a.code,
            "name": a.name,
            "count": area_rows.get(a.pk, {}).get("n", 0),
            "unique_cases": area_rows.get(a.pk, {}).get("cases", 0),
            "target": area_targets.get(a.pk),
        }
        for a in Area.objects.order_by("sort_order", "code")
    ]
    kind_rows = {r["kind"]: r for r in counted.values("kind").annotate(n=Count("*")).order_by()}
    by_kind = [
        {"kind": value, "name": str(label), "count": kind_rows.get(value, {}).get("n", 0)}
        for value, label in ActivityKind.choices
    ]
    issue_labels = dict(IssueTag.choices)
    by_issue = [
        {
            "issue": r["case__main_issue"],
            "name": str(issue_labels.get(r["case__main_issue"], r["case__main_issue"])),
            "count": r["n"],
            "unique_cases": r["cases"],
        }
        for r in counted.values("case__main_issue")
        .annotate(n=Count("*"), cases=Count("case_id", distinct=True))
        .order_by("-n", "case__main_issue")
    ]
    # per agency: the activities it joined, so one activity counts once for each of its agencies. One join
    # of the counted rows to the through table, grouped by agency id (names looked up once): not an
    # `activity_id IN (counted)` subquery that joins the activities a second time (docs/benchmarks.md).
    agency_rows = list(
        counted.filter(partner_agencies__isnull=False)  # an inner join: the hash is built on the counted side
        .values("partner_agencies")
        .annotate(n=Count("*"), cases=Count("case_id", distinct=True))
        .order_by()
    )
    agencies = Agency.objects.in_bulk([r["partner_agencies"] for r in agency_rows])
    by_agency = sorted(
        (
            {
                "agency": agencies[r["partner_agencies"]].code,
                "name": agencies[r["partner_agencies"]].name,
                "count": r["n"],
                "unique_cases": r["cases"],
            }
            for r in agency_rows
        ),
        key=lambda row: (-row["count"], row["agency"]),
    )
    return {"by_area": by_area, "by_kind": by_kind, "by_issue": by_issue, "by_agency": by_agency}


def _rollup_figures(*, fiscal_year: int, until: datetime.datetime | None) -> dict:
    """The report's figures from the roll-ups (reports/rollups.py): one query of GROUP BYs over rows that
    grow with months × breakdowns, not with activities. Equal to `_monthly_counts` + `_breakdowns` over
    `counted_activities` (tests/reports/test_rollup_exactness.py; `manage.py verify_rollups`)."""
    first, after = fiscal_year_months(fiscal_year, until=until)
    sums = rollup_sums(first=first, after=after)

    def unique(area=None, agency=None, issue="") -> int:
        return sums["year_cases"].get((area, agency, issue), 0)

    return {
        "monthly": {
            (m.year, m.month): {"count": n, "cases": sums["month_cases"].get(m, 0)}
            for m, n in sums["month"].items()
        },
        "unique_cases": unique(),
        "by_area": {a: (n, unique(area=a)) for a, n in sums["area"].items()},
        "by_kind": sums["kind"],
        "by_issue": {i: (n, unique(issue=i)) for i, n in sums["issue"].items()},
        "by_agency": {a: (n, unique(agency=a)) for a, n in sums["agency"].items()},
    }


def _rollup_breakdowns(figures: dict, *, fiscal_year: int) -> dict[str, list[dict]]:
    """The same lists as `_breakdowns`, from `_rollup_figures`."""
    area_targets = dict(
        Target.objects.filter(
            indicator__code=ACCOMPANIED_ACTIVITIES, fiscal_year=fiscal_year, area__isnull=False
        ).values_list("area_id", "value")
    )
    by_area = [
        {
            "area": a.code,
            "name": a.name,
            "count": figures["by_area"].get(a.pk, (0, 0))[0],
            "unique_cases": figures["by_area"].get(a.pk, (0, 0))[1],
            "target": area_targets.get(a.pk),
        }
        for a in Area.objects.order_by("sort_order", "code")
    ]
    by_kind = [
        {"kind": value, "name": str(label), "count": figures["by_kind"].get(value, 0)}
        for value, label in ActivityKind.choices
    ]
    issue_labels = dict(IssueTag.choices)
    by_issue = [
        {"issue": issue, "name": str(issue_labels.get(issue, issue)), "count": n, "unique_cases": cases}
        for issue, (n, cases) in sorted(figures["by_issue"].items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    agencies = Agency.objects.in_bulk(list(figures["by_agency"]))
    by_agency = sorted(
        (
            {"agency": agencies[pk].code, "name": agencies[pk].name, "count": n, "unique_cases": cases}
            for pk, (n, cases) in figures["by_agency"].items()
        ),
        key=lambda row: (-row["count"], row["agency"]),
    )
    return {"by_area": by_area, "by_kind": by_kind, "by_issue": by_issue, "by_agency": by_agency}


def unique_cases_by_month(
    *, fiscal_year: int, through: tuple[int, int] | None = None, by_area: bool = False
) -> dict[tuple, int]:
    """実件数 per month from the roll-ups: distinct cases with ≥1 counted activity (延件数's rule) in each
    Tokyo month of the fiscal year. Keys (year, month), or (year, month, area id) with `by_area` (a case
    active in two areas in a month counts in each). Months without such a case are absent."""
    until = ReportPeriod(fiscal_year=fiscal_year, through=through, today=tokyo_today()).until
    first, after = fiscal_year_months(fiscal_year, until=until)
    return {
        (key[0].year, key[0].month, *key[1:]): n
        for key, n in month_case_sums(first=first, after=after, by_area=by_area).items()
    }


def unique_cases_in_year(*, fiscal_year: int, through: tuple[int, int] | None = None) -> dict:
    """実件数 of the fiscal year (up to `through`) from the roll-ups:
    {"total": n, "by_area": {area id: n}}."""
    until = ReportPeriod(fiscal_year=fiscal_year, through=through, today=tokyo_today()).until
    figures = _rollup_figures(fiscal_year=fiscal_year, until=until)
    return {
        "total": figures["unique_cases"],
        "by_area": {area_id: cases for area_id, (_n, cases) in figures["by_area"].items()},
    }


def _snapshots(fiscal_year: int) -> dict[str, MonthlySnapshot]:
    return {
        s.month: s
        for s in MonthlySnapshot.objects.filter(fiscal_year=fiscal_year).select_related("finalised_by")
    }


def accompanied_activity_report(
    *, fiscal_year: int, through: tuple[int, int] | None = None, today: datetime.date | None = None
) -> dict:
    """伴走支援活動延件数 for a fiscal year, month by month April → March, with target pace, progress,
    year-end projection, breakdowns and, for finalised months, the snapshot beside the restated figure.

    JSON-ready (the API answer, the JSON export and the snapshot figures are all this dict).
    """
    period = ReportPeriod(fiscal_year=fiscal_year, through=through, today=today or tokyo_today())
    figures = _rollup_figures(fiscal_year=fiscal_year, until=period.until)
    monthly = figures["monthly"]
    unique_cases = figures["unique_cases"]
    target = target_value(indicator=ACCOMPANIED_ACTIVITIES, fiscal_year=fiscal_year)
    snapshots = _snapshots(fiscal_year)
    today_key = month_key(period.today.year, period.today.month)
    report_key = month_key(*through) if through else today_key

    months, cumulative = [], 0
    for year, month in fiscal_months(fiscal_year):
        key = month_key(year, month)
        index = fiscal_month_index(year, month)
        count = monthly.get((year, month), {}).get("count", 0)
        cumulative += count
        row = {
            "month": key,
            "label": f"{month}月",
            "count": count,
            "cumulative": cumulative,
            "expected": round(target * index / 12, 1) if target is not None else None,
            "target": target,
            "progress": _pct(cumulative, target),
            "unique_cases": monthly.get((year, month), {}).get("cases", 0),
            "elapsed": datetime.date(year, month, 1) <= period.as_of,
            "is_current": key == today_key,
            "is_report_month": key == report_key,
            "snapshot": None,
            "difference": None,
            "cumulative_difference": None,
            "restated": False,
        }
        snapshot = snapshots.get(key)
        if snapshot is not None:
            snap = snapshot.figures
            row["snapshot"] = {
                "count": snap.get("count"),
                "cumulative": snap.get("cumulative"),
                "finalised_at": snapshot.finalised_at.astimezone(TOKYO).isoformat(),
                "finalised_by": snapshot.finalised_by.get_username() if snapshot.finalised_by_id else None,
            }
            row["difference"] = count - (snap.get("count") or 0)
            row["cumulative_difference"] = cumulative - (snap.get("cumulative") or 0)
            row["restated"] = bool(row["difference"] or row["cumulative_difference"])
        months.append(row)

    elapsed = fiscal_months_elapsed(fiscal_year, period.as_of)
    total = cumulative
    projection = round(total * 12 / elapsed) if elapsed else None
    start, end = fiscal_year_bounds(fiscal_year)
    report = {
        "fiscal_year": fiscal_year,
        "label": reiwa_label(fiscal_year),
        "label_western": f"{fiscal_year}年度",
        "period": {
            "start": start.date().isoformat(),
            "end": (end.date() - datetime.timedelta(days=1)).isoformat(),
        },
        "indicator": ACCOMPANIED_ACTIVITIES,
        "target": target,
        "total": total,
        "unique_cases": unique_cases,
        "progress": _pct(total, target),
        "as_of": period.as_of.isoformat(),
        "through": month_key(*through) if through else None,
        "report_month": report_key if start.date() <= period.as_of < end.date() or through else None,
        "current_month": today_key if start.date() <= period.today < end.date() else None,
        "months_elapsed": round(elapsed, 2),
        "expected_to_date": round(target * elapsed / 12, 1) if target is not None else None,
        "projection": projection,
        "projected_progress": _pct(projection, target) if projection is not None else None,
        "months": months,
        "restated_months": [m["month"] for m in months if m["restated"]],
        **_rollup_breakdowns(figures, fiscal_year=fiscal_year),
    }
    return report


def month_figures(report: dict, key: str) -> dict:
    """What a monthly snapshot keeps of a report "as of" that month."""
    row = next(m for m in report["months"] if m["month"] == key)
    return {
        "month": key,
        "count": row["count"],
        "cumulative": row["cumulative"],
        "expected": row["expected"],
        "target": report["target"],
        "progress": row["progress"],
        "unique_cases": report["unique_cases"],
        "by_area": [{k: r[k] for k in ("area", "count")} for r in report["by_area"]],
        "by_kind": [{k: r[k] for k in ("kind", "count")} for r in report["by_kind"]],
        "by_issue": [{k: r[k] for k in ("issue", "count")} for r in report["by_issue"]],
        "by_agency": [{k: r[k] for k in ("agency", "count")} for r in report["by_agency"]],
    }


# --- drill-down: the cases behind a figure, only those the viewer may see ---------------------------------


@dataclass(frozen=True)
class DrilldownFilters:
    area: str = ""
    kind: str = ""
    issue: str = ""
    agency: str = ""
    month: str = ""  # "YYYY-MM"

    def is_empty(self) -> bool:
        return not (self.area or self.kind or self.issue or self.agency or self.month)


def _drilldown_counted(*, fiscal_year: int, filters: DrilldownFilters) -> QuerySet[Activity]:
    counted = counted_activities(fiscal_year=fiscal_year)
    if filters.area:
        counted = counted.filter(area__code=filters.area)
    if filters.kind:
        counted = counted.filter(kind=filters.kind)
    if filters.issue:
        counted = counted.filter(case__main_issue=filters.issue)
    if filters.agency:
        counted = counted.filter(partner_agencies__code=filters.agency)
    if filters.month:
        year, month = parse_month(filters.month, fiscal_year=fiscal_year)
        y2, m2 = _next_month(year, month)
        counted = counted.filter(
            occurred_at__gte=datetime.datetime(year, month, 1, tzinfo=TOKYO),
            occurred_at__lt=datetime.datetime(y2, m2, 1, tzinfo=TOKYO),
        )
    return counted


def drilldown_breakdown(*, fiscal_year: int, filters: DrilldownFilters) -> dict:
    """The breakdown behind a figure, for everyone who may read the report: counts by area, kind, issue,
    agency and month, aggregated in the database. No case number, name or note: figures only."""
    counted = _drilldown_counted(fiscal_year=fiscal_year, filters=filters)
    if filters.agency:  # the agency join multiplies nothing for one agency, but keep rows distinct
        counted = Activity.objects.filter(id__in=counted.values("id"))
    monthly = _monthly_counts(counted)
    totals = counted.aggregate(n=Count("id", distinct=True), cases=Count("case_id", distinct=True))
    by_month = [
        {
            "month": month_key(y, m),
            "label": f"{m}月",
            "count": monthly.get((y, m), {}).get("count", 0),
            "unique_cases": monthly.get((y, m), {}).get("cases", 0),
        }
        for y, m in fiscal_months(fiscal_year)
    ]
    return {
        "fiscal_year": fiscal_year,
        "total": totals["n"],
        "unique_cases": totals["cases"],
        "by_month": by_month,
        **_breakdowns(counted, fiscal_year=fiscal_year),
    }


def drilldown_cases(*, fetched_by, fiscal_year: int, filters: DrilldownFilters) -> QuerySet[Case]:
    """Cases with counted activities matching the figure, filtered by casework.selectors.case_list (the one
    permission filter): a manager sees none without a break-glass read; nobody learns of other cases."""
    counted = _drilldown_counted(fiscal_year=fiscal_year, filters=filters)
    per_case = (
        counted.filter(case_id=OuterRef("pk")).order_by().values("case_id").annotate(n=Count("*")).values("n")
    )
    return (
        case_list(fetched_by=fetched_by)
        .filter(id__in=counted.values("case_id"))
        .annotate(counted_activities=Subquery(per_case))
        .select_related("area")
        .order_by("number")
    )


# --- export rows: one per counted activity, no personal data --------------------------------------------


def counted_activity_rows(
    *, fiscal_year: int, until: datetime.datetime | None = None, batch: int = EXPORT_BATCH
) -> Iterator[tuple]:
    """(Tokyo date-time, area, kind, case number, agencies) per counted activity, in id order, fetched in
    batches (keyset pagination: two queries a batch) so memory stays flat for a year of a million rows."""
    counted = counted_activities(fiscal_year=fiscal_year, until=until)
    kinds = dict(ActivityKind.choices)
    area_names = dict(Area.objects.values_list("id", "name"))
    through = Activity.partner_agencies.through.objects
    last_id = 0
    while True:
        chunk = list(
            counted.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "occurred_at", "area_id", "kind", "case__number")[:batch]
        )
        if not chunk:
            return
        agencies: dict[int, list[str]] = {}
        for activity_id, name in (
            through.filter(activity_id__in=[row[0] for row in chunk])
            .order_by("activity_id", "agency__code")
            .values_list("activity_id", "agency__name")
        ):
            agencies.setdefault(activity_id, []).append(name)
        for activity_id, occurred_at, area_id, kind, number in chunk:
            yield (
                occurred_at.astimezone(TOKYO).replace(tzinfo=None),
                area_names.get(area_id, ""),
                str(kinds.get(kind, kind)),
                number,
                "、".join(agencies.get(activity_id, [])),
            )
        last_id = chunk[-1][0]


# --- the other indicators ----------------------------------------------------------------------------------


def centre_usage_summary(*, fiscal_year: int) -> list[dict]:
    """Per centre: usage (all kinds), of which consultations and community support, vs targets."""
    start, end = fiscal_year_bounds(fiscal_year)
    sums: dict[tuple[int, str], int] = {
        (r["centre_id"], r["kind"]): r["n"]
        for r in CentreUsage.objects.filter(date__gte=start.date(), date__lt=end.date())
        .values("centre_id", "kind")
        .annotate(n=Sum("count"))
        .order_by()
    }
    targets = {
        (centre_id, code): value
        for centre_id, code, value in Target.objects.filter(
            fiscal_year=fiscal_year, indicator__code__in=CENTRE_INDICATORS, centre__isnull=False
        ).values_list("centre_id", "indicator__code", "value")
    }
    rows = []
    for centre in (
        Agency.objects.filter(is_centre=True).select_related("area").order_by("area__sort_order", "code")
    ):
        consultations = sums.get((centre.pk, CentreUsageKind.CONSULTATION), 0)
        community = sums.get((centre.pk, CentreUsageKind.COMMUNITY_SUPPORT), 0)
        usage = consultations + community + sums.get((centre.pk, CentreUsageKind.OTHER), 0)
        figures = {}
        for code, value in (
            (CENTRE_USAGE, usage),
            (CENTRE_CONSULTATIONS, consultations),
            (CENTRE_COMMUNITY_SUPPORT, community),
        ):
            target = targets.get((centre.pk, code))
            figures[code] = {"count": value, "target": target, "progress": _pct(value, target)}
        rows.append(
            {
                "centre": centre.code,
                "name": centre.name,
                "is_active": centre.is_active,
                "usage": figures[CENTRE_USAGE],
                "consultations": figures[CENTRE_CONSULTATIONS],
                "community_support": figures[CENTRE_COMMUNITY_SUPPORT],
            }
        )
    return rows


def network_meeting_summary(*, fiscal_year: int) -> dict:
    count = network_meeting_count(fiscal_year=fiscal_year)
    target = target_value(indicator=NETWORK_MEETINGS, fiscal_year=fiscal_year)
    return {"count": count, "target": target, "progress": _pct(count, target)}


def recent_centre_usage(*, user, limit: int = 20) -> QuerySet[CentreUsage]:
    return (
        CentreUsage.objects.filter(centre__in=centres_for_entry(user=user))
        .select_related("centre", "recorded_by")
        .order_by("-recorded_at", "-id")[:limit]
    )


def action_plan_grid(*, fiscal_years: list[int]) -> list[dict]:
    """社協アクションプラン: each item with its ◎ 〇 △ per fiscal year (None where not evaluated)."""
    grades = {
        (e.item_id, e.fiscal_year): e
        for e in ActionPlanEvaluation.objects.filter(fiscal_year__in=fiscal_years)
    }
    return [
        {"item": item, "grades": [grades.get((item.pk, fy)) for fy in fiscal_years]}
        for item in ActionPlanItem.objects.all()
    ]


def action_plan_years() -> list[int]:
    return sorted(set(ActionPlanEvaluation.objects.values_list("fiscal_year", flat=True)))


def action_plan_year_rows(*, fiscal_year: int) -> list[dict]:
    """One fiscal year's column of the grid, for the managers' form: each item and its grade ("" if none)."""
    grades = dict(
        ActionPlanEvaluation.objects.filter(fiscal_year=fiscal_year).values_list("item_id", "grade")
    )
    return [{"item": item, "grade": grades.get(item.pk, "")} for item in ActionPlanItem.objects.all()]


def network_meeting_list(*, fiscal_year: int):
    """The fiscal year's network meetings, newest first, with their participating agencies."""
    return (
        network_meetings_in_fiscal_year(fiscal_year)
        .select_related("recorded_by")
        .prefetch_related("agencies")
        .order_by("-held_on", "-id")
    )


def target_rows(*, fiscal_year: int) -> list[dict]:
    """The manager's target page: each indicator (per centre where it applies) and its value."""
    existing = {
        (t.indicator_id, t.area_id, t.centre_id): t.value
        for t in Target.objects.filter(fiscal_year=fiscal_year)
    }
    centres = list(Agency.objects.filter(is_centre=True).order_by("area__sort_order", "code"))
    rows = []
    for indicator in IndicatorDefinition.objects.all():
        if indicator.code in CENTRE_INDICATORS:
            for centre in centres:
                rows.append(
                    {
                        "indicator": indicator,
                        "centre": centre,
                        "value": existing.get((indicator.pk, None, centre.pk)),
                        "key": f"t-{indicator.code}-c-{centre.code}",
                    }
                )
        else:
            rows.append(
                {
                    "indicator": indicator,
                    "centre": None,
                    "value": existing.get((indicator.pk, None, None)),
                    "key": f"t-{indicator.code}",
                }
            )
    return rows
