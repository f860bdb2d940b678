"""The client's address behind the proxy (config/client_ip.py): X-Forwarded-For is believed for exactly
TRUSTED_PROXY_COUNT hops, counted from the right, and not at all without a proxy; a client that writes its
own X-Forwarded-For cannot choose the address in the audit rows or the lockout records."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from rest_framework.test import APIClient

from casework.models import AuditAction, AuditEvent
from config.client_ip import client_ip

FORGED = "203.0.113.9"
PROXY = "172.18.0.5"  # the nginx container as the web replica sees it
CLIENT = "198.51.100.23"


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(CLIENT, FORGED)) == CLIENT
    assert client_ip(_request(CLIENT)) == CLIENT


def test_one_trusted_proxy_believes_the_entry_it_appended_and_nothing_left_of_it(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # nginx's $proxy_add_x_forwarded_for: whatever the client sent, then the address nginx saw.
    assert client_ip(_request(PROXY, f"{FORGED}, {CLIENT}")) == CLIENT
    assert client_ip(_request(PROXY, f"10.0.0.1,{FORGED} ,{CLIENT}")) == CLIENT
    assert client_ip(_request(PROXY, CLIENT)) == CLIENT


def test_two_trusted_proxies_count_two_hops_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(PROXY, f"{FORGED}, {CLIENT}, 10.0.0.7")) == CLIENT
    # Fewer entries than trusted hops: the request did not come through the proxies.
    assert client_ip(_request(CLIENT, FORGED)) == CLIENT


def test_a_missing_or_malformed_entry_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(PROXY)) == PROXY
    assert client_ip(_request(PROXY, "")) == PROXY
    assert client_ip(_request(PROXY, f"{FORGED}, not-an-address")) == PROXY
    assert client_ip(_request(PROXY, "2001:db8::1")) == "2001:db8::1"


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "recorded"),
    [(0, CLIENT, FORGED, CLIENT), (1, PROXY, f"{FORGED}, {CLIENT}", CLIENT)],
)
def test_failed_logins_are_recorded_with_the_client_address(
    settings, caseworker, hops, remote, forwarded, recorded
):
    settings.TRUSTED_PROXY_COUNT = hops
    answer = APIClient().post(
        "/api/v1/auth/token/",
        {"username": caseworker.username, "password": "wrong-password"},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert answer.status_code == 400
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [recorded]


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "recorded"),
    [(0, CLIENT, FORGED, CLIENT), (1, PROXY, f"{FORGED}, {CLIENT}", CLIENT)],
)
def test_audit_rows_carry_the_client_address(settings, caseworker, case, hops, remote, forwarded, recorded):
    settings.TRUSTED_PROXY_COUNT = hops
    api = APIClient()
    api.force_authenticate(caseworker)
    answer = api.post(
        f"/api/v1/cases/{case.pk}/activities/",
        {"occurred_at": "2026-11-02T10:00:00+09:00", "kind": "phone", "minutes": 10, "note": "架空"},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert answer.status_code == 201, answer.content
    row = AuditEvent.objects.get(action=AuditAction.ACTIVITY_CREATE, object_id=str(answer.json()["id"]))
    assert row.ip_address == recorded
