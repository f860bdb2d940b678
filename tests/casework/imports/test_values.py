import datetime

import pytest

from casework.imports import values
from casework.imports.values import CellError


@pytest.mark.parametrize(
    "written",
    [
        "2022/5/1",
        "2022-05-01",
        "2022年5月1日",
        "R4.5.1",
        "R4/5/1",
        "令和4年5月1日",
        "r4.5.1",
        "２０２２／５／１",
        "Ｒ４．５．１",
        "令和４年５月１日",
        "2022-05-01 00:00:00",
        datetime.date(2022, 5, 1),
        datetime.datetime(2022, 5, 1, 9, 30),
        44682,
    ],
)
def test_every_spelling_of_a_date_reads_as_that_date(written):
    assert values.date_value(written) == datetime.date(2022, 5, 1)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("令和元年5月1日", datetime.date(2019, 5, 1)),
        ("H31.4.30", datetime.date(2019, 4, 30)),
        ("平成31年4月30日", datetime.date(2019, 4, 30)),
        ("S55.1.2", datetime.date(1980, 1, 2)),
        ("昭和55年1月2日", datetime.date(1980, 1, 2)),
    ],
)
def test_era_dates(written, expected):
    assert values.date_value(written) == expected


@pytest.mark.parametrize("written", ["H31.5.1", "R1.4.30", "2022/2/30", "来週", "R0.5.1", "2022/13/1"])
def test_impossible_or_unreadable_dates_are_errors_in_japanese(written):
    with pytest.raises(CellError) as error:
        values.date_value(written)
    assert "日付" in str(error.value) or "令和" in str(error.value) or "平成" in str(error.value)


def test_blank_dates_are_none():
    assert values.date_value(None) is None
    assert values.date_value("  ") is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("10:30", datetime.time(10, 30)),
        ("１０：３０", datetime.time(10, 30)),
        ("10時30分", datetime.time(10, 30)),
        ("9時", datetime.time(9, 0)),
        (datetime.time(14, 5), datetime.time(14, 5)),
        (0.5, datetime.time(12, 0)),
    ],
)
def test_times(written, expected):
    assert values.time_value(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"), [(30, 30), ("30", 30), ("３０分", 30), ("1時間30分", 90), ("", 0), (None, 0)]
)
def test_minutes(written, expected):
    assert values.minutes_value(written) == expected


@pytest.mark.parametrize("written", ["-5", "2000", "半日"])
def test_bad_minutes(written):
    with pytest.raises(CellError):
        values.minutes_value(written)


def test_lists_split_on_every_separator():
    assert values.split_list("a、b,c・d\ne，f") == ["a", "b", "c", "d", "e", "f"]


def test_issue_lists_take_labels_or_codes_and_keep_the_hoarding_label_whole():
    choices = values.issue_choices()
    assert values.issue_list("生活困窮、ひきこもり・8050問題\ndv", choices) == [
        "poverty",
        "hikikomori",
        "8050",
        "dv",
    ]
    assert values.issue_list("ごみ屋敷・セルフネグレクト", choices) == ["hoarding"]
    with pytest.raises(CellError):
        values.issue_list("生活困窮、宇宙人", choices)


def test_half_width_kana_becomes_full_width():
    assert values.text("ｶｸｳ ﾀﾛｳ") == "カクウ タロウ"
