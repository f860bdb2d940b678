"""Fiscal-year maths (network.fiscal, the one module): properties over any instant, and the edges."""

import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from network.fiscal import (
    TOKYO,
    fiscal_month_index,
    fiscal_months,
    fiscal_months_elapsed,
    fiscal_year_bounds,
    fiscal_year_of,
    reiwa_label,
)

UTC = datetime.UTC
instants = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2090, 12, 31), timezones=st.just(UTC)
)


@given(instants)
def test_every_instant_lies_within_the_bounds_of_its_fiscal_year(moment):
    start, end = fiscal_year_bounds(fiscal_year_of(moment))

    assert start <= moment < end


@given(instants, st.sampled_from(["UTC", "America/Los_Angeles", "Asia/Tokyo", "Europe/London"]))
def test_the_fiscal_year_does_not_depend_on_the_zone_the_instant_is_written_in(moment, zone):
    assert fiscal_year_of(moment.astimezone(ZoneInfo(zone))) == fiscal_year_of(moment)


@given(st.integers(min_value=2000, max_value=2090))
def test_consecutive_fiscal_years_meet_without_gap_or_overlap(fiscal_year):
    assert fiscal_year_bounds(fiscal_year)[1] == fiscal_year_bounds(fiscal_year + 1)[0]


@given(st.integers(min_value=2000, max_value=2090))
def test_a_fiscal_year_has_twelve_months_april_to_march_indexed_one_to_twelve(fiscal_year):
    months = fiscal_months(fiscal_year)

    assert months[0] == (fiscal_year, 4) and months[-1] == (fiscal_year + 1, 3)
    assert [fiscal_month_index(y, m) for y, m in months] == list(range(1, 13))


@given(
    st.integers(min_value=2000, max_value=2090),
    st.dates(datetime.date(1999, 1, 1), datetime.date(2092, 1, 1)),
    st.dates(datetime.date(1999, 1, 1), datetime.date(2092, 1, 1)),
)
def test_months_elapsed_grows_with_the_day_and_stays_within_zero_and_twelve(fiscal_year, a, b):
    early, late = sorted((a, b))

    assert 0 <= fiscal_months_elapsed(fiscal_year, early) <= fiscal_months_elapsed(fiscal_year, late) <= 12


def test_2330_jst_on_31_march_belongs_to_the_old_year_and_0030_on_1_april_to_the_new():
    assert fiscal_year_of(datetime.datetime(2025, 3, 31, 23, 30, tzinfo=TOKYO)) == 2024
    assert fiscal_year_of(datetime.datetime(2025, 4, 1, 0, 30, tzinfo=TOKYO)) == 2025
    # the same instants in UTC, as the database stores them: still Tokyo's fiscal year
    assert fiscal_year_of(datetime.datetime(2025, 3, 31, 14, 30, tzinfo=UTC)) == 2024
    assert fiscal_year_of(datetime.datetime(2025, 3, 31, 15, 30, tzinfo=UTC)) == 2025


def test_months_elapsed_counts_the_current_month_pro_rata():
    assert fiscal_months_elapsed(2024, datetime.date(2024, 3, 31)) == 0
    assert fiscal_months_elapsed(2024, datetime.date(2024, 4, 30)) == 1
    assert fiscal_months_elapsed(2024, datetime.date(2024, 5, 16)) == 1 + 16 / 31
    assert fiscal_months_elapsed(2024, datetime.date(2025, 3, 31)) == 12
    assert fiscal_months_elapsed(2024, datetime.date(2025, 4, 1)) == 12


def test_reiwa_labels_name_both_eras_and_the_western_year():
    assert reiwa_label(2024) == "令和6(2024)年度"
    assert reiwa_label(2022) == "令和4(2022)年度"
    assert reiwa_label(2019) == "令和元(2019)年度"
