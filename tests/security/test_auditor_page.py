"""The auditor's page over the audit log (/audit/) and its CSV export: auditors only (404 for everyone
else), filters by user, case number, action and local date, and the export is itself audited."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from casework import audit, services
from casework.audit_selectors import AuditFilters, audit_events
from casework.models import AuditEvent
from network.roles import role_group_sync, role_permissions_sync
from tests import factories

BOM = b"\xef\xbb\xbf"
UTC = datetime.UTC


def _client_for(user) -> Client:
    return factories.verified_client(user)


def _usernames(response) -> list[str]:
    return [event.actor_username for event, _changes in response.context["rows"]]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM) :].decode("utf-8"))))


@pytest.fixture
def auditor(db):
    return factories.make_staff("auditor", role="auditor")


@pytest.fixture
def auditor_client(auditor):
    return _client_for(auditor)


@pytest.fixture
def events(case, caseworker, other_caseworker):
    """The case's own creation row, one update by the caseworker, one read by another, and a dated login."""
    services.case_update(case=case, updated_by=caseworker, phone="090-1234-0000", urgency="high")
    audit.record(actor=other_caseworker, action="case.view", case=case)
    AuditEvent.objects.create(
        at=datetime.datetime(2026, 4, 1, 15, 30, tzinfo=UTC),  # 2 April 00:30 in Tokyo
        actor=caseworker,
        actor_username="cw_north",
        action="auth.login",
    )
    return case


def test_auditor_sees_events_newest_first_with_masked_changes(auditor_client, events):
    response = auditor_client.get("/audit/")
    assert response.status_code == 200
    rows = response.context["rows"]
    ats = [event.at for event, _changes in rows]
    assert ats == sorted(ats, reverse=True)
    actions = {event.action for event, _changes in rows}
    assert actions >= {"case.create", "case.update", "case.view", "auth.login"}
    body = response.content.decode()
    assert events.number in body and "cw_south" in body
    assert "***" in body and "090-1234-0000" not in body
    assert "2026/04/02 00:30" in body  # shown in Asia/Tokyo, in the pages' date shape


def test_filter_by_action(auditor_client, events):
    response = auditor_client.get("/audit/", {"action": "case.update"})
    assert [event.action for event, _changes in response.context["rows"]] == ["case.update"]


def test_filter_by_user(auditor_client, events):
    response = auditor_client.get("/audit/", {"user": "cw_south"})
    assert _usernames(response) == ["cw_south"]


def test_filter_by_case_number(auditor_client, events, other_caseworker):
    other_case = factories.make_case(by=other_caseworker)
    response = auditor_client.get("/audit/", {"case": events.number})
    cases = {event.case_id for event, _changes in response.context["rows"]}
    assert cases == {events.pk}
    response = auditor_client.get("/audit/", {"case": other_case.number})
    assert [event.action for event, _changes in response.context["rows"]] == ["case.create"]


def test_filter_by_local_date(auditor_client, events):
    response = auditor_client.get("/audit/", {"date_from": "2026-04-02", "date_to": "2026-04-02"})
    assert [event.action for event, _changes in response.context["rows"]] == ["auth.login"]
    response = auditor_client.get("/audit/", {"date_from": "2026-04-01", "date_to": "2026-04-01"})
    assert response.context["rows"] == []


def test_invalid_filter_values_are_ignored(auditor_client, events):
    response = auditor_client.get("/audit/", {"action": "no.such", "date_from": "not-a-date"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == AuditEvent.objects.count()


def test_pages_hold_100_events(auditor_client, caseworker):
    now = datetime.datetime(2026, 5, 1, tzinfo=UTC)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(at=now + datetime.timedelta(minutes=i), actor_username="bulk", action="case.view")
            for i in range(105)
        ]
    )
    first = auditor_client.get("/audit/", {"user": "bulk"})
    second = auditor_client.get("/audit/", {"user": "bulk", "page": 2})
    assert len(first.context["rows"]) == 100 and len(second.context["rows"]) == 5
    assert first.context["rows"][0][0].at == now + datetime.timedelta(minutes=104)


@pytest.mark.parametrize("role", ["caseworker", "coordinator", "agency", "manager"])
@pytest.mark.parametrize("path", ["/audit/", "/audit/export.csv"])
def test_everyone_but_auditors_gets_404(db, events, role, path):
    kwargs = {"area": factories.make_area()} if role in ("caseworker", "coordinator") else {}
    if role == "agency":
        kwargs = {"agency": factories.make_agency()}
    user = factories.make_staff(f"x_{role}", role=role, **kwargs)
    client = _client_for(user)
    before = AuditEvent.objects.count()
    response = client.get(path)
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before  # a refused export writes nothing


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_selector_returns_nothing_for_non_auditors(events, caseworker, auditor):
    assert not audit_events(fetched_by=caseworker, filters=AuditFilters()).exists()
    assert audit_events(fetched_by=auditor, filters=AuditFilters()).exists()


