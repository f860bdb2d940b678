import io
import json
import logging

import pytest

from config.health import safe_reason
from config.logging import JsonFormatter

NAME, KANA, NOTE = "架空ろぐ世帯", "カクウログセタイ", "ろぐに出てはいけない経過メモ"


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_the_database(client, db, settings):
    settings.REDIS_URL = ""
    body = client.get("/readyz").json()
    assert body["checks"] == {"database": "ok", "redis": "not configured"}


def test_readyz_names_redis_when_it_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6399/0"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["down"] == ["redis"]


def test_readyz_logs_why_redis_is_down_without_its_password(client, db, settings, caplog):
    settings.REDIS_URL = "redis://:hunter2-redis-pw@127.0.0.1:6399/0"  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="config.health"):
        assert client.get("/readyz").status_code == 503

    (record,) = [r for r in caplog.records if r.name == "config.health"]
    assert record.levelno == logging.WARNING
    assert record.dependency == "redis" and record.error_type == "ConnectionError"
    message = record.getMessage()
    assert message.startswith("readiness: redis is down (ConnectionError: ")
    assert "hunter2" not in message and "hunter2" not in JsonFormatter().format(record)


def test_readyz_logs_nothing_when_all_is_up(client, db, settings, caplog):
    settings.REDIS_URL = ""
    with caplog.at_level(logging.DEBUG, logger="config.health"):
        assert client.get("/readyz").status_code == 200
    assert not [r for r in caplog.records if r.name == "config.health"]


@pytest.mark.parametrize(
    "text",
    [
        'connection to server at "db" failed: postgres://yorisoi:hunter2@db:5432/yorisoi refused',
        "could not connect: host=db user=yorisoi password=hunter2 dbname=yorisoi",
        "auth failed for redis://default:hunter2@redis:6379/0",
        "the driver echoed the configured password hunter2 somewhere",
    ],
)
def test_the_logged_reason_never_holds_a_password(settings, text):
    settings.REDIS_URL = "redis://:hunter2@redis:6379/0"  # a configured password is masked wherever it shows
    reason = safe_reason(OSError(text + "\nsecond line hunter2"))
    assert reason.startswith("OSError: ") and "hunter2" not in reason and "second line" not in reason


def test_the_logged_reason_is_short():
    reason = safe_reason(RuntimeError("x" * 5000))
    assert reason.startswith("RuntimeError: ") and len(reason) < 250


@pytest.mark.redis
def test_readyz_is_ok_with_real_redis(client, db):
    assert client.get("/readyz").status_code == 200


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_case_round_trip_logs_json_lines_without_personal_data(
    client, caseworker, area, agency, log_stream
):
    client.force_login(caseworker)
    created = client.post(
        "/api/v1/cases/",
        {
            "area": area.code,
            "household_name": NAME,
            "household_name_kana": KANA,
            "issues": ["8050"],
            "main_issue": "8050",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    case_id = created.json()["id"]
    client.get(f"/cases/{case_id}/")
    client.get(f"/cases/?q={KANA}")
    logged = client.post(
        f"/api/v1/cases/{case_id}/activities/",
        {
            "occurred_at": "2025-06-01T10:00:00+09:00",
            "kind": "visit",
            "minutes": 30,
            "partner_agencies": [agency.code],
            "note": NOTE,
        },
        content_type="application/json",
    )
    assert logged.status_code == 201
    client.post(
        f"/api/v1/cases/{case_id}/activities/",
        {"occurred_at": "2025-06-01T10:00:00", "kind": "visit", "note": NOTE},
        content_type="application/json",
    )  # a 400 must not echo the note into the log either

    output = log_stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "yorisoi.request"]
    assert {line["route"] for line in requests} >= {"api/v1/cases/", "cases/<int:case_id>/"}
    assert all(line["request_id"] != "-" and line["level"] for line in requests)
    for secret in (NAME, KANA, NOTE, "カクウ", "ろぐ"):
        assert secret not in output


def test_request_id_is_echoed_back(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123"
