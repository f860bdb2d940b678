"""The year's figures in the national frame (issue #12): the counts defined in reports/indicators.py,
aggregated by Tokyo month (and category) in the database for one fiscal year and one area or all.

One GROUP BY per count (TruncMonth over the date that decides the month), one more for the distinct-case
count's year total; nothing loops over rows in Python. Pages, exports, print and API read `national_figures`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from casework.models import ClosureReason, MeetingKind, ReferralSource
from network.fiscal import fiscal_months, fiscal_year_bounds, reiwa_label
from network.models import Area

from . import indicators as ind
from .selectors import unique_cases_by_month, unique_cases_in_year


@dataclass(frozen=True)
class _Row:
    indicator: str
    category: str | None
    name: Callable[[], str]


@dataclass(frozen=True)
class _Section:
    code: str
    name: Callable[[], str]
    definition: Callable[[], str]
    query: Callable[[int], QuerySet]
    rows: tuple[_Row, ...]
    distinct_cases: bool = False  # count distinct cases: the year is not the sum of its months
    with_total: bool = False
    indicator_of: Callable[[str | None], str] | None = None  # for sections whose rows are separate counts
    # where the roll-ups hold the figure (O(months) rows, not O(activities)); `query` stays its definition,
    # the reference the parity tests and `verify_rollups` recount against
    from_rollups: Callable[[int, Area | None], tuple[dict, dict]] | None = None


def _referral_source_name(code: str) -> Callable[[], str]:
    if code == ReferralSource.OTHER:
        return lambda: _("Other (outreach included)")
    return lambda: str(ReferralSource(code).label)


def _closure_reason_name(code: str) -> Callable[[], str]:
    return lambda: str(ClosureReason(code).label)


def _one_row(code: str, *, name: Callable[[], str], **fields) -> _Section:
    """A section of one count in one row named as the section (most of the national form)."""
    return _Section(code=code, name=name, rows=(_Row(code, None, name),), **fields)


def _meeting_sections(kind: str, meetings: tuple, cases: tuple) -> tuple[_Section, _Section]:
    """The meetings of one kind held, and the cases discussed at them (once per case per meeting)."""
    (meetings_code, meetings_name), (cases_code, cases_name) = meetings, cases
    return (
        _one_row(
            meetings_code,
            name=meetings_name,
            definition=lambda: _("Meeting records by the date held, for the area team that held them."),
            query=lambda fy: ind.national_meetings(fiscal_year=fy, kind=kind),
        ),
        _one_row(
            cases_code,
            name=cases_name,
            definition=lambda: _("One per case per meeting, by the meeting's date."),
            query=lambda fy: ind.national_meeting_cases(fiscal_year=fy, kind=kind),
        ),
    )


SECTIONS: tuple[_Section, ...] = (
    _Section(
        code=ind.NATIONAL_NEW_CONSULTATIONS,
        name=lambda: _("New consultations by referral source"),
        definition=lambda: _("Cases opened, by the date of intake."),
        query=lambda fy: ind.national_new_consultations(fiscal_year=fy),
        rows=(
            *(
                _Row(ind.NATIONAL_NEW_CONSULTATIONS, code, _referral_source_name(code))
                for code in ind.NATIONAL_REFERRAL_SOURCES
            ),
            _Row(ind.NATIONAL_NEW_CONSULTATIONS, ind.NOT_RECORDED, lambda: _("Not recorded")),
        ),
        with_total=True,
    ),
    _Section(
        code=ind.NATIONAL_MULTI_AGENCY_CASES,
        name=lambda: _("Multi-agency cases"),
        definition=lambda: _(
            "Distinct cases with at least one activity done together with a partner agency (not voided); "
            "the year counts each case once."
        ),
        query=lambda fy: ind.national_multi_agency_cases(fiscal_year=fy),
        rows=(_Row(ind.NATIONAL_MULTI_AGENCY_CASES, None, lambda: _("Multi-agency cases (unique)")),),
        distinct_cases=True,
        from_rollups=lambda fy, area: _multi_agency_cases_from_rollups(fiscal_year=fy, area=area),
    ),
    _one_row(
        ind.NATIONAL_PLANS_MADE,
        name=lambda: _("Plans made"),
        definition=lambda: _("A case's first plan, by the date it was made."),
        query=lambda fy: ind.national_plans_made(fiscal_year=fy),
    ),
    _one_row(
        ind.NATIONAL_PLANS_REVIEWED,
        name=lambda: _("Plans reviewed"),
        definition=lambda: _("Plan evaluations, whatever their decision, by the evaluation date."),
        query=lambda fy: ind.national_plans_reviewed(fiscal_year=fy),
    ),
    *_meeting_sections(
        MeetingKind.SUPPORT,
        (ind.NATIONAL_SUPPORT_MEETINGS, lambda: _("Support meetings held")),
        (ind.NATIONAL_SUPPORT_MEETING_CASES, lambda: _("Cases discussed at support meetings")),
    ),
    *_meeting_sections(
        MeetingKind.MULTI_AGENCY,
        (ind.NATIONAL_MULTI_AGENCY_MEETINGS, lambda: _("Multi-agency support meetings held")),
        (
            ind.NATIONAL_MULTI_AGENCY_MEETING_CASES,
            lambda: _("Cases discussed at multi-agency support meetings"),
        ),
    ),
    _Section(
        code=ind.NATIONAL_CLOSURES,
        name=lambda: _("Closures by reason"),
        definition=lambda: _("Cases closed now, by the closure date; a reopened case is not a closure."),
        query=lambda fy: ind.national_closures(fiscal_year=fy),
        rows=tuple(
            _Row(ind.NATIONAL_CLOSURES, code, _closure_reason_name(code))
            for code in ind.NATIONAL_CLOSURE_REASONS
        ),
        with_total=True,
    ),
)

# The page groups the one-row counts under headings of the national form.
GROUPS: tuple[tuple[Callable[[], str], tuple[str, ...]], ...] = (
    (lambda: _("Consultations"), (ind.NATIONAL_NEW_CONSULTATIONS,)),
    (lambda: _("Multi-agency collaboration"), (ind.NATIONAL_MULTI_AGENCY_CASES,)),
    (lambda: _("Plans"), (ind.NATIONAL_PLANS_MADE, ind.NATIONAL_PLANS_REVIEWED)),
    (
        lambda: _("Meetings"),
        (
            ind.NATIONAL_SUPPORT_MEETINGS,
            ind.NATIONAL_SUPPORT_MEETING_CASES,
            ind.NATIONAL_MULTI_AGENCY_MEETINGS,
            ind.NATIONAL_MULTI_AGENCY_MEETING_CASES,
        ),
    ),
    (lambda: _("Closures"), (ind.NATIONAL_CLOSURES,)),
)


def _month_key(value: datetime.date | datetime.datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _multi_agency_cases_from_rollups(*, fiscal_year: int, area: Area | None) -> tuple[dict, dict]:
    """多機関協働ケース数 from the roll-ups' 実件数 (the rule of `national_multi_agency_cases`)."""
    by_month = unique_cases_by_month(fiscal_year=fiscal_year, by_area=area is not None)
    monthly = {
        (None, _month_key(datetime.date(key[0], key[1], 1))): n
        for key, n in by_month.items()
        if area is None or key[2] == area.pk
    }
    year = unique_cases_in_year(fiscal_year=fiscal_year)
    total = year["total"] if area is None else year["by_area"].get(area.pk, 0)
    return monthly, {None: total}


