"""The bench's minimal durable write (bench/urls.py) is mounted only by bench.settings, never by the app."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casework.models import AuditEvent


def test_the_app_does_not_route_the_bench_write():
    with pytest.raises(Resolver404):
        resolve("/bench/durable-write/")


def test_bench_settings_only_swap_the_urlconf():
    import bench.settings
    import config.settings

    assert bench.settings.ROOT_URLCONF == "bench.urls"
    assert bench.settings.MIDDLEWARE == config.settings.MIDDLEWARE
    assert bench.settings.REST_FRAMEWORK == config.settings.REST_FRAMEWORK


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_durable_write_is_token_auth_and_one_insert(caseworker):
    client = APIClient()
    assert client.post("/bench/durable-write/", {}, format="json").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=caseworker).key}")
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/bench/durable-write/", {}, format="json")
    assert response.status_code == 201
    statements = [q["sql"] for q in captured.captured_queries]
    assert [sql.split()[0] for sql in statements if sql.startswith("INSERT")] == ["INSERT"]
    assert AuditEvent.objects.get(pk=response.json()["id"]).actor == caseworker
