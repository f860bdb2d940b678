import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from casework import services
from casework.models import AuditEvent
from tests import factories


def _actions(case):
    return list(AuditEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


def test_every_change_to_a_case_is_audited_in_order(case, caseworker, agency):
    services.case_update(case=case, updated_by=caseworker, phone="090-1234-0000", urgency="high")
    services.member_add(
        case=case, added_by=caseworker, name="架空 三郎", name_kana="カクウ サブロウ", relationship="child"
    )
    services.plan_create(case=case, created_by=caseworker, long_term_goal="目標")
    activity = factories.log_activity(case, by=caseworker, agencies=[agency])
    services.activity_edit(activity=activity, edited_by=caseworker, minutes=50)
    services.activity_void(activity=activity, voided_by=caseworker, reason="重複")
    services.case_change_status(case=case, changed_by=caseworker, status="assessment")
    consent = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today()
    )
    services.consent_withdraw(consent=consent, withdrawn_by=caseworker)
    services.case_record_read(case=case, read_by=caseworker)
    assert _actions(case) == [
        "case.create",
        "case.update",
        "member.change",
        "plan.create",
        "activity.create",
        "activity.update",
        "activity.void",
        "case.status",
        "permission.grant",
        "consent.give",
        "permission.revoke",
        "consent.withdraw",
        "case.view",
    ]
    assert AuditEvent.objects.filter(case=case).exclude(actor=caseworker).count() == 0


def test_changes_show_old_and_new_but_mask_personal_fields(case, caseworker):
    services.case_update(case=case, updated_by=caseworker, phone="090-1234-0000", urgency="high")
    event = AuditEvent.objects.get(case=case, action="case.update")
    assert event.changes["urgency"] == ["medium", "high"]
    assert event.changes["phone"] == ["", "***"]
    assert "090" not in str(event.changes)


def test_logins_and_failures_are_audited(client, caseworker):
    client.post("/login/", {"username": "cw_north", "password": "wrong-password"})
    client.post("/login/", {"username": "cw_north", "password": "correct-horse-9"})
    client.post("/logout/")
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "actor_username", "changes"))
    assert rows[0] == ("auth.login_failed", "", {"username": "cw_north"})
    assert [r[:2] for r in rows[1:]] == [("auth.login", "cw_north"), ("auth.logout", "cw_north")]
    assert "wrong-password" not in str(rows)


def test_a_failed_change_leaves_no_audit_row(case, caseworker):
    with pytest.raises(services.StateConflict):
        services.case_change_status(case=case, changed_by=caseworker, status="monitoring")
    assert _actions(case) == ["case.create"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE casework_auditevent SET action = 'case.view'",
        "DELETE FROM casework_auditevent",
    ],
)
def test_postgres_refuses_to_alter_audit_rows(case, statement):
    assert AuditEvent.objects.exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert AuditEvent.objects.filter(action="case.create").exists()


@pytest.mark.postgres
def test_postgres_refuses_orm_updates_of_audit_rows(case):
    event = AuditEvent.objects.first()
    event.action = "case.view"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()


def test_group_and_permission_changes_of_staff_are_audited(db):
    from django.contrib.auth.models import Permission

    from network.groups import agency_group

    agency = factories.make_agency("kikan-x")
    user = factories.make_staff("agency_x", role="agency", agency=agency)
    user.groups.add(agency_group(agency))
    user.user_permissions.add(Permission.objects.get(codename="share_without_basis"))
    user.groups.remove(agency_group(agency))
    rows = list(
        AuditEvent.objects.filter(object_id=str(user.pk), object_type="network.user")
        .order_by("id")
        .values_list("action", "changes")
    )
    assert rows == [
        ("permission.grant", {"groups": [None, ["agency:kikan-x"]]}),
        ("permission.grant", {"permissions": [None, ["casework.share_without_basis"]]}),
        ("permission.revoke", {"groups": [["agency:kikan-x"], None]}),
    ]
