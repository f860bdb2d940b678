"""Who sees the referral, and who sees the case: the receiving side only after acceptance."""

import pytest

from casework import selectors as casework_selectors
from casework.models import Case
from referrals import selectors, services
from referrals.models import Referral
from tests import factories


def sees_case(user, case) -> bool:
    return casework_selectors.case_list(fetched_by=user).filter(pk=case.pk).exists()


def test_the_receiving_side_sees_the_case_only_after_acceptance(referral, case, south_coordinator):
    assert not sees_case(south_coordinator, case)
    services.referral_accept(referral=referral, accepted_by=south_coordinator)
    assert sees_case(south_coordinator, case)
    assert case.area.code == "north"  # a collaboration: ownership stays


def test_a_declined_side_never_sees_the_case(referral, case, south_coordinator, other_caseworker):
    services.referral_decline(referral=referral, declined_by=south_coordinator, reason="対応できません")
    assert not sees_case(south_coordinator, case)
    assert not sees_case(other_caseworker, case)


def test_a_withdrawn_request_gives_no_access(referral, case, caseworker, south_coordinator):
    services.referral_withdraw(referral=referral, withdrawn_by=caseworker)
    assert not sees_case(south_coordinator, case)


def test_completion_keeps_the_collaboration_access(referral, case, south_coordinator):
    services.referral_accept(referral=referral, accepted_by=south_coordinator)
    services.referral_complete(referral=referral, completed_by=south_coordinator, outcome="完了")
    assert sees_case(south_coordinator, case)


def test_a_transfer_moves_the_case_and_the_sender_keeps_read_only(
    case, caseworker, other_area, south_coordinator, other_caseworker
):
    referral = services.referral_request(
        case=case, requested_by=caseworker, kind="transfer", to_area=other_area, reason="転居のため移管"
    )
    services.referral_accept(referral=referral, accepted_by=south_coordinator)
    case = Case.objects.get(pk=case.pk)
    assert case.area == other_area
    assert sees_case(other_caseworker, case)  # the whole receiving team now owns it
    assert sees_case(caseworker, case)  # the sender still reads its history
    assert not casework_selectors.can_log_activity(user=caseworker, case=case)
    assert not casework_selectors.is_on_case_team(user=caseworker, case=case)
    # the sending team still sees the referral it sent
    assert selectors.referral_get(fetched_by=caseworker, referral_id=referral.pk) == referral


def test_outsiders_get_does_not_exist(referral, agency_user, manager):
    outsider = factories.make_staff("cw_east", area=factories.make_area("east"))
    for user in (outsider, agency_user, manager):
        with pytest.raises(Referral.DoesNotExist):
            selectors.referral_get(fetched_by=user, referral_id=referral.pk)


def test_receiving_caseworkers_do_not_see_requests_before_acceptance(referral, other_caseworker):
    with pytest.raises(Referral.DoesNotExist):
        selectors.referral_get(fetched_by=other_caseworker, referral_id=referral.pk)


def test_directions(referral, caseworker, north_coordinator, south_coordinator):
    assert list(selectors.referral_list(fetched_by=south_coordinator, direction="incoming")) == [referral]
    assert list(selectors.referral_list(fetched_by=south_coordinator, direction="outgoing")) == []
    assert list(selectors.referral_list(fetched_by=caseworker, direction="outgoing")) == [referral]
    assert list(selectors.referral_list(fetched_by=north_coordinator, direction="incoming")) == []
    assert list(selectors.referral_list(fetched_by=caseworker, status="accepted")) == []
