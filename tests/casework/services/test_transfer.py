from casework import selectors, services
from casework.models import AccessBasis
from network.groups import agency_group, area_group
from tests import factories


def test_transfer_moves_the_case_and_leaves_the_sender_read_only(
    case, caseworker, other_caseworker, other_area, area
):
    caseworker.groups.add(area_group(area))
    activity = factories.log_activity(case, by=caseworker)
    services.case_transfer(case=case, to_area=other_area, transferred_by=caseworker, source_id=1)
    case.refresh_from_db()
    assert case.area == other_area and case.lead_caseworker is None
    activity.refresh_from_db()
    assert activity.area == area  # last year's work stays where it was done
    assert selectors.case_list(fetched_by=other_caseworker).filter(pk=case.pk).exists()
    assert selectors.case_list(fetched_by=caseworker).filter(pk=case.pk).exists()
    assert not selectors.can_log_activity(user=caseworker, case=case)
    assert selectors.can_log_activity(user=other_caseworker, case=case)


def test_read_only_and_full_grants_combine_per_group(case, caseworker, agency):
    staff = factories.make_staff(role="agency", agency=agency)
    group = agency_group(agency)
    staff.groups.add(group)
    services.case_access_grant(
        case=case, group=group, basis=AccessBasis.REFERRAL, source_id=7, granted_by=caseworker, read_only=True
    )
    assert selectors.case_list(fetched_by=staff).exists()
    assert not selectors.can_log_activity(user=staff, case=case)
    services.case_access_grant(
        case=case, group=group, basis=AccessBasis.REFERRAL, source_id=8, granted_by=caseworker
    )
    assert selectors.can_log_activity(user=staff, case=case)
    services.case_access_revoke(case=case, basis=AccessBasis.REFERRAL, source_id=8, revoked_by=caseworker)
    assert selectors.case_list(fetched_by=staff).exists()
    assert not selectors.can_log_activity(user=staff, case=case)
    services.case_access_revoke(case=case, basis=AccessBasis.REFERRAL, source_id=7, revoked_by=caseworker)
    assert not selectors.case_list(fetched_by=staff).exists()
