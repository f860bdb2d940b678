"""Dates as the national forms write them (和暦), for the printed case file."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from casework.imports.values import date_value
from network.fiscal import wareki_date


def test_each_era_starts_with_its_first_year_and_the_day_before_is_the_old_era():
    assert wareki_date(datetime.date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki_date(datetime.date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki_date(datetime.date(2025, 4, 1)) == "令和7年4月1日"
    assert wareki_date(datetime.date(1989, 1, 8)) == "平成元年1月8日"
    assert wareki_date(datetime.date(1989, 1, 7)) == "昭和64年1月7日"
    assert wareki_date(datetime.date(1950, 1, 23)) == "昭和25年1月23日"
    assert wareki_date(datetime.date(1926, 12, 25)) == "昭和元年12月25日"
    assert wareki_date(datetime.date(1926, 12, 24)) == "大正15年12月24日"
    assert wareki_date(datetime.date(1900, 1, 1)) == "1900年1月1日"


@given(st.dates(min_value=datetime.date(1926, 12, 25), max_value=datetime.date(2100, 12, 31)))
def test_the_ledger_import_reads_back_what_the_print_writes(day):
    assert date_value(wareki_date(day)) == day
