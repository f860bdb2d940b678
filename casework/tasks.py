"""Background work of casework. Tasks only call services; they are idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def run_ledger_import(import_id: int) -> str | None:
    """A confirmed large ledger import (casework.imports.uploads). Not retried automatically: the import
    is one transaction, so a failure leaves nothing behind and the record says FAILED for the manager."""
    from casework.imports.uploads import ledger_import_run

    record = ledger_import_run(import_id=import_id, channel="task")
    return record.status if record else None


@shared_task(acks_late=True)
def check_ledger_import(import_id: int) -> str | None:
    """The check (dry run) of a large uploaded ledger, so that the upload request answers at once and the
    page polls until the preview is ready."""
    from casework.imports.uploads import ledger_import_check
    from casework.models import LedgerImport

    record = LedgerImport.objects.select_related("area", "uploaded_by").filter(pk=import_id).first()
    if record is None:
        return None
    checked = ledger_import_check(record=record)
    return checked.status if checked else None
