"""The managers' import page: upload and check (preview), confirm, run now or in the background.

The uploaded ledger is personal data: it is kept encrypted in the document storage (the consent documents'
format, bound to the LedgerImport's file_id) from upload until the import ends, then deleted. Checking and
importing decrypt it to a private temporary file, because openpyxl needs a seekable file.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePath

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from casework import audit, documents, services
from casework.models import LedgerImport, LedgerImportStatus
from network.models import Area

from .ledger import LedgerResult, ledger_import
from .reading import LedgerFileError, file_kind

BACKGROUND_ROWS = 2000  # a file with more data rows imports through Celery, the page polling its progress
# A file larger than this is also *checked* in the background (rows are unknown until read; ~2,000 CSV rows
# or a larger workbook): a 20,000-row ledger must not hold a web request for minutes.
CHECK_IN_BACKGROUND_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
PROGRESS_TTL = 6 * 3600


def progress_key(import_id: int) -> str:
    return f"ledger-import:{import_id}:progress"


def ledger_upload(*, upload, area: Area, uploaded_by) -> LedgerImport:
    """Store the file encrypted and check it (a dry run): the LedgerImport the preview page shows."""
    head = upload.read(2048)
    upload.seek(0)
    try:
        kind = file_kind(upload.name or "", head)
    except LedgerFileError as error:
        kind, file_error = "", error
    else:
        file_error = None
    file_id = uuid.uuid4()
    stored_name = ""
    if file_error is None:
        try:
            stored_name, _key = services.document_store(upload, file_id=file_id, max_bytes=MAX_UPLOAD_BYTES)
        except documents.TooLarge:
            file_error = LedgerFileError(
                "ファイルが大きすぎます（100MBまで）。年度ごとなどに分けてください。"
            )
    record = LedgerImport.objects.create(
        area=area,
        file_id=file_id,
        storage_name=stored_name,
        file_kind=kind,
        filename=PurePath((upload.name or "").replace("\\", "/")).name[-255:],
        status=LedgerImportStatus.CHECKED,
        uploaded_by=uploaded_by,
        uploaded_at=timezone.now(),
    )
    if file_error is not None:
        from .ledger import file_error_result

        _save_result(record, file_error_result(file_error, dry_run=True), status=LedgerImportStatus.CHECKED)
        return record
    if (upload.size or 0) > CHECK_IN_BACKGROUND_BYTES:
        record.status = LedgerImportStatus.CHECKING
        record.save(update_fields=["status"])
        from casework.tasks import check_ledger_import

        transaction.on_commit(lambda: check_ledger_import.delay(record.pk))
        return record
    record.status = LedgerImportStatus.CHECKING
    return ledger_import_check(record=record)


def ledger_import_check(*, record: LedgerImport) -> LedgerImport | None:
    """The dry run behind the preview (inline for a small file, the worker's task for a large one).
    Idempotent: a record no longer being checked is left alone."""
    if record.status != LedgerImportStatus.CHECKING:
        return None
    try:
        with _plaintext(record) as path:
            result = ledger_import(
                path=path,
                area=record.area,
                imported_by=record.uploaded_by,
                dry_run=True,
                name=f"ledger.{record.file_kind}",
            )
    except Exception:
        LedgerImport.objects.filter(pk=record.pk).update(
            status=LedgerImportStatus.FAILED, finished_at=timezone.now()
        )
        raise
    _save_result(record, result, status=LedgerImportStatus.CHECKED)
    return record


def _save_result(record: LedgerImport, result: LedgerResult, *, status: str) -> None:
    record.summary = result.as_dict()
    record.rows = result.rows
    record.status = status
    fields = ["summary", "rows", "status"]
    if status == LedgerImportStatus.CHECKED:
        record.preview = json.dumps(result.preview, ensure_ascii=False)
        fields.append("preview")
    else:
        record.finished_at = timezone.now()
        fields.append("finished_at")
    record.save(update_fields=fields)


@contextlib.contextmanager
def _plaintext(record: LedgerImport) -> Iterator[Path]:
    """The uploaded file decrypted into a private temporary file, removed on exit."""
    suffix = ".xlsx" if record.file_kind == "xlsx" else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as plain:
        with documents.document_storage().open(record.storage_name, "rb") as stored:
            for chunk in documents.open_chunks(stored, file_id=record.file_id):
                plain.write(chunk)
        plain.flush()
        yield Path(plain.name)


def can_confirm(record: LedgerImport, *, skip_invalid: bool) -> bool:
    if record.status != LedgerImportStatus.CHECKED or not record.storage_name:
        return False
    summary = record.summary or {}
    has_errors = bool(summary.get("errors"))
    valid = summary.get("cases", {}).get("valid", 0) + summary.get("activities", {}).get("valid", 0)
    if any(e.get("row") is None for e in summary.get("errors", [])):
        return False  # the file itself could not be read
    return valid > 0 and (not has_errors or skip_invalid)


def ledger_import_confirm(*, record: LedgerImport, confirmed_by, skip_invalid: bool) -> LedgerImport:
    """確認して取込み: small files import now; a large one is queued for the worker, the page polling."""
    with transaction.atomic():
        record = LedgerImport.objects.select_for_update().get(pk=record.pk)
        if not can_confirm(record, skip_invalid=skip_invalid):
            raise services.StateConflict("this import cannot be confirmed (already run, or not importable)")
        record.skip_invalid = skip_invalid
        background = record.rows > BACKGROUND_ROWS
        record.status = LedgerImportStatus.QUEUED if background else LedgerImportStatus.RUNNING
        record.save(update_fields=["skip_invalid", "status"])
        if background:
            from casework.tasks import run_ledger_import

            transaction.on_commit(lambda: run_ledger_import.delay(record.pk))
    if not background:
        ledger_import_run(import_id=record.pk, channel="web")
        record.refresh_from_db()
    return record


def ledger_import_run(*, import_id: int, channel: str = "task") -> LedgerImport | None:
    """Run a confirmed import (the task, or the page for a small file). Idempotent: a second call for the
    same import finds it no longer queued and does nothing."""
    with transaction.atomic():
        record = (
            LedgerImport.objects.select_for_update().select_related("area", "uploaded_by").get(pk=import_id)
        )
        if record.status == LedgerImportStatus.QUEUED:
            record.status = LedgerImportStatus.RUNNING
            record.save(update_fields=["status"])
        elif not (record.status == LedgerImportStatus.RUNNING and channel == "web"):
            return None

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(record.pk), {"done": done, "total": total}, PROGRESS_TTL)

    token = audit.set_context(audit.AuditContext(channel=channel)) if channel == "task" else None
    try:
        with _plaintext(record) as path:
            result = ledger_import(
                path=path,
                area=record.area,
                imported_by=record.uploaded_by,
                skip_invalid=record.skip_invalid,
                name=f"ledger.{record.file_kind}",
                progress=progress,
            )
    except Exception:
        LedgerImport.objects.filter(pk=record.pk).update(
            status=LedgerImportStatus.FAILED, finished_at=timezone.now()
        )
        raise
    finally:
        if token is not None:
            audit.reset_context(token)
    _save_result(
        record, result, status=LedgerImportStatus.DONE if result.written else LedgerImportStatus.FAILED
    )
    services.document_discard(record.storage_name)
    return record


def ledger_import_progress(record: LedgerImport) -> dict:
    """What the page polls: status, rows done of rows to write, and the counts once finished."""
    state = cache.get(progress_key(record.pk)) or {}
    finished = record.status in (LedgerImportStatus.DONE, LedgerImportStatus.FAILED)
    return {
        "status": record.status,
        "done": state.get("done", 0),
        "total": state.get("total", 0),
        "finished": finished,
        "summary": record.summary if finished else None,
    }
