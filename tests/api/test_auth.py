import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from network.twofactor import totp_provision
from tests import factories

TOKEN_URL = "/api/v1/auth/token/"


def test_token_login_returns_a_token_that_authenticates(anon, caseworker, case):
    response = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"})

    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    anon.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    listed = anon.get("/api/v1/cases/")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [case.pk]


def test_token_login_twice_returns_the_same_token(anon, caseworker):
    first = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"}).json()["token"]
    second = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"}).json()["token"]
    assert first == second


def test_token_login_accepts_and_ignores_otp_for_now(anon, caseworker):
    response = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9", "otp": "123456"})
    assert response.status_code == 200


def test_wrong_password_is_400_with_non_field_errors(anon, caseworker):
    response = anon.post(TOKEN_URL, {"username": "cw_north", "password": "wrong-password"})

    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_unknown_user_answers_like_a_wrong_password(anon, caseworker):
    wrong_password = anon.post(TOKEN_URL, {"username": "cw_north", "password": "wrong-password"})
    unknown_user = anon.post(TOKEN_URL, {"username": "nobody", "password": "wrong-password"})
    assert unknown_user.status_code == 400
    assert unknown_user.json() == wrong_password.json()


def test_inactive_user_gets_no_token(anon, caseworker):
    caseworker.is_active = False
    caseworker.save(update_fields=["is_active"])

    response = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"})

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_missing_password_is_a_field_error(anon, caseworker):
    response = anon.post(TOKEN_URL, {"username": "cw_north"})
    assert response.status_code == 400
    assert "password" in response.json()


def test_a_stale_token_header_does_not_block_login(anon, caseworker):
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/areas/",
        "/api/v1/agencies/",
        "/api/v1/cases/",
        "/api/v1/cases/1/",
        "/api/v1/cases/1/activities/",
    ],
)
def test_no_token_is_401_with_a_challenge(anon, db, url):
    response = anon.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(anon, caseworker):
    anon.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert anon.get("/api/v1/cases/").status_code == 401


def test_token_of_a_deactivated_user_stops_working(anon, db):
    user = factories.make_staff("cw_gone")
    token = anon.post(TOKEN_URL, {"username": "cw_gone", "password": "correct-horse-9"}).json()["token"]
    user.is_active = False
    user.save(update_fields=["is_active"])

    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon.get("/api/v1/areas/").status_code == 401


def test_unauthenticated_post_is_401_not_403(anon, area):
    response = anon.post("/api/v1/cases/", {"area": "north"})
    assert response.status_code == 401


def test_token_login_records_the_login_time(anon, caseworker):
    assert caseworker.last_login is None
    anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"})
    caseworker.refresh_from_db()
    assert caseworker.last_login is not None


# --- second factor and lockout ---------------------------------------------------------------------

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


def _current_code(user) -> str:
    from django_otp.oath import totp

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


@pytest.fixture
def enrolled(caseworker):
    totp_provision(user=caseworker, secret_base32=TOTP_SECRET)
    return caseworker


def test_enrolled_user_gets_a_token_with_the_current_code(anon, enrolled):
    response = anon.post(
        TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9", "otp": _current_code(enrolled)}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("otp", [None, "", "000000"])
def test_enrolled_user_without_the_right_code_fails_like_a_wrong_password(anon, enrolled, otp):
    body = {"username": "cw_north", "password": "correct-horse-9"}
    if otp is not None:
        body["otp"] = otp
    wrong_password = anon.post(TOKEN_URL, {"username": "cw_north", "password": "wrong-password"}).json()

    response = anon.post(TOKEN_URL, body)

    assert response.status_code == 400
    assert response.json() == wrong_password
    assert not Token.objects.filter(user=enrolled).exists()


def test_repeated_failures_lock_the_account_out_of_the_api(anon, caseworker):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        anon.post(TOKEN_URL, {"username": "cw_north", "password": "wrong-password"})

    response = anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"})

    assert response.status_code != 200
    assert not Token.objects.filter(user=caseworker).exists()


def test_wrong_codes_count_towards_the_lockout(anon, enrolled):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9", "otp": "000000"})

    response = anon.post(
        TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9", "otp": _current_code(enrolled)}
    )

    assert response.status_code != 200
    assert not Token.objects.filter(user=enrolled).exists()


def test_token_logins_and_failures_are_audited_as_api(anon, caseworker):
    from casework.models import AuditEvent

    anon.post(TOKEN_URL, {"username": "cw_north", "password": "wrong-password"})
    anon.post(TOKEN_URL, {"username": "cw_north", "password": "correct-horse-9"})

    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.changes == {"username": "cw_north"}
    assert failed.channel == "api"
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor == caseworker
    assert login.channel == "api"
