"""`manage.py rebuild_search_tokens`: rebuild every case's search tokens and exact blind indexes."""

from django.core.management.base import BaseCommand

from casework import search


class Command(BaseCommand):
    help = (
        "Recompute every case's keyed n-gram search tokens, and the exact kana/phone/birth-date "
        "blind indexes "
        "of cases and members, from the decrypted values (after a change of BLIND_INDEX_KEY or of the "
        "normalisation). Resumable: batches in primary-key order, one transaction each."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        def progress(result: search.RebuildResult) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"{result.cases} cases …")

        result = search.rebuild_all(batch_size=batch_size, progress=progress)
        self.stdout.write(
            f"rebuilt search tokens of {result.cases} cases ({result.tokens} tokens); "
            f"{result.blind_indexes_changed} rows had stale blind indexes"
        )
