"""manage.py indicator_report --fiscal-year 2024 [--month 2024-10] [--format csv|xlsx|json] [--output FILE]"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import override

from reports import exports, selectors, services


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"--{field.replace('_', '-')}: {' '.join(msgs)}" for field, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "The monthly indicator report (伴走支援活動延件数) of a fiscal year as CSV, XLSX or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", required=True, help="e.g. 2024 (April 2024 – March 2025)")
        parser.add_argument("--month", help="YYYY-MM: the report as of the end of that month")
        parser.add_argument("--format", choices=exports.FORMATS, default="csv")
        parser.add_argument(
            "--output",
            help="file to write (default: standard output; required for xlsx "
            "when standard output is a terminal)",
        )
        parser.add_argument(
            "--with-activities",
            action="store_true",
            help="xlsx only: add a sheet with one row per counted activity (no personal names)",
        )

    def handle(self, *args, **options):
        with override(settings.LANGUAGE_CODE):
            try:
                fiscal_year = selectors.parse_fiscal_year(options["fiscal_year"])
                through = (
                    selectors.parse_month(options["month"], fiscal_year=fiscal_year)
                    if options["month"]
                    else None
                )
            except ValidationError as error:
                raise CommandError(_message(error)) from None
            fmt = options["format"]
            output = options["output"]
            if fmt == "xlsx" and not output and sys.stdout.isatty():
                raise CommandError("--format xlsx writes a binary file: give --output FILE.")
            report = selectors.accompanied_activity_report(fiscal_year=fiscal_year, through=through)
            services.report_export_record(
                exported_by=None,
                fiscal_year=fiscal_year,
                fmt=fmt,
                month=options["month"] or "",
                with_activities=bool(options["with_activities"]),
                channel="command",
            )
            if output:
                with open(output, "wb") as handle:
                    self._write(report, fmt, handle, options["with_activities"])
                self.stderr.write(f"{report['label']}: {report['total']} → {output}")
            else:
                self.stdout.flush()
                target = getattr(self.stdout, "_out", sys.stdout)
                buffer = getattr(target, "buffer", None)
                if buffer is None:  # a text stream (e.g. call_command(stdout=StringIO()))
                    if fmt == "xlsx":
                        raise CommandError("--format xlsx writes a binary file: give --output FILE.")
                    target.write(exports.export_bytes(report, fmt).decode("utf-8"))
                else:
                    self._write(report, fmt, buffer, options["with_activities"])
                    buffer.flush()

    @staticmethod
    def _write(report: dict, fmt: str, handle, with_activities: bool) -> None:
        if fmt == "xlsx":
            exports.export_xlsx(report, handle, with_activities=with_activities)
        else:
            handle.write(exports.export_bytes(report, fmt))
