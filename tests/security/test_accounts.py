"""Lockout, session lifetimes, two-factor login and deactivation, through the real middleware."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django_otp.oath import totp
from rest_framework.authtoken.models import Token

from network.middleware import SESSION_STARTED
from network.twofactor import totp_provision
from tests import factories

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


def _code(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_account_locks_after_repeated_failures(client, caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "cw_north", "password": "nope-nope-nope"})
    response = client.post("/login/", {"username": "cw_north", "password": "correct-horse-9"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_idle_session_is_renewed_on_each_request(client, caseworker):
    client.force_login(caseworker)
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client.get("/cases/")
    assert 29 * 60 < client.session.get_expiry_age() <= 30 * 60


def test_session_ends_after_the_absolute_limit(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/cases/").status_code == 200
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/cases/").status_code == 302


@pytest.fixture
def coordinator(area):
    return factories.make_staff("coord_north", role="coordinator", area=area)


def test_coordinator_must_enrol_totp_before_any_page(client, coordinator):
    client.post("/login/", {"username": "coord_north", "password": "correct-horse-9"})
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/")
    page = client.get(response["Location"])
    assert b"<svg" in page.content  # QR code for enrolment
    device = coordinator.totpdevice_set.get()
    assert not device.confirmed
    bad = client.post("/account/2fa/", {"otp": "000000", "next": "/cases/"})
    assert bad.status_code == 400
    time.sleep(1.1)  # django-otp throttles the next try after a failure
    ok = client.post("/account/2fa/", {"otp": _code(device), "next": "/cases/"})
    assert ok.status_code == 302 and ok["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_enrolled_user_passes_the_second_step_with_the_current_code(client, coordinator):
    device = totp_provision(user=coordinator, secret_base32=SECRET)
    client.post("/login/", {"username": "coord_north", "password": "correct-horse-9"})
    assert client.get("/cases/")["Location"].startswith("/account/2fa/")
    client.post("/account/2fa/", {"otp": _code(device), "next": "/cases/"})
    assert client.get("/cases/").status_code == 200


def test_caseworkers_are_not_forced_into_two_factor(client, caseworker):
    client.post("/login/", {"username": "cw_north", "password": "correct-horse-9"})
    assert client.get("/cases/").status_code == 200


def test_deactivating_staff_ends_sessions_and_tokens(client, caseworker):
    client.force_login(caseworker)
    Token.objects.create(user=caseworker)
    assert client.get("/cases/").status_code == 200
    caseworker.is_active = False
    caseworker.save()
    assert not Token.objects.filter(user=caseworker).exists()
    assert not any(s.get_decoded().get("_auth_user_id") == str(caseworker.pk) for s in Session.objects.all())
    assert client.get("/cases/").status_code == 302


def test_deploy_check_with_production_settings_is_clean(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    env |= {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 10 + "production-like-secret-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "yorisoi.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CONSENT_DOCUMENT_ROOT": str(tmp_path / "documents"),  # required in production (yorisoi.E003)
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
