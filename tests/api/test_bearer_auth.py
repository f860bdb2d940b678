"""`Authorization: Bearer <token>` works exactly like `Authorization: Token <token>`."""

import pytest
from rest_framework.authtoken.models import Token


@pytest.fixture
def token(caseworker) -> str:
    return Token.objects.create(user=caseworker).key


def _as(client, header: str):
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


@pytest.mark.parametrize("keyword", ["Bearer", "bearer"])
def test_a_bearer_token_reads_like_a_token(anon, token, case, keyword):
    with_token = _as(anon, f"Token {token}").get("/api/v1/cases/")
    with_bearer = _as(anon, f"{keyword} {token}").get("/api/v1/cases/")

    assert with_token.status_code == with_bearer.status_code == 200
    assert with_bearer.json() == with_token.json()
    assert [row["id"] for row in with_bearer.json()["results"]] == [case.pk]


def test_a_bearer_token_writes_like_a_token(anon, token, area):
    response = _as(anon, f"Bearer {token}").post(
        "/api/v1/cases/",
        {
            "area": area.code,
            "household_name": "架空 太郎",
            "household_name_kana": "カクウ タロウ",
            "issues": ["poverty"],
            "main_issue": "poverty",
        },
    )
    assert response.status_code == 201


@pytest.mark.parametrize("value", ["not-a-real-token", ""])
def test_a_bad_bearer_token_is_refused_like_a_bad_token(anon, db, value):
    with_token = _as(anon, f"Token {value}".strip()).get("/api/v1/cases/")
    with_bearer = _as(anon, f"Bearer {value}".strip()).get("/api/v1/cases/")

    assert with_token.status_code == with_bearer.status_code == 401
    assert with_bearer.json() == with_token.json()
    assert with_bearer["WWW-Authenticate"] == with_token["WWW-Authenticate"] == "Token"


def test_an_inactive_users_bearer_token_is_refused_like_their_token(anon, caseworker, token):
    caseworker.is_active = False
    caseworker.save(update_fields=["is_active"])

    with_token = _as(anon, f"Token {token}").get("/api/v1/cases/")
    with_bearer = _as(anon, f"Bearer {token}").get("/api/v1/cases/")

    assert with_token.status_code == with_bearer.status_code == 401
    assert with_bearer.json() == with_token.json()
