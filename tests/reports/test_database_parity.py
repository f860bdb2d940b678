"""The same figures on SQLite and PostgreSQL: the service's ORM aggregation against a hand-written GROUP BY
on whichever database runs the suite (.ci/run runs it on both).

The hand-written SQL decides "with a partner agency" from the partner agencies themselves (EXISTS on the
through table), not from the activity's stored `has_partner` flag the service reads: so a flag that drifts
from the agencies (an edit that adds or removes them) shows as a difference instead of agreeing with itself.
"""

import datetime
import random

import pytest
from django.db import connection

from casework import services as casework_services
from network.fiscal import TOKYO, fiscal_year_bounds
from reports.selectors import accompanied_activity_report
from tests import factories

# Counted: not voided, and at least one partner agency in the through table (DESIGN.md, 延件数).
HAS_PARTNER = (
    "EXISTS (SELECT 1 FROM casework_activity_partner_agencies p WHERE p.activity_id = {activity}.id)"
)


def _raw_monthly(fiscal_year: int) -> dict[str, int]:
    start, end = fiscal_year_bounds(fiscal_year)
    if connection.vendor == "postgresql":
        month = "to_char(occurred_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM')"
    else:  # SQLite stores UTC text; Tokyo has no daylight saving time
        month = "strftime('%%Y-%%m', datetime(occurred_at, '+9 hours'))"
    sql = (
        f"SELECT {month} AS m, COUNT(*) FROM casework_activity "
        f"WHERE NOT voided AND {HAS_PARTNER.format(activity='casework_activity')} "
        "AND occurred_at >= %s AND occurred_at < %s GROUP BY m ORDER BY m"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)])
        return dict(cursor.fetchall())


