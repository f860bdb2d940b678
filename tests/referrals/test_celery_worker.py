"""A real Celery worker (Redis broker, PostgreSQL) delivers the notification of a new referral."""

import time

import pytest

from referrals import services
from referrals.models import Notification
from tests import factories
from tests.celery_worker import running_worker

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def worker(tmp_path):
    with running_worker(tmp_path / "worker.log") as process:
        yield process


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
