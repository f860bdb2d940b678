"""Referral metrics, page and GET /api/v1/referrals/metrics/: coordinators and managers only (others 404)."""

import pytest
from django.urls import reverse

from network.models import Role
from tests import factories

from .conftest import staff

API = "/api/v1/referrals/metrics/"


def test_api_answers_the_figures_of_a_fiscal_year(api_for, manager, known_referrals):
    response = api_for(manager).get(API, {"fiscal_year": 2025})
    assert response.status_code == 200
    body = response.json()
    assert body["fiscal_year"] == 2025 and body["label"] == "令和7(2025)年度"
    assert {k: body[k] for k in ("total", "answered", "accepted", "declined", "overdue")} == {
        "total": 2,
        "answered": 2,
        "accepted": 1,
        "declined": 1,
        "overdue": 1,
    }
    assert body["acceptance_rate"] == 0.5 and body["median_response_business_days"] == 2.5
    by = {row["code"]: row for row in body["by_destination"]}
    assert by["south"]["type"] == "area" and by["south"]["name"] == "南部エリア"
    assert (by["south"]["acceptance_rate"], by["south"]["median_response_business_days"]) == (1.0, 1)
    assert (by["east"]["acceptance_rate"], by["east"]["overdue"]) == (0.0, 1)
    assert api_for(manager).get(API, {"fiscal_year": 2024}).json()["total"] == 0


def test_api_is_for_coordinators_too(api_for, north_coordinator, known_referrals):
    assert api_for(north_coordinator).get(API, {"fiscal_year": 2025}).json()["total"] == 2


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AGENCY, Role.AUDITOR])
def test_api_is_404_for_other_roles_like_a_missing_route(api_for, area, agency, roles, role, known_referrals):
    user = staff(f"u_{role}", role, area=area, agency=agency)
    response = api_for(user).get(API, {"fiscal_year": 2025})
    missing = api_for(user).get("/api/v1/no-such-route/")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()


@pytest.mark.parametrize("value", [None, "", "R7", "1999", "20255"])
def test_api_wants_a_valid_fiscal_year(api_for, manager, value):
    response = api_for(manager).get(API, {} if value is None else {"fiscal_year": value})
    assert response.status_code == 400 and "fiscal_year" in response.json()


def test_api_needs_authentication(db):
    from rest_framework.test import APIClient

    assert APIClient().get(API, {"fiscal_year": 2025}).status_code == 401


def test_page_shows_the_figures_in_japanese(client, north_coordinator, known_referrals):
    factories.verified_client(north_coordinator, client)
    response = client.get(reverse("referrals:metrics"), {"fiscal_year": 2025})
    body = response.content.decode()
    assert response.status_code == 200
    assert "紹介・連携の指標" in body and "令和7(2025)年度" in body
    assert "50.0%" in body and "2.5営業日" in body
    assert "南部エリア" in body and "東部エリア" in body and "100.0%" in body
    assert 'rel="prev" href="?fiscal_year=2024"' in body


def test_page_defaults_to_the_current_fiscal_year(client, manager):
    factories.verified_client(manager, client)
    response = client.get(reverse("referrals:metrics"))
    assert response.status_code == 200
    assert "この年度に依頼された紹介・連携はありません。" in response.content.decode()


def test_page_with_a_bad_fiscal_year_is_400_with_a_japanese_message(client, manager):
    factories.verified_client(manager, client)
    response = client.get(reverse("referrals:metrics"), {"fiscal_year": "R7"})
    assert response.status_code == 400
    assert "年度" in response.content.decode()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AGENCY, Role.AUDITOR])
def test_page_is_404_for_other_roles(client, area, agency, roles, role):
    user = staff(f"u_{role}", role, area=area, agency=agency)
    factories.verified_client(user, client)
    assert client.get(reverse("referrals:metrics")).status_code == 404
    assert reverse("referrals:metrics") not in client.get(reverse("referrals:inbox")).content.decode()


def test_navigation_links_the_page_for_coordinators_and_managers(client, north_coordinator):
    factories.verified_client(north_coordinator, client)
    body = client.get(reverse("referrals:inbox")).content.decode()
    assert f'href="{reverse("referrals:metrics")}"' in body
