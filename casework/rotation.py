"""Key rotation: re-encrypt every encrypted column under the active (first) key of FIELD_ENCRYPTION_KEYS.

Works on raw SQL, table by table in primary-key order, one transaction per batch, so it can stop at any
point and a re-run picks up where it left off (values already under the active key are skipped). Each
UPDATE only applies if the stored value is still the one that was read, so a concurrent edit by the
application (which always writes under the active key) is never overwritten with stale data.

Consent documents (casework/documents.py) are files, not columns: rotate_documents re-encrypts each one
into a new file and switches its row over (the same skip-if-current, never-overwrite-a-newer-write rules).

Append-only tables (the audit log) are refused UPDATEs by a PostgreSQL trigger named `*_append_only`
(casework migration 0004). Re-encrypting does not change what a row says, so for those tables the batch
lifts the trigger inside its own transaction: ALTER TABLE is transactional and locks the table, so no
other session ever sees the trigger off. That needs the table owner's role; without it the rotation stops
at that table with an explanation, after every other table is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections, router, transaction

from . import documents, encryption
from .fields import EncryptedMixin

DEFAULT_BATCH_SIZE = 500
APPEND_ONLY_TRIGGER_SUFFIX = "_append_only"
MAX_REPORTED_FAILURES = 20
INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL SQLSTATE


class RotationError(Exception):
    """The rotation cannot go on (a configuration or permission problem); nothing half-written remains."""


@dataclass(frozen=True)
class EncryptedColumn:
    label: str  # "app.Model.field", for people
    table: str
    column: str
    pk_column: str
    using: str

    @property
    def context(self) -> str:
        """The associated data the field encrypts with (EncryptedMixin.encryption_context)."""
        return f"{self.table}.{self.column}"


@dataclass
class ColumnResult:
    column: EncryptedColumn
    scanned: int = 0  # values not under the active key when read
    rotated: int = 0
    changed_meanwhile: int = 0  # rewritten by the application between our read and our update
    failures: list[str] = field(default_factory=list)  # "table pk=…: reason", never a value


@dataclass(frozen=True)
class BatchProgress:
    column: EncryptedColumn
    last_pk: object
    rotated: int  # so far, in this column


def encrypted_columns() -> list[EncryptedColumn]:
    """Every concrete encrypted column of every installed model (proxy and unmanaged models excluded)."""
    columns = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for model_field in meta.local_concrete_fields:
            if isinstance(model_field, EncryptedMixin):
                columns.append(
                    EncryptedColumn(
                        label=f"{meta.label}.{model_field.name}",
                        table=meta.db_table,
                        column=model_field.column,
                        pk_column=meta.pk.column,
                        using=router.db_for_write(model),
                    )
                )
    return sorted(columns, key=lambda c: (c.table, c.column))


def _append_only_triggers(column: EncryptedColumn) -> list[str]:
    connection = connections[column.using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
            "AND tgenabled <> 'D' AND tgname LIKE %s",
            [connection.ops.quote_name(column.table), f"%{APPEND_ONLY_TRIGGER_SUFFIX}"],
        )
        return [row[0] for row in cursor.fetchall()]


def _stale_batches(column: EncryptedColumn, *, active_prefix: str, batch_size: int) -> Iterator[list[tuple]]:
    """(pk, stored value) of values not under the active key, in pk order, batch by batch."""
    connection = connections[column.using]
    qn = connection.ops.quote_name
    table, col, pk = qn(column.table), qn(column.column), qn(column.pk_column)
    last_pk = None
    while True:
        where = f"{col} IS NOT NULL AND {col} <> '' AND SUBSTR({col}, 1, %s) <> %s"
        params: list = [len(active_prefix), active_prefix]
        if last_pk is not None:
            where += f" AND {pk} > %s"
            params.append(last_pk)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s",  # noqa: S608 - quoted names
                [*params, batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last_pk = rows[-1][0]


def rotate_column(
    column: EncryptedColumn,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
) -> ColumnResult:
    """Re-encrypt one column's values that are not under the active key; one transaction per batch."""
    ring = encryption.key_ring()
    active_prefix = f"{encryption.PREFIX}:{ring.active_id}:"
    connection = connections[column.using]
    qn = connection.ops.quote_name
    update = (
        f"UPDATE {qn(column.table)} SET {qn(column.column)} = %s "  # noqa: S608 - quoted names
        f"WHERE {qn(column.pk_column)} = %s AND {qn(column.column)} = %s"
    )
    triggers = [] if dry_run else _append_only_triggers(column)
    result = ColumnResult(column=column)
    for rows in _stale_batches(column, active_prefix=active_prefix, batch_size=batch_size):
        updates = []
        for pk, stored in rows:
            if encryption.key_id_of(stored) == ring.active_id:
                continue
            result.scanned += 1
            try:
                plaintext = encryption.decrypt(stored, context=column.context)
            except encryption.DecryptionError as exc:
                result.failures.append(f"{column.table} pk={pk}: {exc}")
                continue
            updates.append((encryption.encrypt(plaintext, context=column.context), pk, stored))
        if updates and not dry_run:
            _apply(column, update, updates, triggers, result)
        if progress:
            progress(BatchProgress(column=column, last_pk=rows[-1][0], rotated=result.rotated))
    return result


