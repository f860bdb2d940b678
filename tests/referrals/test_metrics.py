"""referral_metrics: median response in business days, acceptance rate, overdue count, by destination."""

import datetime

from network.fiscal import TOKYO
from referrals import selectors, services
from referrals.models import Referral
from tests import factories


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TOKYO)


def test_metrics_of_a_fiscal_year(case, caseworker, other_area, south_coordinator):
    east = factories.make_area("east")
    east_coordinator = factories.make_staff("co_east", role="coordinator", area=east)
    first = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_area=other_area, reason="a"
    )
    services.referral_accept(referral=first, accepted_by=south_coordinator)
    second = services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_area=east, reason="b"
    )
    services.referral_decline(referral=second, declined_by=east_coordinator, reason="no")
    # requested Wed 30 April 2025, due 7 May (Golden Week); answered 1 May and 8 May
    Referral.objects.filter(pk=first.pk).update(
        requested_at=at(datetime.date(2025, 4, 30)),
        due_by=datetime.date(2025, 5, 7),
        decided_at=at(datetime.date(2025, 5, 1)),
    )
    Referral.objects.filter(pk=second.pk).update(
        requested_at=at(datetime.date(2025, 4, 30)),
        due_by=datetime.date(2025, 5, 7),
        decided_at=at(datetime.date(2025, 5, 8)),
    )
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
