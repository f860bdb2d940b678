"""Error answers: config.api_errors (domain exceptions in views) and config.handlers (unmatched URLs,
uncaught errors and login lockout, which happen outside any view)."""

import pytest
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView

import config.urls
from config.api_errors import validation_error_data


def test_field_errors_keep_their_field_names():
    error = ValidationError({"closure_reason": "Choose a reason.", NON_FIELD_ERRORS: ["Something else."]})
    assert validation_error_data(error) == {
        "closure_reason": ["Choose a reason."],
        "non_field_errors": ["Something else."],
    }


def test_an_error_without_a_field_goes_under_non_field_errors():
    error = ValidationError("These fields cannot be edited here: %(f)s", params={"f": "area"})
    assert validation_error_data(error) == {"non_field_errors": ["These fields cannot be edited here: area"]}


def test_a_bad_item_in_a_list_is_a_flat_message_naming_its_position(api, case, agency):
    response = api.post(
        f"/api/v1/cases/{case.pk}/consents/",
        {"agencies": [agency.code, ""], "given_on": "2025-04-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    (message,) = response.json()["agencies"]  # a list of strings, not {"1": [...]}
    assert message.startswith("Item 2: ")


def test_a_list_of_non_strings_for_choices_is_a_flat_message(api, case):
    response = api.patch(f"/api/v1/cases/{case.pk}/", {"issues": ["8050", 7]}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert all(isinstance(m, str) for m in response.json()["issues"])
    assert response.json()["issues"][0].startswith("Item 2: ")


# --- answers from outside the views: unmatched URLs, uncaught errors, lockout -----------------------------


class BrokenApi(APIView):
    """A view with a bug, to see what a client gets from an uncaught exception."""

    def get(self, request):
        raise RuntimeError("secret internal detail: /srv/yorisoi/casework/services.py line 42")


def broken_page(request):
    raise RuntimeError("secret internal detail")


# Used as the URLconf by the 500 tests: the project's routes and error handlers, plus two broken views.
urlpatterns = [
    path("api/v1/broken/", BrokenApi.as_view()),
    path("broken/", broken_page),
    *config.urls.urlpatterns,
]
handler404 = config.urls.handler404
handler500 = config.urls.handler500


@pytest.mark.parametrize("url", ["/api/v1/cases/abc/", "/api/v1/nope/", "/api/v1/cases/1/unknown/"])
def test_an_unmatched_api_url_is_a_json_404_like_a_missing_object(api, case, url):
    missing_object = api.get("/api/v1/cases/987654/")

    response = api.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == missing_object.json()


def test_the_json_404_reads_not_found_in_english(api, db):
    response = api.get("/api/v1/nope/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"detail": "Not found."}


def test_an_unmatched_api_url_is_json_without_a_token_too(anon, db):
    response = anon.get("/api/v1/nope/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_unmatched_web_url_stays_an_html_page(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.api.test_errors")
def test_an_uncaught_error_under_the_api_is_a_json_500_without_detail(caseworker):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(caseworker)

    response = client.get("/api/v1/broken/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "サーバーエラーが発生しました。"}  # Japanese first, no internals


@pytest.mark.urls("tests.api.test_errors")
def test_an_uncaught_error_on_the_web_stays_an_html_page(client, caseworker):
    client.raise_request_exception = False
    client.force_login(caseworker)

    response = client.get("/broken/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"secret internal detail" not in response.content


TOKEN_URL = "/api/v1/auth/token/"


def test_a_locked_out_account_gets_429_json_even_with_the_right_password(anon, caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        anon.post(TOKEN_URL, {"username": "cw_north", "password": "wrong-password"})

    response = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"})

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert int(response["Retry-After"]) == 30 * 60
    assert not Token.objects.filter(user=caseworker).exists()


def test_the_failure_that_reaches_the_limit_already_answers_429(anon, caseworker):
    answers = [
        anon.post(TOKEN_URL, {"username": "cw_north", "password": "wrong-password"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]


def test_a_locked_out_web_login_renders_the_lockout_page(client, caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "cw_north", "password": "wrong-password"})

    response = client.post("/login/", {"username": "cw_north", "password": "correct-horse-9"})

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session


def test_a_code_with_a_nul_character_is_a_400_not_a_database_error(api, case):
    """Found by the fuzzer on PostgreSQL, which refuses NUL in a query: a bad code is a field error."""
    answer = api.post(
        "/api/v1/cases/",
        {
            "area": "no\x00rth",
            "household_name": "架空",
            "household_name_kana": "カクウ",
            "main_issue": "8050",
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "area" in answer.json()
