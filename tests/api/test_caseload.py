"""GET /api/v1/cases/?lead=me (API.md) and the whitelisted ?order=."""

import datetime

from django.utils import timezone

from casework import services
from tests import factories


def test_lead_me_lists_only_my_caseload(api, caseworker, area):
    mine = factories.make_case(by=caseworker, area=area)
    teammate = factories.make_staff("cw_mate", area=area)
    theirs = factories.make_case(by=teammate, area=area)
    numbers = [row["number"] for row in api.get("/api/v1/cases/?lead=me").json()["results"]]
    assert numbers == [mine.number]
    everything = [row["number"] for row in api.get("/api/v1/cases/").json()["results"]]
    assert set(everything) == {mine.number, theirs.number}


def test_rows_carry_last_contact_and_next_review(api, caseworker, case):
    factories.log_activity(case, by=caseworker, when=timezone.now() - datetime.timedelta(days=2))
    review = timezone.localdate() + datetime.timedelta(days=10)
    services.plan_create(case=case, created_by=caseworker, review_on=review)
    row = api.get("/api/v1/cases/").json()["results"][0]
    assert row["last_contact_at"] is not None
    assert row["next_review_on"] == review.isoformat()
    detail = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert "last_contact_at" not in detail


def test_order_by_next_review(api, caseworker, area):
    today = timezone.localdate()
    later = factories.make_case(by=caseworker, area=area)
    services.plan_create(case=later, created_by=caseworker, review_on=today + datetime.timedelta(days=9))
    sooner = factories.make_case(by=caseworker, area=area)
    services.plan_create(case=sooner, created_by=caseworker, review_on=today + datetime.timedelta(days=1))
    numbers = [r["number"] for r in api.get("/api/v1/cases/?order=next_review").json()["results"]]
    assert numbers == [sooner.number, later.number]


def test_bad_lead_or_order_is_a_400(api, case):
    assert api.get("/api/v1/cases/?lead=someone").status_code == 400
    response = api.get("/api/v1/cases/?order=household_name")
    assert response.status_code == 400
    assert list(response.json()) == ["order"]
