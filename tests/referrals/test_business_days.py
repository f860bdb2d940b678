import datetime

import pytest

from referrals.business_days import add_business_days, business_days_between, is_business_day

D = datetime.date


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 4, 30), 3, D(2025, 5, 7)),  # Golden Week: 3 (Sat) 4 (Sun) 5 (こどもの日) 6 (振替休日)
        (D(2025, 4, 28), 1, D(2025, 4, 30)),  # 29 April 昭和の日
        (D(2024, 12, 27), 1, D(2025, 1, 6)),  # year-end closure 29 Dec – 3 Jan, then a weekend
        (D(2025, 12, 26), 1, D(2026, 1, 5)),  # 27–28 weekend, closure to 3 Jan, 4 Jan Sunday
        (D(2026, 1, 9), 1, D(2026, 1, 13)),  # 12 Jan 2026 成人の日
        (D(2025, 6, 2), 3, D(2025, 6, 5)),  # an ordinary week
        (D(2025, 6, 6), 1, D(2025, 6, 9)),  # Friday → Monday
        (D(2025, 6, 7), 0, D(2025, 6, 7)),
    ],
)
def test_add_business_days(start, n, expected):
    assert add_business_days(start, n) == expected


def test_holidays_weekends_and_closure_are_not_business_days():
    assert not is_business_day(D(2025, 5, 6))  # 振替休日
    assert not is_business_day(D(2025, 9, 23))  # 秋分の日
    assert not is_business_day(D(2025, 12, 29))  # a Monday, but the office is closed
    assert not is_business_day(D(2026, 1, 2))
    assert not is_business_day(D(2025, 6, 7))  # Saturday
    assert is_business_day(D(2025, 12, 26))
    assert is_business_day(D(2026, 1, 5))


def test_between_is_the_inverse_of_add():
    start = D(2025, 4, 25)
    for n in range(0, 15):
        assert business_days_between(start, add_business_days(start, n)) == n


def test_between_counts_backwards_as_negative():
    assert business_days_between(D(2025, 5, 7), D(2025, 4, 30)) == -3
    assert business_days_between(D(2024, 12, 27), D(2025, 1, 6)) == 1


def test_negative_n_is_refused():
    with pytest.raises(ValueError):
        add_business_days(D(2025, 1, 6), -1)
