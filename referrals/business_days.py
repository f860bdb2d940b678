"""Business days (営業日) of the council: not weekends, not Japanese public holidays (振替休日 and 国民の休日
included, as jpholiday knows them), not the year-end closure 29 December – 3 January."""

from __future__ import annotations

import datetime

import jpholiday


def is_year_end_closure(day: datetime.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and not is_year_end_closure(day) and not jpholiday.is_holiday(day)


def add_business_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th business day after `start` (`start` itself does not count; n=0 gives `start`)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return day


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """Business days d with start < d <= end (negative when end is before start), so that
    business_days_between(d, add_business_days(d, n)) == n."""
    if end < start:
        return -business_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_business_day(day):
            count += 1
    return count
