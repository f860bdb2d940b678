"""List endpoints run a fixed number of queries however many rows the page holds."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

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


def _post_activity(client, case, codes):
    body = {
        "occurred_at": "2025-01-05T10:00:00+09:00",
        "kind": "visit",
        "minutes": 30,
        "partner_agencies": codes,
        "note": "本人宅を訪問した。",
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/api/v1/cases/{case.pk}/activities/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json(), [q["sql"] for q in captured.captured_queries]


def test_logging_an_activity_asks_only_what_the_write_needs(case, caseworker, agency):
    """POST …/activities/ with token auth (DESIGN.md §6): the token and user, the user's roles, the case with
    the team check in the same query, then the activity, its partners, its roll-up mark and its audit row in
    one transaction. No second membership check, no agency query (cached by code), no partners read back."""
    second = factories.make_agency("shakyo", kind="council")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=caseworker).key}")
    _post_activity(client, case, [agency.code])  # fills the agency cache
    answer, queries = _post_activity(client, case, [second.code, agency.code])
    assert answer["partner_agencies"] == sorted([agency.code, second.code])  # as a read gives them
    statements = [sql for sql in queries if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    # 6 of the write itself, and one row naming the case for the 延件数 roll-ups (reports.rollups: no
    # read, no lock; beat applies it, readers fold it in)
    own = [sql for sql in statements if "reports_rollup" not in sql]
    assert len(own) == 6, "\n".join(queries)
    rollup = [sql for sql in statements if "reports_rollup" in sql]
    assert len(rollup) == 1 and rollup[0].startswith("INSERT INTO reports_rollup_pending"), rollup
    inserts = [
        re.match(r'INSERT (?:OR IGNORE )?INTO "(\w+)"', sql)[1] for sql in own if sql.startswith("INSERT")
    ]
    assert sorted(inserts) == [
        "casework_activity",
        "casework_activity_partner_agencies",
        "casework_auditevent",
    ]
    assert not any("network_agency" in sql for sql in statements)
    assert sum("network_membership" in sql for sql in statements) == 2  # roles; the team check in the case's


def test_logging_an_activity_sees_an_agency_change_at_once(case, caseworker, agency):
    """The cached agencies are dropped when one is saved: a deactivated code is refused at once."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=caseworker).key}")
    _post_activity(client, case, [agency.code])
    agency.is_active = False
    agency.save()
    response = client.post(
        f"/api/v1/cases/{case.pk}/activities/",
        {"occurred_at": "2025-01-05T10:00:00+09:00", "kind": "phone", "partner_agencies": [agency.code]},
        format="json",
    )
    assert response.status_code == 400
    assert "partner_agencies" in response.json()
