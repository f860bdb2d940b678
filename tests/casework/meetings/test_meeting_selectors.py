"""Who sees a meeting record, and which of its cases."""

import datetime

from casework import meeting_selectors, services
from network.groups import agency_group
from tests import factories

from .conftest import record


def _ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_the_area_team_and_participating_agencies_see_the_meeting(
    case, caseworker, agency, agency_user, other_caseworker
):
    meeting = record(caseworker, cases=[case], agencies=[agency], kind="case_conference")
    outsider_agency = factories.make_agency("shakyo")
    outsider = factories.make_staff("outsider", role="agency", agency=outsider_agency)
    manager = factories.make_staff("mgr", role="manager")

    assert _ids(meeting_selectors.meeting_list(fetched_by=caseworker)) == {meeting.pk}
    assert _ids(meeting_selectors.meeting_list(fetched_by=agency_user)) == {meeting.pk}
    for user in (other_caseworker, outsider, manager):
        assert _ids(meeting_selectors.meeting_list(fetched_by=user)) == set()


def test_an_agency_sees_only_the_cases_it_may_see(case, second_case, caseworker, agency, agency_user):
    meeting = record(caseworker, cases=[case, second_case], agencies=[agency], kind="multi_agency")
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date(2025, 1, 5), scope="full"
    )

    rows = meeting_selectors.meeting_discussions(meeting=meeting, fetched_by=agency_user)

    assert [r.case_id for r in rows] == [case.pk]
    assert [
        r.case_id for r in meeting_selectors.meeting_discussions(meeting=meeting, fetched_by=caseworker)
    ] == [
        case.pk,
        second_case.pk,
    ]
    assert meeting_selectors.meeting_case_numbers(meetings=[meeting], fetched_by=agency_user) == {
        meeting.pk: [case.number]
    }


def test_the_case_page_lists_the_meetings_that_discussed_it(
    case, second_case, caseworker, agency, agency_user
):
    first = record(caseworker, cases=[case], agencies=[agency], kind="case_conference")
    second = record(
        caseworker, cases=[case, second_case], agencies=[agency], held_on=datetime.date(2025, 2, 1)
    )

    assert list(meeting_selectors.case_meetings(case=case, fetched_by=caseworker)) == [second, first]
    assert list(meeting_selectors.case_meetings(case=second_case, fetched_by=caseworker)) == [second]
    assert list(meeting_selectors.case_meetings(case=case, fetched_by=agency_user)) == [second, first]


def test_a_former_agency_member_loses_sight(case, caseworker, agency, agency_user):
    meeting = record(caseworker, cases=[case], agencies=[agency])
    agency_user.memberships.all().delete()
    agency_user.groups.remove(agency_group(agency))

    assert _ids(meeting_selectors.meeting_list(fetched_by=agency_user)) == set()
    assert meeting.pk


def test_reading_a_meeting_record_shows_in_who_looked_at_the_case(case, caseworker, agency, agency_user):
    from casework import meeting_services, selectors

    meeting = record(caseworker, cases=[case], agencies=[agency])
    rows = list(meeting_selectors.meeting_discussions(meeting=meeting, fetched_by=agency_user))
    meeting_services.meeting_record_read(meeting=meeting, read_by=agency_user, discussions=rows)

    assert [e.actor for e in selectors.case_readers(case=case)] == [agency_user]
