import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casework import audit
from casework.imports.ledger import LedgerResult, ledger_import
from network.models import Area

# Whose name the imported records carry when no --user is given: an account that cannot sign in.
IMPORT_ACCOUNT = "ledger-import"


def import_account():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=IMPORT_ACCOUNT, defaults={"is_active": False, "first_name": "台帳取込み"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


class Command(BaseCommand):
    help = (
        "Import an existing case ledger (.xlsx or .csv) into an area (API.md, 'Importing existing ledgers'). "
        "Every row is checked first; any invalid row means nothing is written unless --skip-invalid. "
        "Exit status 0 when no row is invalid, 1 otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx workbook or .csv file")
        parser.add_argument("--area", required=True, help="the code of the area the ledger belongs to")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--skip-invalid", action="store_true", help="write the valid rows anyway")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--user", help=f"the staff account recorded as creator (default: {IMPORT_ACCOUNT!r}, no sign-in)"
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        area = Area.objects.filter(code=options["area"]).first()
        if area is None:
            codes = ", ".join(Area.objects.values_list("code", flat=True))
            raise CommandError(f"Unknown area {options['area']!r}; one of: {codes}")
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"No active staff account {options['user']!r}")
        else:
            user = import_account()
        token = audit.set_context(audit.AuditContext(channel="command"))
        try:
            result = ledger_import(
                path=path,
                area=area,
                imported_by=user,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )
        finally:
            audit.reset_context(token)
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self._write_text(result)
        if not result.ok:
            raise SystemExit(1)

    def _write_text(self, result: LedgerResult) -> None:
        for error in result.errors:
            where = f"{error.table} 行{error.row} 「{error.column}」: " if error.row else ""
            self.stderr.write(f"{where}{error.message}")
        for label, counts in (("cases", result.cases), ("activities", result.activities)):
            c = counts
            self.stdout.write(
                f"{label}: {c.rows} rows, {c.valid} valid, {c.invalid} invalid, "
                f"{c.created} created, {c.unchanged} unchanged"
            )
        if result.dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif result.written:
            self.stdout.write("Imported.")
        else:
            self.stdout.write("Nothing was written: fix the rows above, or re-run with --skip-invalid.")
