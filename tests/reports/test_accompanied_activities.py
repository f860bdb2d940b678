"""延件数 and 実件数: what counts, once, in which fiscal month (Tokyo), and in which area."""

import pytest

from casework import services as casework_services
from reports.selectors import accompanied_activity_report
from tests import factories

from .conftest import jst


def report(fiscal_year=2024, **kwargs):
    return accompanied_activity_report(fiscal_year=fiscal_year, **kwargs)


def month(rep, key):
    return next(m for m in rep["months"] if m["month"] == key)


@pytest.fixture
def log(case, caseworker, partner):
    def log_one(when, *, agencies=None, kind="visit", on=None, by=None):
        return factories.log_activity(
            on or case,
            by=by or caseworker,
            when=when,
            kind=kind,
            agencies=[partner] if agencies is None else agencies,
        )

    return log_one


def test_an_activity_at_2330_jst_on_31_march_counts_in_the_old_year(log):
    log(jst(2025, 3, 31, 23, 30))

    assert report(2024)["total"] == 1
    assert month(report(2024), "2025-03")["count"] == 1
    assert report(2025)["total"] == 0


def test_an_activity_at_0030_jst_on_1_april_counts_in_the_new_year(log):
    log(jst(2025, 4, 1, 0, 30))

    assert report(2024)["total"] == 0
    assert month(report(2025), "2025-04")["count"] == 1


def test_month_edges_follow_tokyo_time_not_utc(log):
    log(jst(2024, 4, 30, 23, 59))  # 14:59 UTC on 30 April
    log(jst(2024, 5, 1, 0, 1))  # 15:01 UTC on 30 April: still April in UTC, May in Tokyo

    rep = report(2024)

    assert month(rep, "2024-04")["count"] == 1
    assert month(rep, "2024-05")["count"] == 1
    assert month(rep, "2024-05")["cumulative"] == 2


def test_voided_activities_and_activities_without_partner_count_nowhere(log, caseworker):
    log(jst(2024, 6, 1), agencies=[])
    voided = log(jst(2024, 6, 2))
    casework_services.activity_void(activity=voided, voided_by=caseworker, reason="誤登録")
    log(jst(2024, 6, 3))

    rep = report(2024)

    assert rep["total"] == 1
    assert month(rep, "2024-06")["count"] == 1


def test_an_activity_with_several_agencies_counts_once_in_total_but_once_per_agency(log, partner, partner_b):
    log(jst(2024, 7, 1), agencies=[partner, partner_b])

    rep = report(2024)

    assert rep["total"] == 1
    assert {(r["agency"], r["count"]) for r in rep["by_agency"]} == {("partner-a", 1), ("partner-b", 1)}


def test_unique_cases_count_each_case_once(log, caseworker, area):
    other = factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")
    log(jst(2024, 4, 5))
    log(jst(2024, 5, 5))
    log(jst(2024, 5, 6), on=other)

    rep = report(2024)

    assert (rep["total"], rep["unique_cases"]) == (3, 2)


def test_editing_an_activity_into_another_month_moves_its_count(log, caseworker):
    activity = log(jst(2024, 8, 31, 23, 0))
    casework_services.activity_edit(
        activity=activity, edited_by=caseworker, occurred_at=jst(2024, 9, 1, 9, 0)
    )

    rep = report(2024)

    assert month(rep, "2024-08")["count"] == 0
    assert month(rep, "2024-09")["count"] == 1


def test_removing_the_partners_of_an_activity_by_edit_stops_it_counting(log, caseworker):
    activity = log(jst(2024, 8, 1))
    casework_services.activity_edit(activity=activity, edited_by=caseworker, partner_agencies=[])

    assert report(2024)["total"] == 0


def test_the_area_breakdown_keeps_an_activity_in_the_area_that_held_the_case_then(
    log, case, caseworker, other_area, other_caseworker
):
    log(jst(2024, 4, 10))
    moved = casework_services.case_transfer(case=case, to_area=other_area, transferred_by=caseworker)
    log(jst(2024, 5, 10), by=other_caseworker, on=moved)

    by_area = {r["area"]: r["count"] for r in report(2024)["by_area"]}

    assert by_area["north"] == 1
    assert by_area["south"] == 1


def test_kind_and_main_issue_breakdowns(log, caseworker, area):
    hikikomori = factories.make_case(by=caseworker, area=area, issues=["hikikomori"], main_issue="hikikomori")
    log(jst(2024, 4, 1), kind="accompany")
    log(jst(2024, 4, 2), kind="visit", on=hikikomori)

    rep = report(2024)

    kinds = {r["kind"]: r["count"] for r in rep["by_kind"]}
    assert (kinds["accompany"], kinds["visit"], kinds["phone"]) == (1, 1, 0)
    assert {r["issue"]: r["count"] for r in rep["by_issue"]} == {"8050": 1, "hikikomori": 1}


def test_the_series_runs_april_to_march_with_cumulative_counts(log):
    log(jst(2024, 4, 1))
    log(jst(2024, 12, 1))
    log(jst(2025, 3, 1))

    rep = report(2024)

    assert [m["month"] for m in rep["months"]] == [
        "2024-04",
        "2024-05",
        "2024-06",
        "2024-07",
        "2024-08",
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    assert [m["cumulative"] for m in rep["months"]] == [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3]


def test_a_report_as_of_a_month_stops_there_and_marks_it(log):
    log(jst(2024, 10, 31, 23, 59))
    log(jst(2024, 11, 1, 0, 1))

    rep = report(2024, through=(2024, 10))

    assert rep["total"] == 1
    assert month(rep, "2024-10")["is_report_month"]
    assert not month(rep, "2024-11")["elapsed"]
    assert rep["months_elapsed"] == 7
