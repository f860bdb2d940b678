"""member_add / member_update: the person at the centre is the one member recorded as 本人 (`self`)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from casework import services
from casework.models import AuditEvent, HouseholdMember
from network.groups import agency_group
from network.models import Role
from tests import factories


def add(case, by, **fields):
    return services.member_add(
        case=case, added_by=by, **{"name": "架空 一", "name_kana": "カクウ ハジメ", **fields}
    )


def test_is_focus_is_the_member_recorded_as_self(case, caseworker):
    focus = add(case, caseworker, relationship="self")
    spouse = add(case, caseworker, relationship="spouse")
    assert focus.is_focus and not spouse.is_focus


def test_is_focus_true_records_the_member_as_self(case, caseworker):
    member = add(case, caseworker, is_focus=True)
    assert member.relationship == "self" and member.is_focus


def test_is_focus_contradicting_the_relationship_is_rejected(case, caseworker):
    with pytest.raises(ValidationError) as error:
        add(case, caseworker, relationship="child", is_focus=True)
    assert "is_focus" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        add(case, caseworker, relationship="self", is_focus=False)
    assert "relationship" in error.value.message_dict
    assert not HouseholdMember.objects.exists()


def test_a_second_self_is_rejected_and_the_first_kept(case, caseworker):
    first = add(case, caseworker, relationship="self")
    with pytest.raises(ValidationError) as error:
        add(case, caseworker, name="架空 二", relationship="self")
    assert "relationship" in error.value.message_dict
    other = add(case, caseworker, name="架空 二", relationship="child")
    with pytest.raises(ValidationError):
        services.member_update(member=other, updated_by=caseworker, is_focus=True)
    assert list(HouseholdMember.objects.filter(relationship="self")) == [first]


def test_the_database_allows_one_self_per_case(case, caseworker):
    add(case, caseworker, relationship="self")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(case=case, name="x", name_kana="x", relationship="self")


def test_moving_the_focus_takes_two_edits(case, caseworker):
    mother = add(case, caseworker, relationship="self")
    son = add(case, caseworker, name="架空 二", relationship="child")
    services.member_update(member=mother, updated_by=caseworker, relationship="parent")
    services.member_update(member=son, updated_by=caseworker, is_focus=True)
    assert [m.pk for m in HouseholdMember.objects.filter(case=case)] == [son.pk, mother.pk]  # 本人 first


def test_leaving_the_focus_needs_a_relationship(case, caseworker):
    member = add(case, caseworker, relationship="self")
    with pytest.raises(ValidationError):
        services.member_update(member=member, updated_by=caseworker, is_focus=False)
    services.member_update(member=member, updated_by=caseworker, is_focus=False, relationship="spouse")
    member.refresh_from_db()
    assert member.relationship == "spouse"


def test_update_is_audited_old_to_new_with_personal_values_masked(case, caseworker):
    member = add(case, caseworker, relationship="child", birth_date=datetime.date(2010, 4, 1))
    services.member_update(
        member=member,
        updated_by=caseworker,
        name="架空 花",
        relationship="self",
        sex="female",
        issues=["young_carer"],
        birth_date=datetime.date(2010, 4, 2),
    )
    event = AuditEvent.objects.filter(action="member.change", object_id=str(member.pk)).latest("id")
    assert event.actor == caseworker and event.case == case
    assert event.changes == {
        "name": ["***", "***"],
        "birth_date": ["***", "***"],
        "relationship": ["child", "self"],
        "sex": ["unknown", "female"],
        "issues": [[], ["young_carer"]],
    }
    assert "架空" not in str(event.changes) and "2010" not in str(event.changes)


def test_an_update_that_changes_nothing_writes_no_audit_row(case, caseworker):
    member = add(case, caseworker, relationship="child")
    before = AuditEvent.objects.count()
    services.member_update(member=member, updated_by=caseworker, relationship="child")
    assert AuditEvent.objects.count() == before


def test_only_the_area_team_edits_members(case, caseworker, agency):
    member = add(case, caseworker, relationship="self")
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today())
    agency_staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    agency_staff.groups.add(agency_group(agency))
    with pytest.raises(PermissionDenied):
        services.member_update(member=member, updated_by=agency_staff, name="改ざん")
    with pytest.raises(PermissionDenied):
        add(case, agency_staff, relationship="child")
    member.refresh_from_db()
    assert member.name == "架空 一"


def test_unknown_fields_are_rejected(case, caseworker):
    member = add(case, caseworker, relationship="self")
    with pytest.raises(ValidationError):
        services.member_update(member=member, updated_by=caseworker, case_id=999)
