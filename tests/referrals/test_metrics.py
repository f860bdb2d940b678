"""referral_metrics: median response in business days, acceptance rate, overdue count, by destination."""

import datetime

from referrals import selectors


def test_metrics_of_a_fiscal_year(known_referrals):
    metrics = selectors.referral_metrics(fiscal_year=2025)
    assert metrics["total"] == 2 and metrics["answered"] == 2
    assert metrics["acceptance_rate"] == 0.5
    assert metrics["median_response_business_days"] == 2.5  # 1 and 4 business days
    assert metrics["overdue"] == 1
    by = {row["code"]: row for row in metrics["by_destination"]}
    assert by["south"]["acceptance_rate"] == 1.0 and by["east"]["overdue"] == 1
    assert selectors.referral_metrics(fiscal_year=2024)["total"] == 0
    ranged = selectors.referral_metrics(start=datetime.date(2025, 4, 30), end=datetime.date(2025, 4, 30))
    assert ranged["total"] == 2
