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
