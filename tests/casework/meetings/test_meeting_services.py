"""Support meeting records: recording, editing, and the 支援会議 basis kept in one place."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casework import meeting_selectors, meeting_services, selectors, services
from casework.meeting_services import Discussion
from casework.models import (
    AccessBasis,
    AuditEvent,
    CaseAccessGrant,
    DiscussedCase,
    SupportMeetingRegistration,
)
from tests import factories

from .conftest import HELD_ON, record


def _visible(user):
    return set(selectors.case_list(fetched_by=user).values_list("pk", flat=True))


def _basis_in_sync(meeting) -> bool:
    """The meeting's registrations in force are its discussed cases (支援会議) with its agencies, or none."""
    meeting.refresh_from_db()
    registrations = SupportMeetingRegistration.objects.filter(meeting=meeting, ended_on__isnull=True)
    wanted = (
        set(meeting.discussed_cases.values_list("case_id", flat=True)) if meeting.kind == "support" else set()
    )
    agencies = set(meeting.agencies.values_list("pk", flat=True))
    return set(registrations.values_list("case_id", flat=True)) == wanted and all(
        set(r.agencies.values_list("pk", flat=True)) == agencies and r.registered_on == meeting.held_on
        for r in registrations
    )


def test_a_support_meeting_shares_each_discussed_case_with_its_agencies(
    case, second_case, caseworker, agency, agency_user
):
    meeting = record(caseworker, cases=[case, second_case], agencies=[agency])

    assert _visible(agency_user) == {case.pk, second_case.pk}
    registrations = SupportMeetingRegistration.objects.filter(meeting=meeting)
    assert {r.case_id for r in registrations} == {case.pk, second_case.pk}
    assert _basis_in_sync(meeting)


@pytest.mark.parametrize("kind", ["multi_agency", "case_conference"])
def test_other_kinds_of_meeting_share_nothing(case, caseworker, agency, agency_user, kind):
    meeting = record(caseworker, cases=[case], agencies=[agency], kind=kind)

    assert _visible(agency_user) == set()
    assert not SupportMeetingRegistration.objects.filter(meeting=meeting).exists()


def test_taking_a_case_off_the_meeting_ends_its_registration(
    case, second_case, caseworker, agency, agency_user
):
    meeting = record(caseworker, cases=[case, second_case], agencies=[agency])

    meeting_services.meeting_update(
        meeting=meeting, updated_by=caseworker, discussions=[Discussion(case=case, decisions="継続")]
    )

    assert _visible(agency_user) == {case.pk}
    assert SupportMeetingRegistration.objects.get(meeting=meeting, case=second_case).ended_on is not None
    assert _basis_in_sync(meeting)


def test_changing_the_agencies_moves_the_access(case, caseworker, agency, agency_user):
    other = factories.make_agency("shogai-n")
    other_user = factories.make_staff("shogai_staff", role="agency", agency=other)
    from network.groups import agency_group

    other_user.groups.add(agency_group(other))
    meeting = record(caseworker, cases=[case], agencies=[agency])

    meeting_services.meeting_update(meeting=meeting, updated_by=caseworker, agencies=[other])

    assert _visible(agency_user) == set()
    assert _visible(other_user) == {case.pk}
    assert _basis_in_sync(meeting)


def test_changing_the_kind_ends_or_opens_the_basis(case, caseworker, agency, agency_user):
    meeting = record(caseworker, cases=[case], agencies=[agency])

    meeting_services.meeting_update(meeting=meeting, updated_by=caseworker, kind="case_conference")
    assert _visible(agency_user) == set()
    assert _basis_in_sync(meeting)

    meeting_services.meeting_update(meeting=meeting, updated_by=caseworker, kind="support")
    assert _visible(agency_user) == {case.pk}
    assert _basis_in_sync(meeting)


def test_moving_the_date_moves_the_registration_date(case, caseworker, agency):
    meeting = record(caseworker, cases=[case], agencies=[agency])

    meeting_services.meeting_update(meeting=meeting, updated_by=caseworker, held_on=datetime.date(2025, 1, 3))

    assert SupportMeetingRegistration.objects.get(meeting=meeting).registered_on == datetime.date(2025, 1, 3)


def test_a_meeting_registration_cannot_be_ended_on_its_own(case, caseworker, agency, agency_user):
    meeting = record(caseworker, cases=[case], agencies=[agency])
    registration = SupportMeetingRegistration.objects.get(meeting=meeting)

    with pytest.raises(services.StateConflict):
        services.support_meeting_end(registration=registration, ended_by=caseworker)

    assert _visible(agency_user) == {case.pk}
    assert _basis_in_sync(meeting)


def test_a_standalone_registration_and_a_meeting_are_separate_bases(case, caseworker, agency, agency_user):
    standalone = services.support_meeting_register(
        case=case,
        registered_by=caseworker,
        agencies=[agency],
        registered_on=HELD_ON,
        confidentiality_acknowledged=True,
    )
    meeting = record(caseworker, cases=[case], agencies=[agency])

    meeting_services.meeting_update(meeting=meeting, updated_by=caseworker, kind="case_conference")

    assert _visible(agency_user) == {case.pk}  # the standalone registration still stands
    services.support_meeting_end(registration=standalone, ended_by=caseworker)
    assert _visible(agency_user) == set()
    assert not CaseAccessGrant.objects.filter(
        case=case, basis=AccessBasis.SUPPORT_MEETING, revoked_at__isnull=True
    ).exists()


