"""My caseload (`?lead=me`), the follow-up columns and server-side sorting of the case list."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework import selectors, services
from tests import factories

URL = reverse("casework:case_list")


def _ids_in_order(body: str, cases) -> list[int]:
    return [c.pk for c in sorted(cases, key=lambda c: body.index(f">{c.number}<"))]


@pytest.fixture
def teammate(area):
    return factories.make_staff("cw_mate", area=area)


def test_caseload_shows_only_the_cases_i_lead(cw_client, caseworker, teammate, area):
    mine = factories.make_case(by=caseworker, area=area)
    theirs = factories.make_case(by=teammate, area=area)
    body = cw_client.get(URL, {"lead": "me"}).content.decode()
    assert mine.number in body and theirs.number not in body
    assert "<title>自分の担当ケース" in body
    assert "<h1>自分の担当ケース</h1>" in body
    everything = cw_client.get(URL).content.decode()
    assert mine.number in everything and theirs.number in everything
    assert "<h1>閲覧できるケース</h1>" in everything


def test_caseload_never_lists_a_case_the_user_may_not_see(caseworker, other_caseworker, other_area):
    hidden = factories.make_case(by=other_caseworker, area=other_area)
    type(hidden).objects.filter(pk=hidden.pk).update(lead_caseworker=caseworker)
    filters = selectors.CaseFilters(lead=selectors.LEAD_ME)
    assert not selectors.case_list(fetched_by=caseworker, filters=filters).filter(pk=hidden.pk).exists()


def test_rows_show_last_contact_and_next_review(cw_client, caseworker, case):
    factories.log_activity(case, by=caseworker, when=timezone.make_aware(datetime.datetime(2026, 1, 5, 10)))
    services.plan_create(
        case=case,
        created_by=caseworker,
        created_on=datetime.date(2026, 1, 6),
        review_on=datetime.date(2026, 3, 1),
    )
    body = cw_client.get(URL).content.decode()
    assert "2026/01/05" in body
    assert "2026/03/01" in body
    assert "最終接触日" in body


def test_voided_activity_is_not_a_contact(caseworker, case):
    activity = factories.log_activity(case, by=caseworker)
    services.activity_void(activity=activity, voided_by=caseworker, reason="誤入力")
    row = selectors.with_follow_up(selectors.case_list(fetched_by=caseworker)).get(pk=case.pk)
    assert row.last_contact_at is None


def test_sorted_by_last_contact_oldest_first_never_contacted_first(cw_client, caseworker, area):
    never = factories.make_case(by=caseworker, area=area)
    old = factories.make_case(by=caseworker, area=area)
    factories.log_activity(old, by=caseworker, when=timezone.now() - datetime.timedelta(days=40))
    fresh = factories.make_case(by=caseworker, area=area)
    factories.log_activity(fresh, by=caseworker, when=timezone.now() - datetime.timedelta(days=1))
    body = cw_client.get(URL, {"order": "last_contact"}).content.decode()
    assert _ids_in_order(body, [never, old, fresh]) == [never.pk, old.pk, fresh.pk]
    body = cw_client.get(URL, {"order": "-last_contact"}).content.decode()
    assert _ids_in_order(body, [never, old, fresh]) == [fresh.pk, old.pk, never.pk]
    assert 'aria-sort="descending"' in body


def test_sorted_by_next_review_nearest_first(cw_client, caseworker, area):
    today = timezone.localdate()
    later = factories.make_case(by=caseworker, area=area)
    services.plan_create(case=later, created_by=caseworker, review_on=today + datetime.timedelta(days=20))
    sooner = factories.make_case(by=caseworker, area=area)
    services.plan_create(case=sooner, created_by=caseworker, review_on=today + datetime.timedelta(days=2))
    none = factories.make_case(by=caseworker, area=area)
    body = cw_client.get(URL, {"order": "next_review", "lead": "me"}).content.decode()
    assert _ids_in_order(body, [later, sooner, none]) == [sooner.pk, later.pk, none.pk]


def test_unknown_order_falls_back_to_newest_first(cw_client, caseworker, area):
    factories.make_case(by=caseworker, area=area)
    response = cw_client.get(URL, {"order": "household_name"})  # not whitelisted: never sorts by it
    assert response.status_code == 200


def test_sort_links_keep_the_filters(cw_client, caseworker, case):
    body = cw_client.get(URL, {"lead": "me", "status": "intake"}).content.decode()
    assert "lead=me&amp;status=intake&amp;order=last_contact" in body


def test_list_queries_do_not_grow_with_rows(cw_client, caseworker, area):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert cw_client.get(URL, {"lead": "me", "order": "next_review"}).status_code == 200
        return len(captured)

    factories.make_case(by=caseworker, area=area)
    few = count()
    for _ in range(4):
        case = factories.make_case(by=caseworker, area=area)
        factories.log_activity(case, by=caseworker)
        services.plan_create(case=case, created_by=caseworker, review_on=timezone.localdate())
    assert count() == few