def _raw_by_area(fiscal_year: int) -> dict[str, int]:
    start, end = fiscal_year_bounds(fiscal_year)
    sql = (
        "SELECT a.code, COUNT(*) FROM casework_activity x JOIN network_area a ON a.id = x.area_id "
        f"WHERE NOT x.voided AND {HAS_PARTNER.format(activity='x')} "
        "AND x.occurred_at >= %s AND x.occurred_at < %s GROUP BY a.code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)])
        return dict(cursor.fetchall())


@pytest.fixture
def mixed_year(seeded, case, caseworker, partner, partner_b, other_area):
    rng = random.Random(20240401)
    # edge instants: month and year boundaries in Tokyo, which are the previous day in UTC
    edges = [
        datetime.datetime(2024, 4, 1, 0, 0),
        datetime.datetime(2024, 4, 30, 23, 59),
        datetime.datetime(2024, 5, 1, 0, 0),
        datetime.datetime(2024, 12, 31, 23, 59, 59),
        datetime.datetime(2025, 1, 1, 8, 59),
        datetime.datetime(2025, 3, 31, 23, 59, 59),
        datetime.datetime(2025, 4, 1, 0, 0),
        datetime.datetime(2024, 3, 31, 23, 59),
    ]
    moments = [e.replace(tzinfo=TOKYO) for e in edges] + [
        datetime.datetime(2024, 4, 1, tzinfo=TOKYO)
        + datetime.timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        for _ in range(60)
    ]
    for i, when in enumerate(moments):
        agencies = [[], [partner], [partner, partner_b]][i % 3]
        activity = factories.log_activity(case, by=caseworker, when=when, agencies=agencies)
        if i % 11 == 0:
            casework_services.activity_void(activity=activity, voided_by=caseworker, reason="取消")
        elif i % 7 == 1 and i < 30:
            # Corrected later: partner agencies removed from one with some, added to one with none.
            casework_services.activity_edit(
                activity=activity, edited_by=caseworker, partner_agencies=[] if agencies else [partner_b]
            )
        if i == 30:
            case = casework_services.case_transfer(case=case, to_area=other_area, transferred_by=caseworker)
            caseworker = factories.make_staff("cw_parity", area=other_area)


def test_monthly_counts_match_a_hand_written_group_by(mixed_year):
    report = accompanied_activity_report(fiscal_year=2024)

    service = {m["month"]: m["count"] for m in report["months"] if m["count"]}
    assert service == _raw_monthly(2024)
    assert report["total"] == sum(_raw_monthly(2024).values())


def test_area_counts_match_a_hand_written_group_by(mixed_year):
    report = accompanied_activity_report(fiscal_year=2024)

    assert {r["area"]: r["count"] for r in report["by_area"] if r["count"]} == _raw_by_area(2024)


# --- the year's figures in the national frame (reports/indicators.py) -----------------------------------


def _month_of_date(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def _raw(sql: str, params=()) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return {tuple(row[:-1]) if len(row) > 2 else row[0]: row[-1] for row in cursor.fetchall()}


FY2024_DATES = [datetime.date(2024, 4, 1), datetime.date(2025, 4, 1)]


@pytest.fixture
def national_year(mixed_year, caseworker, area):
    """Intakes, plans, meetings and closures on both sides of each edge of FY2024, on top of mixed_year's
    activities (which make the multi-agency cases)."""
    from casework import meeting_services

    rng = random.Random(20250331)
    days = [datetime.date(2024, 3, 31), datetime.date(2024, 4, 1), datetime.date(2025, 3, 31)] + [
        datetime.date(2024, 4, 1) + datetime.timedelta(days=rng.randrange(0, 365)) for _ in range(20)
    ]
    sources = ["self", "family", "minsei", "community", "agency", "government", "outreach", "other", ""]
    reasons = ["goal_achieved", "handed_over", "moved", "deceased", "declined", "unreachable", "other"]
    cases = []
    for i, day in enumerate(days):
        case = factories.make_case(by=caseworker, area=area, opened_on=day, referral_source=sources[i % 9])
        cases.append(case)
        if i % 2 == 0:
            casework_services.plan_create(case=case, created_by=caseworker, created_on=day)
        if i % 4 == 0:
            plan = casework_services.plan_create(case=case, created_by=caseworker, created_on=day)
            casework_services.plan_evaluate(
                plan=plan,
                evaluated_by=caseworker,
                results=[],
                decision="continue",
                evaluated_on=day,
                next_review_on=day + datetime.timedelta(days=30),
            )
        if i % 3 == 0:
            casework_services.case_change_status(
                case=case, changed_by=caseworker, status="closed", closure_reason=reasons[i % 7], on=day
            )
    for i, day in enumerate(days[:12]):
        meeting_services.meeting_record(
            recorded_by=caseworker,
            kind=["support", "multi_agency", "case_conference"][i % 3],
            area=area,
            held_on=day,
            agencies=[factories.make_agency()],
            discussions=[meeting_services.Discussion(case=c) for c in cases[i : i + 1 + i % 3]],
            confidentiality_acknowledged=True,
        )


def _national(indicator, category=None):
    from reports.national import figure, national_figures

    report = national_figures(fiscal_year=2024)
    row = figure(report, indicator, category)
    return {m: n for m, n in zip(report["months"], row["months"], strict=True) if n}


def test_new_consultations_match_a_hand_written_group_by(national_year):
    raw = _raw(
        f"SELECT {_month_of_date('opened_on')} AS m, referral_source, COUNT(*) FROM casework_case "
        "WHERE opened_on >= %s AND opened_on < %s GROUP BY m, referral_source",
        FY2024_DATES,
    )
    for source in ("self", "family", "minsei", "community", "agency", "government"):
        assert _national("new_consultations", source) == {m: n for (m, s), n in raw.items() if s == source}
    other = {}
    for (m, s), n in raw.items():
        if s in ("other", "outreach"):
            other[m] = other.get(m, 0) + n
    assert _national("new_consultations", "other") == other
    assert _national("new_consultations", "not_recorded") == {m: n for (m, s), n in raw.items() if s == ""}


def test_multi_agency_cases_match_a_hand_written_group_by(national_year):
    start, end = fiscal_year_bounds(2024)
    if connection.vendor == "postgresql":
        month = "to_char(occurred_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM')"
    else:
        month = "strftime('%%Y-%%m', datetime(occurred_at, '+9 hours'))"
    raw = _raw(
        f"SELECT {month} AS m, COUNT(DISTINCT case_id) FROM casework_activity "
        f"WHERE NOT voided AND {HAS_PARTNER.format(activity='casework_activity')} "
        "AND occurred_at >= %s AND occurred_at < %s GROUP BY m",
        [start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)],
    )
    assert _national("multi_agency_cases") == raw


def test_plans_made_and_reviewed_match_a_hand_written_group_by(national_year):
    first = (
        "NOT EXISTS (SELECT 1 FROM casework_supportplan e WHERE e.case_id = p.case_id AND "
        "(e.created_on < p.created_on OR (e.created_on = p.created_on AND e.id < p.id)))"
    )
    sql = (
        f"SELECT {_month_of_date('p.created_on')} AS m, COUNT(*) FROM casework_supportplan p "
        "WHERE p.created_on >= %s AND p.created_on < %s AND {cond} GROUP BY m"
    )
    assert _national("plans_made") == _raw(sql.format(cond=first), FY2024_DATES)
    reviewed = _raw(
        f"SELECT {_month_of_date('evaluated_on')} AS m, COUNT(*) FROM casework_planevaluation "
        "WHERE evaluated_on >= %s AND evaluated_on < %s GROUP BY m",
        FY2024_DATES,
    )
    assert reviewed and _national("plans_reviewed") == reviewed


def test_meetings_and_cases_discussed_match_a_hand_written_group_by(national_year):
    held = _raw(
        f"SELECT {_month_of_date('held_on')} AS m, kind, COUNT(*) FROM casework_supportmeeting "
        "WHERE held_on >= %s AND held_on < %s GROUP BY m, kind",
        FY2024_DATES,
    )
    discussed = _raw(
        f"SELECT {_month_of_date('m.held_on')} AS mm, m.kind, COUNT(*) FROM casework_discussedcase d "
        "JOIN casework_supportmeeting m ON m.id = d.meeting_id "
        "WHERE m.held_on >= %s AND m.held_on < %s GROUP BY mm, m.kind",
        FY2024_DATES,
    )
    for kind, held_code, cases_code in (
        ("support", "support_meetings", "support_meeting_cases"),
        ("multi_agency", "multi_agency_meetings", "multi_agency_meeting_cases"),
    ):
        assert _national(held_code) == {m: n for (m, k), n in held.items() if k == kind}
        assert _national(cases_code) == {m: n for (m, k), n in discussed.items() if k == kind}


def test_closures_match_a_hand_written_group_by(national_year):
    raw = _raw(
        f"SELECT {_month_of_date('closed_on')} AS m, closure_reason, COUNT(*) FROM casework_case "
        "WHERE status = 'closed' AND closed_on >= %s AND closed_on < %s GROUP BY m, closure_reason",
        FY2024_DATES,
    )
    for reason in ("goal_achieved", "handed_over", "moved", "deceased", "declined", "unreachable", "other"):
        assert _national("closures", reason) == {m: n for (m, r), n in raw.items() if r == reason}
    assert sum(raw.values()) > 0