def test_narratives_are_kept_and_edited(case, caseworker, agency):
    meeting = record(caseworker, cases=[case], agencies=[agency])

    meeting_services.meeting_update(
        meeting=meeting,
        updated_by=caseworker,
        discussions=[Discussion(case=case, decisions="受診同行を行う", roles="包括: 受診同行")],
    )

    row = DiscussedCase.objects.get(meeting=meeting)
    assert (row.decisions, row.roles) == ("受診同行を行う", "包括: 受診同行")


def test_only_the_area_team_records(case, caseworker, agency, agency_user, other_caseworker):
    with pytest.raises(PermissionDenied):
        record(agency_user, cases=[case], agencies=[agency])
    with pytest.raises(PermissionDenied):
        record(other_caseworker, cases=[case], agencies=[agency])
    meeting = record(caseworker, cases=[case], agencies=[agency])
    with pytest.raises(PermissionDenied):
        meeting_services.meeting_update(meeting=meeting, updated_by=agency_user, kind="case_conference")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"held_on": datetime.date(2999, 1, 1)}, "held_on"),
        ({"agencies": []}, "agencies"),
        ({"next_meeting_on": HELD_ON}, "next_meeting_on"),
        ({"confidentiality_acknowledged": False}, "confidentiality_acknowledged"),
        ({"discussions": []}, "cases"),
    ],
)
def test_invalid_meetings_are_refused_on_the_field(case, caseworker, agency, extra, field):
    with pytest.raises(ValidationError) as error:
        record(caseworker, cases=[case], **({"agencies": [agency]} | extra))

    assert field in error.value.message_dict
    assert not SupportMeetingRegistration.objects.exists()


def test_a_case_of_another_area_cannot_be_discussed(case, caseworker, agency, other_caseworker, other_area):
    foreign = factories.make_case(by=other_caseworker, area=other_area)
    with pytest.raises(ValidationError) as error:
        meeting_services.meeting_record(
            recorded_by=caseworker,
            kind="case_conference",
            area=case.area,
            held_on=HELD_ON,
            agencies=[agency],
            discussions=[Discussion(case=case), Discussion(case=foreign)],
        )
    assert "cases" in error.value.message_dict


def test_staff_must_belong_to_the_team_or_an_agency(case, caseworker, agency, agency_user, other_caseworker):
    with pytest.raises(ValidationError) as error:
        record(caseworker, cases=[case], agencies=[agency], staff=[caseworker, other_caseworker])
    assert "staff" in error.value.message_dict

    meeting = record(caseworker, cases=[case], agencies=[agency], staff=[caseworker, agency_user])
    assert set(meeting.staff.all()) == {caseworker, agency_user}


def test_every_write_is_audited_on_the_meeting_and_on_each_case(case, second_case, caseworker, agency):
    meeting = record(caseworker, cases=[case, second_case], agencies=[agency])
    created = AuditEvent.objects.filter(action="meeting_record.create", object_id=str(meeting.pk))
    assert {e.case_id for e in created} == {None, case.pk, second_case.pk}
    assert "決定" not in str([e.changes for e in created])

    meeting_services.meeting_update(
        meeting=meeting, updated_by=caseworker, discussions=[Discussion(case=case, decisions="新しい決定")]
    )
    updated = AuditEvent.objects.filter(action="meeting_record.update", object_id=str(meeting.pk))
    assert {e.case_id for e in updated} == {None, case.pk, second_case.pk}
    assert updated.get(case=case).changes["decisions"] == ["***", "***"]


def test_an_update_keeps_the_cases_the_editor_may_not_see(case, caseworker, agency, area, other_area):
    """A case transferred away after the meeting stays on the record, untouched by an editor who cannot
    see it any more."""
    kept = factories.make_case(by=caseworker, area=area, name="架空 三郎", kana="カクウ サブロウ")
    meeting = record(caseworker, cases=[case, kept], agencies=[agency], kind="case_conference")
    services.case_transfer(case=kept, to_area=other_area, transferred_by=caseworker)
    services.case_access_revoke(case=kept, basis=AccessBasis.REFERRAL, source_id=None, revoked_by=caseworker)
    assert kept.pk not in _visible(caseworker)

    meeting_services.meeting_update(
        meeting=meeting, updated_by=caseworker, discussions=[Discussion(case=case)]
    )

    assert set(meeting.discussed_cases.values_list("case_id", flat=True)) == {case.pk, kept.pk}
    assert DiscussedCase.objects.get(meeting=meeting, case=kept).decisions == f"決定{kept.number}"


def test_reading_a_record_is_audited_per_case_shown(case, caseworker, agency):
    meeting = record(caseworker, cases=[case], agencies=[agency])
    rows = list(meeting_selectors.meeting_discussions(meeting=meeting, fetched_by=caseworker))

    meeting_services.meeting_record_read(meeting=meeting, read_by=caseworker, discussions=rows)

    assert AuditEvent.objects.filter(action="meeting_record.view", case=case, actor=caseworker).count() == 1


def test_decisions_and_roles_are_encrypted_at_rest(case, caseworker, agency):
    from django.db import connection

    from casework import rotation

    record(caseworker, cases=[case], agencies=[agency])
    labels = {c.label for c in rotation.encrypted_columns()}
    assert {"casework.DiscussedCase.decisions", "casework.DiscussedCase.roles"} <= labels
    with connection.cursor() as cursor:
        cursor.execute("SELECT decisions, roles FROM casework_discussedcase")
        stored = cursor.fetchone()
    assert all(value and case.number not in value and "決定" not in value for value in stored)
