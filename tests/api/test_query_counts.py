"""List endpoints run a fixed number of queries however many rows the page holds."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_case_list_queries_do_not_grow_with_rows(api, caseworker, area):
    factories.make_case(by=caseworker, area=area)
    few = _queries(api, "/api/v1/cases/")
    for _ in range(5):
        factories.make_case(by=caseworker, area=area, issues=("8050", "debt"))
    assert _queries(api, "/api/v1/cases/") == few


def test_activity_list_queries_do_not_grow_with_rows(api, case, caseworker, agency):
    factories.log_activity(case, by=caseworker, agencies=[agency])
    few = _queries(api, f"/api/v1/cases/{case.pk}/activities/")
    for _ in range(5):
        factories.log_activity(case, by=caseworker, agencies=[agency])
    assert _queries(api, f"/api/v1/cases/{case.pk}/activities/") == few
