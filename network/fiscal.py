"""Japanese fiscal-year (年度) maths: 1 April to 31 March, in Asia/Tokyo local time.

It lives in `network`, the lowest app, because casework numbers cases per fiscal year and
reports count per fiscal year; both import it from here (one fiscal-year function).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TOKYO = ZoneInfo("Asia/Tokyo")
REIWA_OFFSET = 2018  # 令和N年度 = FY(2018 + N)
MIN_FISCAL_YEAR = 2000
MAX_FISCAL_YEAR = 2100


def fiscal_year_of_date(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_of(moment: datetime) -> int:
    """The fiscal year of an aware datetime, by its Tokyo local date."""
    if moment.tzinfo is None:
        raise ValueError("fiscal_year_of needs an aware datetime")
    return fiscal_year_of_date(moment.astimezone(TOKYO).date())


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime, datetime]:
    """[start, end) of a fiscal year as aware Tokyo datetimes."""
    return (datetime(fiscal_year, 4, 1, tzinfo=TOKYO), datetime(fiscal_year + 1, 4, 1, tzinfo=TOKYO))


def fiscal_months(fiscal_year: int) -> list[tuple[int, int]]:
    """The twelve (year, month) pairs of a fiscal year, April to March."""
    return [(fiscal_year, m) for m in range(4, 13)] + [(fiscal_year + 1, m) for m in range(1, 4)]


def reiwa_label(fiscal_year: int) -> str:
    """令和6(2024)年度; 令和元(2019)年度 for the first year of the era."""
    era, n = (
        ("令和", fiscal_year - REIWA_OFFSET) if fiscal_year > REIWA_OFFSET else ("平成", fiscal_year - 1988)
    )
    era_year = "元" if n == 1 else str(n)
    return f"{era}{era_year}({fiscal_year})年度"


# The eras a date on a Japanese form is written in: (name, first day, last day). 25 Dec 1926 was the last
# day of 大正 and the first of 昭和; a date is written in the later era.
ERAS: tuple[tuple[str, date, date], ...] = (
    ("令和", date(2019, 5, 1), date(9999, 12, 31)),
    ("平成", date(1989, 1, 8), date(2019, 4, 30)),
    ("昭和", date(1926, 12, 25), date(1989, 1, 7)),
    ("大正", date(1912, 7, 30), date(1926, 12, 25)),
)


def wareki_date(day: date) -> str:
    """The date as the national forms write it (和暦): 令和7年4月1日, 令和元年5月1日, 昭和25年1月23日.
    A date before 大正 keeps the Western year (1900年1月1日)."""
    for era, first, _last in ERAS:
        if day >= first:
            n = day.year - first.year + 1
            return f"{era}{'元' if n == 1 else n}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def fiscal_month_index(year: int, month: int) -> int:
    """1 for April … 12 for March: how many months of the fiscal year have elapsed at that month's end."""
    return (month - 4) % 12 + 1


def fiscal_months_elapsed(fiscal_year: int, day: date) -> float:
    """Months of the fiscal year elapsed by the end of `day` (Tokyo date), the current month pro rata:
    0 before the year, 12 after it. Used for pace and year-end projections."""
    start, end = fiscal_year_bounds(fiscal_year)
    if day < start.date():
        return 0.0
    if day >= end.date():
        return 12.0
    full = fiscal_month_index(day.year, day.month) - 1
    next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    days_in_month = (next_month - date(day.year, day.month, 1)).days
    return full + day.day / days_in_month


def parse_fiscal_year(value) -> int:
    """`?fiscal_year=2024` → 2024, or ValidationError (API: 400) saying what would be right."""
    text = str(value or "").strip()
    if not text:
        raise ValidationError({"fiscal_year": [_("Give the fiscal year, e.g. fiscal_year=2024.")]})
    if not text.isdigit() or not MIN_FISCAL_YEAR <= int(text) <= MAX_FISCAL_YEAR:
        raise ValidationError(
            {
                "fiscal_year": [
                    _("The fiscal year must be a year between %(min)s and %(max)s, e.g. 2024.")
                    % {"min": MIN_FISCAL_YEAR, "max": MAX_FISCAL_YEAR}
                ]
            }
        )
    return int(text)
