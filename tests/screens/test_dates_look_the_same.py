"""Dates and times look the same on every page and in both languages: 2026/12/02 and 07:39 (the format
modules in config/formats). Fiscal years keep their era label in reports: 令和6(2024)年度; the printed case
file writes dates as the national forms do, with their era: 令和7年4月1日 (network.fiscal.wareki_date)."""

import datetime
import re

import pytest
from django.utils import translation
from django.utils.formats import date_format

from network.fiscal import reiwa_label
from tests.screens.pages import ROLES, ScreensWorld, html_pages, visible_text

# Shapes a display date or time must not take (a date's machine form stays in <time datetime="…">).
OTHER_SHAPES = {
    # a Western year in kanji; an era's year (令和7年4月1日, 昭和25年…) is the forms' own shape
    "kanji date": re.compile(r"(?<![和成正\d])\d{1,4}年\d{1,2}月\d{1,2}日"),
    "English month": re.compile(
        r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
    ),
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "ISO date-time": re.compile(r"\d{2}T\d{2}:\d{2}"),
    "day first or month first": re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"),
    "unpadded date": re.compile(r"\b\d{4}/(?:\d/\d{1,2}|\d{1,2}/\d)\b"),
    "unpadded hour": re.compile(r"(?<![\d:])\d:\d{2}\b"),
    "12-hour clock": re.compile(r"午前|午後|\b[ap]\.m\.|\b\d{1,2}:\d{2} ?[AaPp][Mm]\b|midnight|noon"),
}


def other_date_shapes(texts: list[str]) -> list[tuple[str, str]]:
    return [(name, text) for text in texts for name, shape in OTHER_SHAPES.items() if shape.search(text)]


@pytest.fixture
def world(db):
    return ScreensWorld()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_page_shows_a_date_or_time_in_another_shape(world, language):
    found = {}
    for role in ROLES:
        for path, html in html_pages(world, role, world.client(role, language)).items():
            if shapes := other_date_shapes(visible_text(html, language)):
                found[f"{role} {path}"] = shapes
    assert found == {}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_dates_and_times_are_zero_padded_year_first_with_a_24_hour_clock(language):
    moment = datetime.datetime(2026, 12, 2, 7, 39)
    with translation.override(language):
        assert date_format(moment.date()) == "2026/12/02"
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "2026/12/02"
        assert date_format(moment, "DATETIME_FORMAT") == "2026/12/02 07:39"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2026/12/02 07:39"
        assert date_format(moment.time(), "TIME_FORMAT") == "07:39"


def test_reports_label_the_fiscal_year_with_its_era():
    assert reiwa_label(2024) == "令和6(2024)年度"


def test_the_scan_finds_the_other_shapes():
    texts = ["2026年12月2日", "Dec. 2, 2026", "2026-12-02", "12/2/2026", "7:39", "午後3:00", "2026/12/02"]
    assert {name for name, _text in other_date_shapes(texts)} == set(OTHER_SHAPES) - {
        "ISO date-time",
        "unpadded date",
    }
    assert other_date_shapes(["2026/12/02 07:39", "2026-0001", "令和6(2024)年度", "30分"]) == []
    assert other_date_shapes(["令和7年4月1日", "令和10年12月31日", "昭和25年1月23日", "平成元年1月8日"]) == []