def _apply(column: EncryptedColumn, update: str, updates: list[tuple], triggers: list[str], result) -> None:
    connection = connections[column.using]
    qn = connection.ops.quote_name
    with transaction.atomic(using=column.using), connection.cursor() as cursor:
        if triggers:
            # ALTER TABLE refuses while deferred constraint checks are queued on the table, which happens
            # only when this runs inside a larger transaction that wrote to it (tests): run them now.
            connection.check_constraints()
        try:
            for trigger in triggers:
                cursor.execute(f"ALTER TABLE {qn(column.table)} DISABLE TRIGGER {qn(trigger)}")
        except DatabaseError as exc:
            cause = exc.__cause__
            if (getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)) != INSUFFICIENT_PRIVILEGE:
                raise
            raise RotationError(
                f"{column.table} is append-only (trigger {', '.join(triggers)}); only the table owner may "
                f"re-encrypt it. Run rotate_encryption_keys with the owner's DATABASE_URL (the role that ran "
                f"the migrations) to finish; every other table is already done. ({exc})"
            ) from exc
        for params in updates:
            cursor.execute(update, params)
            if cursor.rowcount:
                result.rotated += 1
            else:
                result.changed_meanwhile += 1
        if triggers:
            connection.check_constraints()  # the same, for rows this transaction inserted and just updated
        for trigger in triggers:
            cursor.execute(f"ALTER TABLE {qn(column.table)} ENABLE TRIGGER {qn(trigger)}")


def rotate_all(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
    on_column_done: Callable[[ColumnResult], None] | None = None,
) -> list[ColumnResult]:
    """Rotate every encrypted column; append-only tables last, so a permission problem there stops
    the run only after everything else is done."""
    if settings.FIELD_ENCRYPTION_DISABLED:
        raise RotationError("FIELD_ENCRYPTION_DISABLED is set: there is nothing to rotate to.")
    if batch_size < 1:
        raise RotationError("The batch size must be at least 1.")
    columns = sorted(encrypted_columns(), key=lambda c: bool(_append_only_triggers(c)))
    results = []
    for column in columns:
        result = rotate_column(column, batch_size=batch_size, dry_run=dry_run, progress=progress)
        results.append(result)
        if on_column_done:
            on_column_done(result)
    return results


def encrypt_plaintext_column(schema_editor, *, table: str, column: str, pk_column: str = "id") -> int:
    """For a migration that turns a plain text column into an encrypted one: encrypt the rows written
    before, in place (values already encrypted are left as they are). Returns how many it encrypted."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    context = f"{table}.{column}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(pk_column)}, {quote(column)} FROM {quote(table)} "  # noqa: S608 - model names
            f"WHERE {quote(column)} <> ''"
        )
        rows = [(pk, value) for pk, value in cursor.fetchall() if encryption.key_id_of(value) is None]
        for pk, value in rows:
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk_column)} = %s",  # noqa: S608
                [encryption.encrypt(value, context=context), pk],
            )
    return len(rows)


@dataclass
class DocumentResult:
    scanned: int = 0  # documents not under the active key when read
    rotated: int = 0
    changed_meanwhile: int = 0  # replaced or removed by the application while we re-encrypted
    failures: list[str] = field(default_factory=list)  # "consent document pk=…: reason"


def rotate_documents(
    *, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> DocumentResult:
    """Re-encrypt consent documents sealed under an older key, one file at a time.

    Each file is decrypted and re-encrypted in chunks into a NEW stored file; then the row is switched
    to it in one UPDATE that applies only if the row still names the old file (a concurrent replacement
    wins), and the old file is removed after commit. Any backend works: nothing is renamed or overwritten
    in place. Resumable: rows already under the active key (the row's key_id) are skipped.
    """
    from .models import ConsentDocument
    from .services import document_discard, document_store

    ring = encryption.key_ring()
    result = DocumentResult()
    pending = ConsentDocument.objects.exclude(key_id=ring.active_id).order_by("pk")
    for document in pending.iterator(chunk_size=100):
        result.scanned += 1
        if dry_run:
            continue
        storage = documents.document_storage()
        try:
            with storage.open(document.storage_name, "rb") as old:
                plaintext = documents.IteratorReader(documents.open_chunks(old, file_id=document.file_id))
                new_name, key_id = document_store(plaintext, file_id=document.file_id)
        except (documents.DocumentError, OSError) as exc:
            result.failures.append(f"consent document pk={document.pk}: {exc}")
            continue
        with transaction.atomic():
            switched = ConsentDocument.objects.filter(
                pk=document.pk, storage_name=document.storage_name
            ).update(storage_name=new_name, key_id=key_id)
            obsolete = document.storage_name if switched else new_name
            transaction.on_commit(lambda name=obsolete: document_discard(name))
        if switched:
            result.rotated += 1
        else:
            result.changed_meanwhile += 1
        if progress:
            progress(result.rotated)
    return result
