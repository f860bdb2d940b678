"""A real Celery worker (Redis broker, PostgreSQL) delivers the notification of a new referral."""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings

from referrals import services
from referrals.models import Notification
from tests import factories

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _test_database_url() -> str:
    db = settings.DATABASES["default"]  # at test time NAME is the pytest-django test database
    auth = quote(db.get("USER") or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DB_CONN_MAX_AGE": "0",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            "celery",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_notification(transactional_db, worker, tmp_path):
    from network.services import staff_groups_sync

    north, south = factories.make_area("north"), factories.make_area("south")
    sender = factories.make_staff("cw_worker", area=north)
    coordinator = factories.make_staff("co_worker", role="coordinator", area=south)
    for user in (sender, coordinator):
        staff_groups_sync(user=user)
    case = factories.make_case(by=sender, area=north)
    referral = services.referral_request(
        case=case, requested_by=sender, kind="collaboration", to_area=south, reason="同行のお願い"
    )  # commits; on_commit sends to Redis

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Notification.objects.filter(recipient=coordinator, referral=referral).exists():
            break
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        time.sleep(0.3)
    else:
        pytest.fail("no notification within 30 s:\n" + (tmp_path / "worker.log").read_text()[-3000:])
    notice = Notification.objects.get(recipient=coordinator, referral=referral)
    assert case.number in notice.message
    assert notice.outbox_message.dispatched_at is not None
