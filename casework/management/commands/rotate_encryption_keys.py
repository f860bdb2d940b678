from django.core.management.base import BaseCommand, CommandError

from casework import encryption, rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field and consent document under the newest key (the first of "
        "FIELD_ENCRYPTION_KEYS), in resumable batches. Safe to interrupt and re-run; a run with everything "
        "current changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=rotation.DEFAULT_BATCH_SIZE, help="rows per transaction"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only count the values not yet under the newest key"
        )

    def handle(self, *args, **options):
        self.dry_run = dry_run = options["dry_run"]
        self.stdout.write(
            f"{'Counting' if dry_run else 'Re-encrypting'} values not under key "
            f"{encryption.key_ring().active_id!r} (batches of {options['batch_size']})."
        )
        try:
            documents = rotation.rotate_documents(dry_run=dry_run)
            results = rotation.rotate_all(
                batch_size=options["batch_size"],
                dry_run=dry_run,
                progress=None if dry_run else self._progress,
                on_column_done=self._column_done,
            )
        except rotation.RotationError as error:
            raise CommandError(str(error)) from None
        scanned = sum(r.scanned for r in results)
        rotated = sum(r.rotated for r in results)
        failures = [failure for r in results for failure in r.failures]
        if dry_run:
            self.stdout.write(f"{scanned} values in {len(results)} columns would be re-encrypted.")
        else:
            self.stdout.write(
                f"Done: {rotated} values re-encrypted in {len(results)} encrypted columns"
                + ("." if rotated else " (all values were already under the newest key).")
            )
        if dry_run:
            self.stdout.write(f"{documents.scanned} consent documents would be re-encrypted.")
        else:
            self.stdout.write(
                f"Consent documents: {documents.rotated} re-encrypted"
                + (
                    f", {documents.changed_meanwhile} replaced or removed meanwhile"
                    if documents.changed_meanwhile
                    else ""
                )
                + "."
            )
        failures += documents.failures
        if failures:
            for failure in failures[: rotation.MAX_REPORTED_FAILURES]:
                self.stderr.write(f"  {failure}")
            raise CommandError(
                f"{len(failures)} values could not be decrypted and were left as they are. Is every old key "
                "still listed in FIELD_ENCRYPTION_KEYS?"
            )

    def _progress(self, batch: rotation.BatchProgress) -> None:
        self.stdout.write(
            f"  {batch.column.context}: {batch.rotated} re-encrypted so far (up to "
            f"{batch.column.pk_column} {batch.last_pk})"
        )

    def _column_done(self, result: rotation.ColumnResult) -> None:
        if not (result.scanned or result.failures):
            return
        line = f"  {result.column.context}: {result.scanned} under older keys"
        if not self.dry_run:
            line += f", {result.rotated} re-encrypted"
        if result.changed_meanwhile:
            line += f", {result.changed_meanwhile} rewritten by the application meanwhile"
        if result.failures:
            line += f", {len(result.failures)} could not be decrypted"
        self.stdout.write(line)
