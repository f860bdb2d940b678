"""Key rotation: every encrypted column ends up under the newest key, readable, and re-runs do nothing."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework import encryption, rotation, services
from casework.models import (
    AccessBasis,
    Activity,
    ActivityRevision,
    AuditEvent,
    Case,
    CaseAccessGrant,
    HouseholdMember,
    PlanRole,
    SupportPlan,
)
from tests import factories

OLD = f"old:{encryption.generate_key()}"
NEW = f"new:{encryption.generate_key()}"
EVERYWHERE = [
    "casework_case.household_name",
    "casework_case.household_name_kana",
    "casework_case.address",
    "casework_case.phone",
    "casework_case.wishes",
    "casework_case.consultation_summary",
    "casework_householdmember.name",
    "casework_householdmember.name_kana",
    "casework_householdmember.birth_date",
    "casework_householdmember.phone",
    "casework_supportplan.wishes",
    "casework_supportplan.long_term_goal",
    "casework_supportplan.short_term_goal",
    "casework_planrole.support",
    "casework_activity.note",
    "casework_activityrevision.note",
    "casework_auditevent.reason",
    "casework_caseaccessgrant.reason",
]


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def stored_values() -> dict[str, list[str]]:
    """Every non-empty stored value of every encrypted column, straight from the database."""
    values, qn = {}, connection.ops.quote_name
    with connection.cursor() as cursor:
        for column in rotation.encrypted_columns():
            cursor.execute(
                f"SELECT {qn(column.column)} FROM {qn(column.table)} WHERE {qn(column.column)} <> ''"
            )
            values[column.context] = [row[0] for row in cursor.fetchall()]
    return values


def readable() -> dict:
    """Everything personal, read back through the ORM (decrypted)."""
    return {
        "cases": sorted(
            Case.objects.values_list(
                "pk",
                "household_name",
                "household_name_kana",
                "address",
                "phone",
                "wishes",
                "consultation_summary",
            )
        ),
        "members": sorted(
            HouseholdMember.objects.values_list("pk", "name", "name_kana", "birth_date", "phone")
        ),
        "plans": sorted(SupportPlan.objects.values_list("pk", "wishes", "long_term_goal", "short_term_goal")),
        "roles": sorted(PlanRole.objects.values_list("pk", "support")),
        "activities": sorted(Activity.objects.values_list("pk", "note")),
        "revisions": sorted(ActivityRevision.objects.values_list("pk", "note")),
        "audit": sorted(row for row in AuditEvent.objects.values_list("pk", "reason") if row[1]),
        "grants": sorted(CaseAccessGrant.objects.values_list("pk", "reason")),
    }


@pytest.fixture
def old_data(settings, caseworker, area, agency):
    """Cases, members, plans, activities, a revision, an audit reason and a grant reason under 'old'."""
    settings.FIELD_ENCRYPTION_KEYS = OLD
    for n in range(3):
        case = factories.make_case(
            by=caseworker,
            area=area,
            name=f"架空 太郎{n}",
            kana=f"カクウ タロウ{n}",
            address="デモ市本町1-2-3",
            phone=f"000-0000-000{n}",
            wishes="家で暮らしたい",
            consultation_summary="架空の相談",
        )
        services.member_add(
            case=case,
            added_by=caseworker,
            name=f"架空 花子{n}",
            name_kana="カクウ ハナコ",
            birth_date=datetime.date(1950, 1, n + 1),
            relationship="self",
            phone="000-1111-2222",
            is_focus=True,
        )
        services.plan_create(
            case=case,
            created_by=caseworker,
            wishes="自立したい",
            long_term_goal="長期目標",
            short_term_goal="短期目標",
            roles=[(agency, "見守り", "週1回")],
        )
        activity = factories.log_activity(case, by=caseworker, agencies=[agency], note=f"訪問した{n}")
    services.activity_edit(activity=activity, edited_by=caseworker, note="訂正後のメモ")
    services.activity_void(activity=activity, voided_by=caseworker, reason="入力誤り")
    CaseAccessGrant.objects.create(
        case=case,
        user=caseworker,
        basis=AccessBasis.BREAK_GLASS,
        reason="緊急の確認",
        granted_by=caseworker,
        granted_at=timezone.now(),
    )
    return readable()


def test_the_test_data_fills_every_encrypted_column(old_data):
    values = stored_values()

    assert set(EVERYWHERE) <= set(values)
    assert all(values[column] for column in EVERYWHERE)
    assert all(v.startswith("enc1:old:") for vs in values.values() for v in vs)


def test_rotation_puts_every_value_under_the_newest_key(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"

    out = rotate()

    values = stored_values()
    assert all(v.startswith("enc1:new:") for vs in values.values() for v in vs), values
    assert readable() == old_data
    total = sum(len(vs) for vs in values.values())
    assert f"Done: {total} values re-encrypted" in out


def test_a_second_rotation_changes_nothing(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    rotate()
    before = stored_values()

    out = rotate()

    assert stored_values() == before
    assert "Done: 0 values re-encrypted" in out


def test_after_rotation_the_old_key_can_be_dropped(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    rotate()

    settings.FIELD_ENCRYPTION_KEYS = NEW

    assert readable() == old_data


def test_small_batches_rotate_everything(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"

    rotate("--batch-size", "1")

    assert all(v.startswith("enc1:new:") for vs in stored_values().values() for v in vs)


def test_an_interrupted_rotation_resumes_where_it_stopped(old_data, settings, monkeypatch):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    real_apply, calls = rotation._apply, []

    def crash_on_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(rotation, "_apply", crash_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        rotate("--batch-size", "2")
    monkeypatch.setattr(rotation, "_apply", real_apply)
    partly = stored_values()
    assert any(v.startswith("enc1:new:") for vs in partly.values() for v in vs)
    assert any(v.startswith("enc1:old:") for vs in partly.values() for v in vs)

    rotate("--batch-size", "2")

    assert all(v.startswith("enc1:new:") for vs in stored_values().values() for v in vs)
    assert readable() == old_data


def test_values_already_under_the_newest_key_are_left_alone(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    case = Case.objects.order_by("pk").first()
    services.case_update(case=case, updated_by=case.created_by, phone="000-9999-9999")
    current = next(v for v in stored_values()["casework_case.phone"] if v.startswith("enc1:new:"))

    rotate()

    assert current in stored_values()["casework_case.phone"]
    assert Case.objects.get(pk=case.pk).phone == "000-9999-9999"


def test_a_value_the_application_rewrites_during_the_batch_is_not_overwritten(
    old_data, settings, monkeypatch
):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    case = Case.objects.order_by("pk").first()
    real_apply = rotation._apply

    def edit_between_read_and_write(column, *args, **kwargs):
        if column.context == "casework_case.phone":
            services.case_update(
                case=Case.objects.get(pk=case.pk), updated_by=case.created_by, phone="000-5555-5555"
            )
        return real_apply(column, *args, **kwargs)

    monkeypatch.setattr(rotation, "_apply", edit_between_read_and_write)

    out = rotate()

    assert Case.objects.get(pk=case.pk).phone == "000-5555-5555"
    assert (
        "casework_case.phone: 3 under older keys, 2 re-encrypted, 1 rewritten by the application meanwhile"
        in out
    )


def test_dry_run_counts_without_changing_anything(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    before = stored_values()

    out = rotate("--dry-run")

    assert stored_values() == before
    assert f"{sum(len(vs) for vs in before.values())} values in" in out


def test_a_value_under_a_missing_key_is_reported_and_the_rest_rotated(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    case = Case.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_case SET phone = %s WHERE id = %s", ["enc1:lost:AAAA", case.pk])

    with pytest.raises(CommandError, match="1 values could not be decrypted"):
        rotate()

    values = stored_values()
    assert "enc1:lost:AAAA" in values["casework_case.phone"]
    others = [v for vs in values.values() for v in vs if v != "enc1:lost:AAAA"]
    assert all(v.startswith("enc1:new:") for v in others)


def test_rotation_refuses_when_encryption_is_disabled(db, settings):
    settings.FIELD_ENCRYPTION_DISABLED = True

    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_DISABLED"):
        rotate()


def test_encrypted_columns_are_found_by_walking_the_models():
    contexts = {column.context for column in rotation.encrypted_columns()}

    assert set(EVERYWHERE) <= contexts
    assert "casework_case.number" not in contexts
    assert "casework_case.kana_index" not in contexts


@pytest.mark.postgres
def test_the_audit_log_stays_append_only_after_rotation(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"

    rotate()

    assert all(v.startswith("enc1:new:") for v in stored_values()["casework_auditevent.reason"])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(reason="")


@pytest.mark.postgres
def test_without_owning_the_audit_table_everything_else_is_rotated_and_the_reason_explained(
    old_data, settings
):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    with connection.cursor() as cursor:  # an application role that does not own the tables
        cursor.execute("CREATE ROLE yorisoi_rotation_app NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO yorisoi_rotation_app")
        cursor.execute("SET LOCAL ROLE yorisoi_rotation_app")

    with pytest.raises(CommandError, match="only the table owner may re-encrypt it"):
        rotate()

    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    values = stored_values()
    assert all(v.startswith("enc1:old:") for v in values.pop("casework_auditevent.reason"))
    assert all(v.startswith("enc1:new:") for vs in values.values() for v in vs)
