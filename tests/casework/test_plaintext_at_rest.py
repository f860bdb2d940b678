"""Read the raw rows of every table with SQL, not the ORM: no planted personal value may appear there.

Driven by the registry of encrypted columns (casework.rotation.encrypted_columns()): every column it names
is planted with a value of its own (tests/planted.py), and a column it names that nothing plants fails.
"""

import pytest
from django.db import connection

from casework import encryption
from tests.planted import decrypted_raw_values, plant_every_encrypted_field, raw_values, registry


@pytest.fixture
def planted(db):
    return plant_every_encrypted_field()


def _all_text_in_database() -> str:
    """Every value of every row of every table in the database (not only the models' tables)."""
    chunks, qn = [], connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {qn(table)}")
            for row in cursor.fetchall():
                chunks.extend(str(value) for value in row if value is not None)
    return "\n".join(chunks)


def test_every_encrypted_column_of_the_registry_is_planted(planted):
    """A new encrypted field fails here until tests/planted.py fills it through its service."""
    assert planted.columns() == set(registry())


def test_each_planted_value_is_stored_encrypted_in_its_own_column(planted):
    for label, column in registry().items():
        stored = raw_values(column)
        assert all(encryption.key_id_of(value) for value in stored), f"{label} holds an unencrypted value"
        missing = set(planted.values[label]) - set(decrypted_raw_values(column))
        assert not missing, f"{label}: planted values not found in the column"


def test_no_planted_value_is_stored_in_plaintext_anywhere(planted):
    dump = _all_text_in_database()

    assert planted.case.number in dump  # the dump really contains the case's rows
    for label, values in planted.values.items():
        for value in values:
            assert value not in dump, f"{label} stored in plaintext"
            # The ASCII token survives any escaping (a JSON column stores the Japanese part as \\uXXXX).
            assert planted.tokens[value] not in dump, f"{label} stored in plaintext (escaped)"
