"""Two (or more) coordinators accept the same referral at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection

from casework.services import StateConflict
from referrals import services
from referrals.models import Referral, ReferralTransition
from tests import factories

pytestmark = [pytest.mark.postgres]


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_yield_one_acceptance(transactional_db):
    from network.services import staff_groups_sync

    north, south = factories.make_area("north"), factories.make_area("south")
    sender = factories.make_staff("cw_race", area=north)
    coordinators = [factories.make_staff(f"co_race{i}", role="coordinator", area=south) for i in range(4)]
    for user in [sender, *coordinators]:
        staff_groups_sync(user=user)
    case = factories.make_case(by=sender, area=north)
    referral = services.referral_request(
        case=case, requested_by=sender, kind="transfer", to_area=south, reason="移管"
    )
    barrier = threading.Barrier(len(coordinators))
    results: list[str] = []
    lock = threading.Lock()

    def accept(user):
        try:
            barrier.wait(timeout=10)
            services.referral_accept(referral=Referral(pk=referral.pk), accepted_by=user)
            outcome = "accepted"
        except StateConflict:
            outcome = "conflict"
        except Exception as exc:
            outcome = f"error: {exc!r}"
        finally:
            connection.close()  # each thread has its own connection
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=accept, args=(user,)) for user in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["accepted"] + ["conflict"] * (len(coordinators) - 1), results
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert ReferralTransition.objects.filter(referral=referral, to_status="accepted").count() == 1
    case.refresh_from_db()
    assert case.area == south
    assert case.access_grants.filter(basis="referral", source_id=referral.pk).count() == 1
