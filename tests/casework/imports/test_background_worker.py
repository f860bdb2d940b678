"""A real Celery worker (Redis broker and cache, PostgreSQL) runs a large confirmed ledger import."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.imports import uploads
from casework.models import Case, LedgerImport, LedgerImportStatus
from network.models import Role
from tests import factories
from tests.celery_worker import running_worker

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def worker(tmp_path, document_root):
    # the worker opens the encrypted upload
    with running_worker(tmp_path / "worker.log", CONSENT_DOCUMENT_ROOT=str(document_root)) as process:
        yield process


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_large_ledger_and_reports_progress(
    transactional_db, worker, tmp_path, monkeypatch
):
    monkeypatch.setattr(uploads, "BACKGROUND_ROWS", 5)
    monkeypatch.setattr(uploads, "CHECK_IN_BACKGROUND_BYTES", 10)  # the check runs on the worker too
    area = factories.make_area("north")
    manager = factories.make_staff("mgr_worker", role=Role.MANAGER)
    rows = "".join(f"{n},R4.5.1,架空 {n},カクウ,dv\n" for n in range(1, 11))
    record = uploads.ledger_upload(
        upload=SimpleUploadedFile("l.csv", ("No.,受付日,氏名,フリガナ,主訴\n" + rows).encode()),
        area=area,
        uploaded_by=manager,
    )
    assert record.status == LedgerImportStatus.CHECKING
    deadline = time.monotonic() + 60
    while record.status == LedgerImportStatus.CHECKING and time.monotonic() < deadline:
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        time.sleep(0.3)
        record.refresh_from_db()
    assert record.status == LedgerImportStatus.CHECKED, (tmp_path / "worker.log").read_text()[-3000:]
    assert record.summary["cases"]["valid"] == 10
    record = uploads.ledger_import_confirm(record=record, confirmed_by=manager, skip_invalid=False)
    assert record.status == LedgerImportStatus.QUEUED  # committed; on_commit sent the task to Redis

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record.refresh_from_db()
        if record.status in (LedgerImportStatus.DONE, LedgerImportStatus.FAILED):
            break
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
        time.sleep(0.3)
    else:
        pytest.fail("not imported within 60 s:\n" + (tmp_path / "worker.log").read_text()[-3000:])
    assert record.status == LedgerImportStatus.DONE, (tmp_path / "worker.log").read_text()[-3000:]
    assert Case.objects.filter(area=area).count() == 10
    progress = uploads.ledger_import_progress(LedgerImport.objects.get(pk=record.pk))
    assert progress["finished"] and progress["done"] == 10 and progress["total"] == 10
