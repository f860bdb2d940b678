from django.core.management.base import BaseCommand

from network.services import SeedReport, master_data_seed


def write_seed_report(command: BaseCommand, report: SeedReport) -> None:
    for what, counts in report.items():
        command.stdout.write(
            f"  {what}: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
        )


class Command(BaseCommand):
    help = (
        "Idempotently load the master data: the four coordinating areas, community areas, centres and "
        "sample agencies (plus what other apps register, e.g. indicators and targets). No personal data."
    )

    def handle(self, *args, **options):
        report = master_data_seed()
        self.stdout.write("Master data loaded:")
        write_seed_report(self, report)
