"""GET /api/v1/reports/accompanied-activities/?fiscal_year= — the fixed contract (API.md)."""

import pytest
from rest_framework.test import APIClient

from tests import factories

from .conftest import jst

URL = "/api/v1/reports/accompanied-activities/"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def activities(seeded, case, caseworker, partner):
    factories.log_activity(case, by=caseworker, when=jst(2024, 4, 1), agencies=[partner])
    factories.log_activity(case, by=caseworker, when=jst(2025, 3, 31, 23, 30), agencies=[partner])


def test_the_answer_has_the_contracts_shape(activities, manager):
    response = client_for(manager).get(URL, {"fiscal_year": 2024})

    assert response.status_code == 200
    data = response.json()
    assert {
        "fiscal_year",
        "label",
        "target",
        "total",
        "unique_cases",
        "months",
        "by_area",
        "by_kind",
        "by_issue",
    } <= set(data)
    assert (data["fiscal_year"], data["label"], data["target"]) == (2024, "令和6(2024)年度", 280)
    assert (data["total"], data["unique_cases"]) == (2, 1)
    assert len(data["months"]) == 12
    assert data["months"][0] == {
        **data["months"][0],
        "month": "2024-04",
        "count": 1,
        "cumulative": 1,
        "expected": 23.3,
    }
    assert data["months"][-1]["month"] == "2025-03" and data["months"][-1]["cumulative"] == 2
    assert {"area", "count"} <= set(data["by_area"][0])
    assert {"kind", "count"} <= set(data["by_kind"][0])
    assert {"issue", "count"} <= set(data["by_issue"][0])


def test_a_year_without_target_answers_null_target_and_expected(activities, coordinator):
    data = client_for(coordinator).get(URL, {"fiscal_year": 2023}).json()

    assert data["target"] is None
    assert all(m["expected"] is None for m in data["months"])


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"fiscal_year": ""},
        {"fiscal_year": "abc"},
        {"fiscal_year": "1999"},
        {"fiscal_year": "2024", "month": "2025-04"},
    ],
)
def test_a_missing_or_invalid_fiscal_year_is_a_400(seeded, manager, query):
    response = client_for(manager).get(URL, query)

    assert response.status_code == 400
    assert set(response.json()) <= {"fiscal_year", "month"}


@pytest.mark.parametrize("role", ["caseworker", "agency", "auditor"])
def test_others_get_404_as_for_a_route_that_does_not_exist(seeded, role, area, agency):
    user = factories.make_staff(
        f"u_{role}",
        role=role,
        area=area if role == "caseworker" else None,
        agency=agency if role == "agency" else None,
    )

    assert client_for(user).get(URL, {"fiscal_year": 2024}).status_code == 404
    assert client_for(user).get(URL).status_code == 404  # 404 before any 400


def test_without_authentication_it_is_a_401(seeded):
    assert APIClient().get(URL, {"fiscal_year": 2024}).status_code == 401


def test_the_endpoint_is_in_the_openapi_schema(manager):
    response = client_for(manager).get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert "/api/v1/reports/accompanied-activities/" in response.content.decode()