def _counts(section: _Section, *, fiscal_year: int, area: Area | None) -> tuple[dict, dict]:
    """(category, "YYYY-MM") → count, and category → the year's count (distinct cases where it says)."""
    if section.from_rollups is not None:
        return section.from_rollups(fiscal_year, area)
    queryset = section.query(fiscal_year)
    if area is not None:
        queryset = queryset.filter(area_held=area.pk)
    measure = Count("case_id", distinct=True) if section.distinct_cases else Count("*")
    has_category = section.rows[0].category is not None
    group = ["month", "category"] if has_category else ["month"]
    monthly: dict[tuple[str | None, str], int] = {}
    rows = queryset.annotate(month=TruncMonth("day")).values(*group).annotate(n=measure).order_by()
    for row in rows:
        monthly[(row.get("category"), _month_key(row["month"]))] = row["n"]
    yearly: dict[str | None, int] = {}
    if section.distinct_cases:
        yearly[None] = queryset.aggregate(n=measure)["n"]
    else:
        for (category, _month), n in monthly.items():
            yearly[category] = yearly.get(category, 0) + n
    return monthly, yearly


def parse_area(value) -> Area | None:
    """`?area=` an area code, or blank for all areas; an unknown code is a ValidationError (400)."""
    code = str(value or "").strip()
    if not code:
        return None
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationError({"area": [_("Choose one of the areas, or none for all areas.")]})
    return area


def national_figures(*, fiscal_year: int, area: Area | None = None) -> dict:
    """The year's figures: for every count and category, the twelve months April → March and the year."""
    months = [f"{y:04d}-{m:02d}" for y, m in fiscal_months(fiscal_year)]
    start, end = fiscal_year_bounds(fiscal_year)
    sections = []
    for section in SECTIONS:
        monthly, yearly = _counts(section, fiscal_year=fiscal_year, area=area)
        rows = [
            {
                "indicator": row.indicator,
                "category": row.category,
                "name": row.name(),
                "months": [monthly.get((row.category, key), 0) for key in months],
                "total": yearly.get(row.category, 0),
            }
            for row in section.rows
        ]
        total = None
        if section.with_total:
            total = {
                "name": _("Total"),
                "months": [sum(r["months"][i] for r in rows) for i in range(12)],
                "total": sum(r["total"] for r in rows),
            }
        sections.append(
            {
                "code": section.code,
                "name": section.name(),
                "definition": section.definition(),
                "rows": rows,
                "total": total,
            }
        )
    by_code = {s["code"]: s for s in sections}
    return {
        "fiscal_year": fiscal_year,
        "label": reiwa_label(fiscal_year),
        "label_western": f"{fiscal_year}年度",
        "period": {
            "start": start.date().isoformat(),
            "end": (end.date() - datetime.timedelta(days=1)).isoformat(),
        },
        "area": area.code if area is not None else None,
        "area_name": area.name if area is not None else _("All areas"),
        "months": months,
        "sections": sections,
        "groups": [{"name": name(), "sections": [by_code[c] for c in codes]} for name, codes in GROUPS],
    }


def figure(report: dict, indicator: str, category: str | None = None) -> dict:
    """One row of `national_figures` by its count and category (tests, exports)."""
    for section in report["sections"]:
        for row in section["rows"]:
            if row["indicator"] == indicator and row["category"] == category:
                return row
    raise KeyError((indicator, category))
