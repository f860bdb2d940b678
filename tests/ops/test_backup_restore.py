"""bin/backup and bin/restore on the real PostgreSQL: the restored cases, and their encrypted consent
documents, read back with the same keys."""

import datetime
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from casework import documents, encryption, services
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _url(dbname: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{dbname}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_scratch_database_readable_with_the_keys(
    tmp_path, caseworker, area, agency, document_root
):
    case = factories.make_case(
        by=caseworker, area=area, name="架空バックアップ世帯", kana="カクウバックアップ"
    )
    consent = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today()
    )
    pdf = b"%PDF-1.4\n(Kakuu backup consent form)\n%%EOF\n"
    document = services.consent_document_attach(
        consent=consent, uploaded_by=caseworker, upload=SimpleUploadedFile("同意書.pdf", pdf)
    )
    dump = tmp_path / "yorisoi.dump"
    env = os.environ | {
        "DATABASE_URL": _url(connection.settings_dict["NAME"]),
        "CONSENT_DOCUMENT_ROOT": str(document_root),
    }
    subprocess.run(
        [str(ROOT / "bin/backup"), str(dump)], check=True, env=env, capture_output=True, timeout=120
    )
    assert dump.stat().st_size > 0
    assert "架空バックアップ世帯".encode() not in dump.read_bytes()
    tar = Path(f"{dump}.documents.tar")
    assert b"Kakuu backup" not in tar.read_bytes()
    restored_root = tmp_path / "restored-documents"

    scratch = f"yorisoi_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        subprocess.run(
            [str(ROOT / "bin/restore"), str(dump)],
            check=True,
            capture_output=True,
            timeout=120,
            env=os.environ | {"DATABASE_URL": _url(scratch), "CONSENT_DOCUMENT_ROOT": str(restored_root)},
        )
        with psycopg.connect(_url(scratch)) as restored:
            number, stored = restored.execute(
                "SELECT number, household_name FROM casework_case WHERE id = %s", [case.pk]
            ).fetchone()
            storage_name, file_id = restored.execute(
                "SELECT storage_name, file_id FROM casework_consentdocument WHERE consent_id = %s",
                [consent.pk],
            ).fetchone()
        assert number == case.number
        assert encryption.decrypt(stored, context="casework_case.household_name") == "架空バックアップ世帯"
        assert storage_name == document.storage_name
        with open(restored_root / storage_name, "rb") as restored_file:
            assert b"".join(documents.open_chunks(restored_file, file_id=file_id)) == pdf
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
