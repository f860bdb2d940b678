"""Key rotation: every encrypted column ends up under the newest key, readable, and re-runs do nothing.

Driven by the registry the rotation itself uses (casework.rotation.encrypted_columns()): the fixture plants
a value of its own in every registered column (tests/planted.py), so a column the rotation skipped, or a
value it garbled, shows up here.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from casework import encryption, rotation, services
from casework.models import AuditEvent, Case
from tests import factories
from tests.planted import decrypted_raw_values, orm_values, plant_every_encrypted_field, raw_values, registry

OLD = f"old:{encryption.generate_key()}"
NEW = f"new:{encryption.generate_key()}"


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def stored_values() -> dict[str, list[str]]:
    """Every non-empty stored value of every encrypted column, straight from the database."""
    return {column.context: raw_values(column) for column in rotation.encrypted_columns()}


def key_ids() -> dict[str, set[str]]:
    return {context: {encryption.key_id_of(v) for v in values} for context, values in stored_values().items()}


@pytest.fixture
def planted(db, settings):
    """Every registered encrypted column planted with its own synthetic value, under the 'old' key."""
    settings.FIELD_ENCRYPTION_KEYS = OLD
    return plant_every_encrypted_field()


@pytest.fixture
def old_data(planted):
    """What the application reads back before the rotation."""
    return orm_values()


def test_the_test_data_fills_every_encrypted_column_under_the_old_key(planted):
    assert planted.columns() == set(registry())
    assert key_ids() == {column.context: {"old"} for column in rotation.encrypted_columns()}


def test_rotation_re_encrypts_every_planted_value_under_the_newest_key(planted, old_data, settings):
    before = stored_values()
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"

    out = rotate()

    assert key_ids() == {column.context: {"new"} for column in rotation.encrypted_columns()}
    after = stored_values()
    for context, values in before.items():
        assert not set(values) & set(after[context]), f"{context}: a ciphertext was left as it was"
    for label, column in registry().items():
        missing = set(planted.values[label]) - set(decrypted_raw_values(column))
        assert not missing, f"{label}: a planted value no longer decrypts to itself"
    assert orm_values() == old_data
    total = sum(len(vs) for vs in after.values())
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

    assert orm_values() == old_data


def test_small_batches_rotate_everything(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"

    rotate("--batch-size", "1")

    assert key_ids() == {column.context: {"new"} for column in rotation.encrypted_columns()}


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
    assert orm_values() == old_data


def test_values_already_under_the_newest_key_are_left_alone(old_data, settings):
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    case = Case.objects.order_by("pk").first()
    services.case_update(case=case, updated_by=case.created_by, phone="000-9999-9999")
    current = next(v for v in stored_values()["casework_case.phone"] if v.startswith("enc1:new:"))

    rotate()

    assert current in stored_values()["casework_case.phone"]
    assert Case.objects.get(pk=case.pk).phone == "000-9999-9999"


def test_a_value_the_application_rewrites_during_the_batch_is_not_overwritten(planted, settings, monkeypatch):
    case = planted.case
    for n in range(2):  # three phones under the old key in all
        factories.make_case(by=case.created_by, area=case.area, phone=f"000-0000-000{n}")
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
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
    """Which columns they are is checked by planting every one of them (tests/planted.py)."""
    contexts = [column.context for column in rotation.encrypted_columns()]

    assert len(contexts) == len(set(contexts))
    assert {"casework_case.phone", "referrals_referral.decline_reason"} <= set(contexts)
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


def test_a_column_turned_encrypted_has_its_old_plaintext_encrypted_in_place(case, caseworker):
    """What migrations casework 0007 / referrals 0002 do to free text typed before it was encrypted."""
    from types import SimpleNamespace

    from django.db import connection

    from casework.models import Activity
    from casework.rotation import encrypt_plaintext_column

    kept = factories.log_activity(case, by=caseworker, note="架空")
    services.activity_void(activity=kept, voided_by=caseworker, reason="架空-暗号化済み")
    old = factories.log_activity(case, by=caseworker, note="架空")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_activity SET void_reason = %s WHERE id = %s", ["架空-平文", old.pk])

    encrypted = encrypt_plaintext_column(
        SimpleNamespace(connection=connection), table="casework_activity", column="void_reason"
    )

    assert encrypted == 1  # the value already encrypted is left alone
    assert Activity.objects.get(pk=old.pk).void_reason == "架空-平文"
    assert Activity.objects.get(pk=kept.pk).void_reason == "架空-暗号化済み"
    with connection.cursor() as cursor:
        cursor.execute("SELECT void_reason FROM casework_activity WHERE id = %s", [old.pk])
        assert "架空-平文" not in cursor.fetchone()[0]
