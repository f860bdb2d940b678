"""A password alone never reaches a case through the API (API.md, Authentication): not with the web
session before its TOTP step, not by asking for a token before enrolling, not with a token kept from
before the role had to enrol."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from network.twofactor import totp_provision
from tests import factories

TOKEN_URL = "/api/v1/auth/token/"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"
PASSWORD = "correct-horse-9"
TOTP_ROLES = ["coordinator", "manager", "auditor"]


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def coordinator(area, case):
    return factories.make_staff("coord_north", role="coordinator", area=area)


def _password_only_session(user) -> Client:
    client = Client()
    assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_a_coordinators_password_only_session_gets_401_and_no_name_from_the_api(coordinator, case):
    totp_provision(user=coordinator, secret_base32=SECRET)
    client = _password_only_session(coordinator)

    for url in ("/api/v1/cases/", f"/api/v1/cases/{case.pk}/", f"/api/v1/cases/{case.pk}/activities/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert case.household_name not in response.content.decode(), url


def test_the_same_session_reaches_the_api_after_the_totp_step(coordinator, case):
    totp_provision(user=coordinator, secret_base32=SECRET)
    client = _password_only_session(coordinator)

    assert client.post("/account/2fa/", {"otp": _code(coordinator), "next": "/cases/"}).status_code == 302

    response = client.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    assert response.json()["household_name"] == case.household_name


def test_an_unenrolled_coordinators_session_gets_401_from_the_api(coordinator, case):
    client = _password_only_session(coordinator)
    assert client.get("/api/v1/cases/").status_code == 401


def test_an_enrolled_caseworkers_password_only_session_gets_401(caseworker, case):
    totp_provision(user=caseworker, secret_base32=SECRET)
    client = _password_only_session(caseworker)
    assert client.get("/api/v1/cases/").status_code == 401


def test_a_caseworkers_plain_session_keeps_working_for_the_uis_htmx_calls(caseworker, case):
    client = _password_only_session(caseworker)
    response = client.get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("role", TOTP_ROLES)
def test_an_unenrolled_totp_role_gets_no_token_and_the_wrong_password_answer(anon, area, role):
    user = factories.make_staff(f"{role}_new", role=role, area=area)
    wrong_password = anon.post(TOKEN_URL, {"username": user.username, "password": "wrong"}).json()

    response = anon.post(TOKEN_URL, {"username": user.username, "password": PASSWORD, "otp": "123456"})

    assert response.status_code == 400
    assert response.json() == wrong_password
    assert not Token.objects.filter(user=user).exists()
    # Asking did not start an enrolment on the user's behalf: that happens on the web only.
    assert not TOTPDevice.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", TOTP_ROLES)
def test_an_enrolled_totp_role_gets_a_token_only_with_the_current_code(anon, area, role):
    user = factories.make_staff(f"{role}_enrolled", role=role, area=area)
    totp_provision(user=user, secret_base32=SECRET)

    assert anon.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}).status_code == 400
    response = anon.post(TOKEN_URL, {"username": user.username, "password": PASSWORD, "otp": _code(user)})
    assert response.status_code == 200


def test_a_token_of_an_unenrolled_totp_role_stops_working_until_it_enrols(anon, coordinator, case):
    token = Token.objects.create(user=coordinator)  # issued before the rule, or before the role
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    refused = anon.get(f"/api/v1/cases/{case.pk}/")
    assert refused.status_code == 401
    assert case.household_name not in refused.content.decode()

    totp_provision(user=coordinator, secret_base32=SECRET)
    assert anon.get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_a_caseworker_given_a_totp_role_loses_the_tokens_use_until_enrolled(anon, caseworker, case, area):
    from network.models import Membership, Role

    token = Token.objects.create(user=caseworker)
    anon.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert anon.get("/api/v1/cases/").status_code == 200

    Membership.objects.create(user=caseworker, role=Role.COORDINATOR, area=area)

    assert anon.get("/api/v1/cases/").status_code == 401


def test_the_enrolment_page_says_that_the_api_waits_for_enrolment(coordinator):
    client = _password_only_session(coordinator)
    page = client.get("/account/2fa/")
    assert "APIのトークンは発行されず" in page.content.decode()
