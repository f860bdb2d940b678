"""Who may void what: the case's own area team voids any entry; a collaborating area team or agency
voids only the entries its own people logged (selectors.activity_void_scope, used by page, API, service)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from casework import selectors, services
from casework.models import AccessBasis
from network.groups import area_group
from network.models import Role
from network.services import staff_groups_sync
from tests import factories


@pytest.fixture
def world(case, caseworker, agency, other_area, other_caseworker):
    """A north case shared with an agency (consent) and with the south team (an accepted collaboration)."""
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today())
    services.case_access_grant(
        case=case,
        group=area_group(other_area),
        basis=AccessBasis.REFERRAL,
        source_id=1,
        granted_by=caseworker,
    )
    people = {
        "owner": caseworker,
        "owner_colleague": factories.make_staff("cw_north_2", area=case.area),
        "owner_coordinator": factories.make_staff("coord_north", role=Role.COORDINATOR, area=case.area),
        "agency": factories.make_staff("agency_a", role=Role.AGENCY, agency=agency),
        "agency_colleague": factories.make_staff("agency_b", role=Role.AGENCY, agency=agency),
        "other_agency": factories.make_staff("agency_c", role=Role.AGENCY, agency=factories.make_agency()),
        "collaborator": other_caseworker,
        "collaborator_colleague": factories.make_staff("cw_south_2", area=other_area),
    }
    for user in people.values():
        staff_groups_sync(user=user)
    entries = {
        who: factories.log_activity(case, by=people[who], note=f"{who}の記録")
        for who in ("owner", "agency", "collaborator")
    }
    return people, entries


ALLOWED = {
    # voider: entries (logged by owner / agency / collaborator) it may void
    "owner": {"owner", "agency", "collaborator"},
    "owner_colleague": {"owner", "agency", "collaborator"},
    "owner_coordinator": {"owner", "agency", "collaborator"},
    "agency": {"agency"},
    "agency_colleague": {"agency"},
    "collaborator": {"collaborator"},
    "collaborator_colleague": {"collaborator"},
    "other_agency": set(),  # cannot even see the case
}


@pytest.mark.parametrize("voider", sorted(ALLOWED))
def test_the_void_matrix(world, voider):
    people, entries = world
    user = people[voider]
    allowed = {
        who for who, activity in entries.items() if selectors.can_void_activity(user=user, activity=activity)
    }
    assert allowed == ALLOWED[voider]


def test_a_collaborating_coordinator_cannot_void_the_owning_teams_record(world, other_area):
    _people, entries = world
    coordinator = factories.make_staff("coord_south", role=Role.COORDINATOR, area=other_area)
    staff_groups_sync(user=coordinator)
    with pytest.raises(PermissionDenied):
        services.activity_void(activity=entries["owner"], voided_by=coordinator, reason="誤登録")
    entries["owner"].refresh_from_db()
    assert not entries["owner"].voided
    services.activity_void(activity=entries["collaborator"], voided_by=coordinator, reason="誤登録")


def test_after_a_transfer_the_old_team_voids_nothing(case, caseworker, other_area, other_caseworker):
    activity = factories.log_activity(case, by=caseworker)
    services.case_transfer(case=case, to_area=other_area, transferred_by=caseworker)
    staff_groups_sync(user=caseworker)
    staff_groups_sync(user=other_caseworker)
    activity.refresh_from_db()
    assert not selectors.can_void_activity(user=caseworker, activity=activity)  # read-only now
    assert selectors.can_void_activity(user=other_caseworker, activity=activity)  # the new owning team


def test_logged_by_is_who_entered_the_record(case, caseworker):
    activity = factories.log_activity(case, by=caseworker)
    assert activity.logged_by == caseworker == activity.staff
