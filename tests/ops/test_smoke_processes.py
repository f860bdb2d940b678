"""The production entrypoints as real processes: bin/web (migrations + gunicorn), bin/worker and bin/beat
on a scratch PostgreSQL database and Redis db 13, driven over HTTP like a client would, then stopped
with SIGTERM. What `docker compose up` runs, minus Docker (which cannot run here)."""

import http.cookiejar
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from scripts.stack import Api, Stack, problem_lines, totp, with_redis_db

PASSWORD = "Smoke-pass-2025!"
OTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


@pytest.fixture
def stack(tmp_path):
    stack = Stack(
        tmp_path / "stack",
        server_url=os.environ["DATABASE_URL"],
        redis_url=with_redis_db(settings.REDIS_URL, 13),
    )
    stack.create_database()
    stack.flush_redis()
    try:
        yield stack
    finally:
        stack.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_web_worker_and_beat_serve_a_case_activity_and_referral_then_stop_cleanly(stack):
    stack.start("web")
    ready = stack.wait_ready(timeout=120)
    assert ready["checks"] == {"database": "ok", "redis": "ok"}
    stack.start("worker")
    stack.start("beat")

    stack.manage("seed_master")
    stack.manage(
        "create_staff", "smoke_cw", "--password", PASSWORD, "--role", "caseworker", "--area", "tanaka"
    )
    stack.manage(
        "create_staff",
        "smoke_co",
        "--password",
        PASSWORD,
        "--role",
        "coordinator",
        "--area",
        "nanbu",
        "--totp-secret",
        OTP_SECRET,
    )

    anonymous = Api(stack.base_url)
    assert anonymous.get("/healthz").body == {"status": "ok"}
    assert anonymous.get("/api/v1/cases/").status == 401
    caseworker = Api(stack.base_url, anonymous.login("smoke_cw", PASSWORD))

    case = caseworker.post(
        "/api/v1/cases/",
        {
            "area": "tanaka",
            "household_name": "架空スモーク世帯",
            "household_name_kana": "カクウスモークセタイ",
            "issues": ["8050", "isolation"],
            "main_issue": "8050",
        },
    )
    assert case.status == 201, case.body
    case_id = case.body["id"]
    agencies = caseworker.get("/api/v1/agencies/")
    assert agencies.status == 200 and agencies.body
    activity = caseworker.post(
        f"/api/v1/cases/{case_id}/activities/",
        {
            "occurred_at": "2025-06-02T10:30:00+09:00",
            "kind": "visit",
            "minutes": 45,
            "partner_agencies": [agencies.body[0]["code"]],
            "note": "架空の訪問記録",
        },
    )
    assert activity.status == 201, activity.body
    listed = caseworker.get(f"/api/v1/cases/{case_id}/activities/")
    assert listed.status == 200 and activity.body["id"] in [a["id"] for a in listed.body["results"]]

    referral = caseworker.post(
        "/api/v1/referrals/",
        {"case": case_id, "kind": "collaboration", "to_area": "nanbu", "reason": "架空の連携依頼"},
    )
    assert referral.status == 201, referral.body
    assert referral.body["status"] == "requested" and referral.body["due_by"]
    referral_id = referral.body["id"]

    # The notice to the receiving coordinator goes through the outbox and Celery: wait for the worker.
    deadline = time.monotonic() + 30
    delivered = []
    while time.monotonic() < deadline and not delivered:
        delivered = stack.sql(
            "SELECT n.kind, u.username FROM referrals_notification n"
            " JOIN network_user u ON u.id = n.recipient_id WHERE n.referral_id = %s",
            [referral_id],
        )
        time.sleep(0.25)
    assert delivered == [("requested", "smoke_co")], stack.tail("worker")
    assert stack.scalar("SELECT count(*) FROM referrals_outboxmessage WHERE dispatched_at IS NULL") == 0

    # A password alone reaches nothing (issue #10): not the web session before its TOTP step, not a
    # token for an unenrolled coordinator.
    stack.manage(
        "create_staff", "smoke_co2", "--password", PASSWORD, "--role", "coordinator", "--area", "nanbu"
    )
    assert (
        anonymous.post("/api/v1/auth/token/", {"username": "smoke_co2", "password": PASSWORD}).status == 400
    )
    for username in ("smoke_co", "smoke_co2"):
        opener = _web_login(stack.base_url, username, PASSWORD)
        for path in ("/api/v1/cases/", f"/api/v1/cases/{case_id}/"):
            status, body, _url = _open(opener, stack.base_url + path)
            assert status == 401, (username, path, status)
            assert "架空スモーク世帯" not in body

    coordinator = Api(stack.base_url, anonymous.login("smoke_co", PASSWORD, otp=totp(OTP_SECRET)))
    incoming = coordinator.get("/api/v1/referrals/?direction=incoming&status=requested")
    assert [r["id"] for r in incoming.body["results"]] == [referral_id]
    accepted = coordinator.post(f"/api/v1/referrals/{referral_id}/accept/")
    assert accepted.status == 200 and accepted.body["status"] == "accepted"
    assert coordinator.post(f"/api/v1/referrals/{referral_id}/accept/").status == 409

    codes = stack.stop_all()
    assert codes == {"beat": 0, "worker": 0, "web": 0}, {k: stack.tail(k.split(".")[0]) for k in codes}
    logs = stack.log_text()
    assert "dispatch_outbox" in logs["worker.0"] and "succeeded" in logs["worker.0"]
    assert '"status":201' in logs["web.0"]  # gunicorn's JSON access lines
    for name, text in logs.items():
        assert problem_lines(text) == [], f"{name}:\n" + "\n".join(problem_lines(text)[:20])
        for personal in ("架空スモーク世帯", "カクウスモーク", "架空の訪問記録", "架空の連携依頼"):
            assert personal not in text, f"personal data in the {name} log"


def _open(opener, url, data=None):
    """(status, body, final URL after redirects)."""
    try:
        with opener.open(url, data=data, timeout=30) as response:
            return response.status, response.read().decode(errors="replace"), response.geturl()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace"), url


def _web_login(base_url, username, password):
    """The web login's first step, as a browser does it: the password, with the form's CSRF token."""
    assert urllib.parse.urlsplit(base_url).hostname == "127.0.0.1"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _status, form, _url = _open(opener, base_url + "/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    opener.addheaders = [("Referer", base_url + "/login/")]
    status, _page, landed = _open(opener, base_url + "/login/", data)
    assert status == 200 and urllib.parse.urlsplit(landed).path == "/account/2fa/", (status, landed)
    return opener