def test_csv_export_has_bom_header_and_filtered_rows(auditor_client, events):
    response = auditor_client.get("/audit/export.csv", {"action": "case.update"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header, data = rows[0], rows[1:]
    assert len(header) == 13  # … reason, staff name, object, changes
    assert len(data) == 1
    assert data[0][1] == "cw_north" and data[0][2] == "case.update" and data[0][4] == events.number
    assert "***" in data[0][-1] and "090-1234-0000" not in data[0][-1]


def test_csv_times_are_local_and_formulas_are_defused(auditor_client, db):
    AuditEvent.objects.create(
        at=datetime.datetime(2026, 4, 1, 15, 30, tzinfo=UTC),
        actor_username="=HYPERLINK()",
        action="auth.login_failed",
    )
    rows = _csv(auditor_client.get("/audit/export.csv", {"action": "auth.login_failed"}))
    assert rows[1][0] == "2026-04-02 00:30:00"
    assert rows[1][1] == "'=HYPERLINK()"


def test_export_writes_its_own_audit_row(auditor_client, auditor, events):
    response = auditor_client.get("/audit/export.csv", {"user": "cw_north", "date_from": "2026-04-02"})
    b"".join(response.streaming_content)
    row = AuditEvent.objects.filter(actor=auditor, action="case.export").get()
    assert row.changes == {
        "audit_export": {
            "user": "cw_north",
            "case": "",
            "action": "",
            "date_from": "2026-04-02",
            "date_to": "",
        }
    }
    assert row.channel == "web"


def test_break_glass_reason_is_shown_to_auditors(auditor_client, case):
    manager = factories.make_staff("hq", role="manager")
    audit.record(actor=manager, action="break_glass", case=case, reason="本人の安否確認のため")
    response = auditor_client.get("/audit/", {"action": "break_glass"})
    assert "本人の安否確認のため" in response.content.decode()
    rows = _csv(auditor_client.get("/audit/export.csv", {"action": "break_glass"}))
    assert rows[1][9] == "本人の安否確認のため"


def test_role_groups_give_managers_break_glass_and_caseworkers_not(caseworker):
    manager = factories.make_staff("hq", role="manager")
    coordinator = factories.make_staff("coord", role="coordinator", area=factories.make_area())
    role_permissions_sync()
    role_permissions_sync()  # idempotent
    for user in (manager, caseworker, coordinator):
        role_group_sync(user=user)
    assert manager.has_perm("casework.break_glass")
    assert not manager.has_perm("casework.share_without_basis")
    assert coordinator.has_perm("casework.share_without_basis")
    assert not coordinator.has_perm("casework.break_glass")
    assert not caseworker.has_perm("casework.break_glass")
    assert not caseworker.has_perm("casework.share_without_basis")
    assert set(Group.objects.get(name="role:manager").permissions.values_list("codename", flat=True)) == {
        "break_glass"
    }


def test_role_group_sync_removes_stale_role_groups(caseworker):
    role_permissions_sync()
    caseworker.groups.add(Group.objects.get(name="role:manager"))
    area_group = Group.objects.create(name="area:x")
    caseworker.groups.add(area_group)
    role_group_sync(user=caseworker)
    assert set(caseworker.groups.values_list("name", flat=True)) == {"role:caseworker", "area:x"}
    assert not caseworker.has_perm("casework.break_glass")


def test_role_permissions_sync_removes_extra_permissions(db):
    role_permissions_sync()
    group = Group.objects.get(name="role:manager")
    group.permissions.add(*Group.objects.get(name="role:coordinator").permissions.all())
    role_permissions_sync()
    assert list(group.permissions.values_list("codename", flat=True)) == ["break_glass"]


def test_the_export_filter_finds_report_exports_case_exports_and_downloads(db):
    """The auditor's 'every export' choice gathers each way a record leaves the system on disk; 'every
    print' the prints. A manager's report export is an export, not a 報告 row the filter misses."""
    from casework.models import AuditAction
    from network.models import Role

    auditor = factories.make_staff("auditor_f", role=Role.AUDITOR)
    for action in (
        AuditAction.REPORT_EXPORT,
        AuditAction.CASE_EXPORT,
        AuditAction.DOCUMENT_DOWNLOAD,
        AuditAction.REPORT_PRINT,
        AuditAction.CASE_PRINT,
        AuditAction.CASE_VIEW,
    ):
        audit.record(actor=auditor, action=action)

    exports = audit_events(fetched_by=auditor, filters=AuditFilters(action="export"))
    prints = audit_events(fetched_by=auditor, filters=AuditFilters(action="print"))

    assert sorted(exports.values_list("action", flat=True)) == [
        "case.export",
        "document.download",
        "report.export",
    ]
    assert sorted(prints.values_list("action", flat=True)) == ["case.print", "report.print"]


# --- the page reads as a person would name things (issue #14, Auditors) ----------------------------------


def _named(username: str, family: str, given: str, family_kana: str, given_kana: str, role="manager"):
    user = factories.make_staff(username, role=role)
    user.last_name, user.first_name = family, given
    user.family_name_kana, user.given_name_kana = family_kana, given_kana
    user.save()
    return user


def test_rows_show_local_time_object_label_change_lines_and_staff_names(auditor_client, events, caseworker):
    caseworker.last_name, caseworker.first_name = "北村", "花子"
    caseworker.save()
    response = auditor_client.get("/audit/", {"action": "case.update"}, HTTP_ACCEPT_LANGUAGE="ja")
    [(_event, row)] = response.context["rows"]
    assert row.actor_name == "北村 花子"
    assert row.object_label == f"ケース {events.number}"
    # field by its name, a choice by its label, a personal value masked: never the phone number itself
    assert row.change_lines == ["電話番号: — → ***", "緊急性: 中 → 高"]
    body = response.content.decode()
    assert "北村 花子" in body and f"ケース {events.number}" in body
    assert "090-1234-0000" not in body
    table = body[body.index('<table class="audit-events"') :]
    assert "{&quot;" not in table and "[&quot;" not in table  # no raw JSON in the table
    login = auditor_client.get("/audit/", {"action": "auth.login"}).content.decode()
    assert '">2026/04/02 00:30</time>' in login  # date and time together, on one line


def test_a_row_without_an_account_names_the_typed_username(auditor_client, db):
    AuditEvent.objects.create(
        at=datetime.datetime(2026, 4, 1, tzinfo=UTC), actor_username="ghost", action="auth.login_failed"
    )
    response = auditor_client.get("/audit/", {"action": "auth.login_failed"})
    [(_event, row)] = response.context["rows"]
    assert row.actor_name == "ghost" and row.object_label == ""


def test_every_cell_is_labelled_for_the_stacked_phone_layout(auditor_client, events):
    body = auditor_client.get("/audit/").content.decode()
    cells = body.count("<td")
    assert cells and cells == body.count('<td class="when" data-label=') + body.count(
        "<td data-label="
    ) + sum(body.count(f'<td class="{name}" data-label=') for name in ("who", "object", "reason", "changes"))
    assert 'class="table-scroll"' not in body  # the page itself never scrolls sideways


@pytest.mark.parametrize("typed", ["田中", "優子", "たなか", "ゆう", "田中 優子", "MGR_TAN", "mgr_ta"])
def test_user_filter_matches_part_of_a_name_kana_or_username(auditor_client, events, typed):
    manager = _named("mgr_tanaka", "田中", "優子", "たなか", "ゆうこ")
    audit.record(actor=manager, action="report.export")
    response = auditor_client.get("/audit/", {"user": typed})
    assert {event.actor_id for event, _row in response.context["rows"]} == {manager.pk}
    rows = _csv(auditor_client.get("/audit/export.csv", {"user": typed}))
    assert [r[1] for r in rows[1:]] == ["mgr_tanaka"]
    assert rows[1][10] == "田中 優子"


def test_user_filter_still_finds_failed_logins_by_typed_username(auditor_client, db):
    AuditEvent.objects.create(
        at=datetime.datetime(2026, 4, 1, tzinfo=UTC), actor_username="Intruder", action="auth.login_failed"
    )
    response = auditor_client.get("/audit/", {"user": "intru"})
    assert [event.actor_username for event, _row in response.context["rows"]] == ["Intruder"]


def test_every_object_type_the_code_writes_has_a_label(db, settings):
    """Run every audited path of the audit-coverage world and name the object of every row it writes."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import translation

    from casework.audit_labels import object_label
    from tests.security.test_audit_coverage import PATHS, World

    world = World()
    labels: dict[str, tuple[str, str, str]] = {}  # object_type -> (label, object_id, case number)
    for performers in PATHS.values():
        for perform in performers:
            with transaction.atomic():  # every path starts from the same world, as in the coverage test
                before = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
                perform(world)
                written = (
                    AuditEvent.objects.filter(id__gt=before).exclude(object_type="").select_related("case")
                )
                with translation.override("ja"):
                    for event in written:
                        number = event.case.number if event.case_id else ""
                        labels.setdefault(event.object_type, (object_label(event), event.object_id, number))
                transaction.set_rollback(True)
    assert len(labels) >= 10, sorted(labels)  # the world writes many kinds of object
    for object_type, (label, object_id, number) in labels.items():
        assert object_type not in label, f"{object_type} has no name: {label}"
        assert not label.isascii(), f"{object_type} is not named in Japanese: {label}"
        if object_type == "casework.case":
            assert label == f"ケース {number}"
        else:
            assert label.endswith(f" #{object_id}")


def test_phone_stylesheet_stacks_audit_rows_as_labelled_cards():
    """Below the wide-screen breakpoint each row is a block (a card) whose cells name themselves; the real
    390px layout is checked in Chromium by tests/e2e/test_auditor_finds_exports.py."""
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "yorisoi.css").read_text()
    phone = css[css.index("/* --- the auditor's audit log") :]
    phone = phone[: phone.index("@media")]
    assert ".audit-events tr {\n  display: block;" in phone
    assert '.audit-events td[data-label]::before { content: attr(data-label) "："' in phone
    assert ".audit-events thead { position: absolute; left: -9999px; }" in phone
