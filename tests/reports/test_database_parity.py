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
