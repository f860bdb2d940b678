"""0007: the old is_central flag and the relationship are reconciled into one 本人 per case."""

import pytest

from tests.migrating import historical_case_maker, migrate_to, migrate_to_latest

BEFORE = [("casework", "0006_list_and_report_indexes")]
AFTER = [("casework", "0007_member_focus_is_self")]


@pytest.mark.django_db(transaction=True)
def test_the_central_member_becomes_self_and_a_rival_self_becomes_other():
    apps = migrate_to(BEFORE)
    try:
        Member = apps.get_model("casework", "HouseholdMember")
        case = historical_case_maker(apps)

        def member(case, relationship, central=False):
            return Member.objects.create(
                case=case, name="x", name_kana="x", relationship=relationship, is_central=central
            ).pk

        contradicting = case("2024-0001")
        old_self = member(contradicting, "self")
        central_child = member(contradicting, "child", central=True)
        two_selves = case("2024-0002")
        first, second = member(two_selves, "self"), member(two_selves, "self")
        consistent = case("2024-0003")
        ok, spouse = member(consistent, "self", central=True), member(consistent, "spouse")

        apps = migrate_to(AFTER)
        Member = apps.get_model("casework", "HouseholdMember")
        AuditEvent = apps.get_model("casework", "AuditEvent")
        relationship = dict(Member.objects.values_list("id", "relationship"))
        assert relationship[central_child] == "self" and relationship[old_self] == "other"
        assert relationship[first] == "self" and relationship[second] == "other"
        assert relationship[ok] == "self" and relationship[spouse] == "spouse"
        changes = {int(e.object_id): e.changes for e in AuditEvent.objects.filter(channel="migration")}
        assert changes == {
            central_child: {"relationship": ["child", "self"]},
            old_self: {"relationship": ["self", "other"]},
            second: {"relationship": ["self", "other"]},
        }
    finally:
        migrate_to_latest()
