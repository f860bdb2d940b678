"""manage.py verify_rollups [--fiscal-year 2024] [--repair]

Recount 伴走支援活動延件数 from the activities with the counting rule and compare with the roll-ups the
report reads (reports/rollups.py). Prints each drifting key (codes only, no personal data) and exits 1 on
drift; with --repair, rewrites the roll-ups (all, or that fiscal year's months) to the recount in one
transaction and exits 0 once they agree.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from network.fiscal import parse_fiscal_year
from reports import rollups


class Command(BaseCommand):
    help = "Compare the 延件数 roll-ups with a full recount; --repair rewrites them to the recount."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", help="only this fiscal year's months, e.g. 2024")
        parser.add_argument("--repair", action="store_true", help="rewrite the roll-ups to the recount")

    def handle(self, *args, **options):
        fiscal_year = None
        if options["fiscal_year"]:
            try:
                fiscal_year = parse_fiscal_year(options["fiscal_year"])
            except ValidationError as error:
                raise CommandError(f"--fiscal-year: {options['fiscal_year']} is not a fiscal year") from error
        scope = f"FY{fiscal_year}" if fiscal_year else "all fiscal years"
        drift = rollups.rollup_drift(fiscal_year=fiscal_year)
        for line in rollups.drift_lines(drift):
            self.stdout.write(f"drift: {line}")
        if not drift:
            self.stdout.write(f"roll-ups match the recount ({scope})")
            return
        if not options["repair"]:
            raise CommandError(
                f"{len(drift)} roll-up key(s) drift from the recount ({scope}); run with --repair"
            )
        counts, cases = rollups.rebuild_rollups(fiscal_year=fiscal_year)
        left = rollups.rollup_drift(fiscal_year=fiscal_year)
        if left:
            raise CommandError(f"{len(left)} key(s) still drift after the repair ({scope})")
        self.stdout.write(f"repaired {len(drift)} key(s) ({scope}): {counts} count rows, {cases} case rows")
