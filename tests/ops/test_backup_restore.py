"""bin/backup and bin/restore on the real PostgreSQL: the restored cases read back with the same keys."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from casework import encryption
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _url(dbname: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{dbname}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_scratch_database_readable_with_the_keys(tmp_path, caseworker, area):
    case = factories.make_case(
        by=caseworker, area=area, name="架空バックアップ世帯", kana="カクウバックアップ"
    )
    dump = tmp_path / "yorisoi.dump"
    env = os.environ | {"DATABASE_URL": _url(connection.settings_dict["NAME"])}
    subprocess.run(
        [str(ROOT / "bin/backup"), str(dump)], check=True, env=env, capture_output=True, timeout=120
    )
    assert dump.stat().st_size > 0
    assert "架空バックアップ世帯".encode() not in dump.read_bytes()

    scratch = f"yorisoi_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        subprocess.run(
            [str(ROOT / "bin/restore"), str(dump)],
            check=True,
            capture_output=True,
            timeout=120,
            env=os.environ | {"DATABASE_URL": _url(scratch)},
        )
        with psycopg.connect(_url(scratch)) as restored:
            number, stored = restored.execute(
                "SELECT number, household_name FROM casework_case WHERE id = %s", [case.pk]
            ).fetchone()
        assert number == case.number
        assert encryption.decrypt(stored, context="casework_case.household_name") == "架空バックアップ世帯"
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
