import base64
import datetime

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured

from casework import encryption
from casework.encryption import DecryptionError
from casework.models import Case, HouseholdMember

KEY_A = base64.urlsafe_b64encode(b"a" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"b" * 32).decode()


def test_round_trip_binds_the_column(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    stored = encryption.encrypt("架空 花子", context="casework_case.household_name")
    assert stored.startswith("enc1:a:")
    assert "架空" not in stored
    assert encryption.decrypt(stored, context="casework_case.household_name") == "架空 花子"
    with pytest.raises(DecryptionError):
        encryption.decrypt(stored, context="casework_case.address")


def test_same_plaintext_encrypts_differently_each_time(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    assert encryption.encrypt("x", context="t.c") != encryption.encrypt("x", context="t.c")


def test_tampered_value_fails_loudly(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    stored = encryption.encrypt("秘密", context="t.c")
    prefix, payload = stored.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        encryption.decrypt(f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", context="t.c")


def test_unknown_key_and_plaintext_are_refused(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    stored = encryption.encrypt("x", context="t.c")
    settings.FIELD_ENCRYPTION_KEYS = f"b:{KEY_B}"
    with pytest.raises(DecryptionError, match="no configured key"):
        encryption.decrypt(stored, context="t.c")
    with pytest.raises(DecryptionError, match="not in the encrypted format"):
        encryption.decrypt("plain text that was never encrypted", context="t.c")


def test_older_keys_still_decrypt_after_a_new_key_is_added(settings):
    settings.FIELD_ENCRYPTION_KEYS = f"a:{KEY_A}"
    old = encryption.encrypt("x", context="t.c")
    settings.FIELD_ENCRYPTION_KEYS = f"b:{KEY_B},a:{KEY_A}"
    assert encryption.decrypt(old, context="t.c") == "x"
    assert encryption.key_id_of(encryption.encrypt("x", context="t.c")) == "b"


@pytest.mark.parametrize(
    "spec", ["", "nocolon", f"a:{base64.urlsafe_b64encode(b'short').decode()}", f"a:{KEY_A},a:{KEY_B}"]
)
def test_bad_key_configuration_is_rejected(spec):
    with pytest.raises(ImproperlyConfigured):
        encryption.parse_keys(spec)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ヤマダ　タロウ", "やまだたろう"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ たろう"),
        ("やまだ\tたろう", "ヤマダタロウ"),
    ],
)
def test_kana_index_folds_script_width_and_spaces(a, b):
    assert encryption.kana_index(a) == encryption.kana_index(b)


def test_phone_index_ignores_formatting():
    assert encryption.phone_index("090-1234-5678") == encryption.phone_index("０９０ １２３４ ５６７８")
    assert encryption.phone_index("090-1234-5678") != encryption.phone_index("090-1234-5679")


def test_blind_index_depends_on_the_key(settings):
    before = encryption.kana_index("かくう")
    settings.BLIND_INDEX_KEY = "another-key-entirely-0123456789"
    assert encryption.kana_index("かくう") != before


def test_empty_values_have_no_index():
    assert encryption.kana_index("   ") == ""
    assert encryption.phone_index("") == ""


@pytest.mark.django_db
def test_encrypted_date_round_trips(case):
    member = HouseholdMember.objects.create(
        case=case,
        name="架空 一郎",
        name_kana="カクウ イチロウ",
        relationship="self",
        birth_date=datetime.date(1944, 5, 6),
    )
    assert HouseholdMember.objects.get(pk=member.pk).birth_date == datetime.date(1944, 5, 6)


@pytest.mark.django_db
def test_encrypted_fields_refuse_lookups_that_cannot_work():
    with pytest.raises(FieldError):
        list(Case.objects.filter(household_name__icontains="架空"))
