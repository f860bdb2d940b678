"""ledger_import: the one service behind `manage.py import_ledger` and the managers' import page.

Two passes over the file, both streaming:
1. check: every row of every table is read and checked (nothing is written), giving the counts, the
   errors and a preview of the first rows as they will be stored;
2. write (unless --dry-run, and only when no row is invalid or --skip-invalid): the file is read again and
   the rows that pass 1 found new are written.

The write pass runs in ONE transaction for the whole import. API.md makes an import all-or-nothing: a
crash, a deploy or a database error half-way must leave the area's ledger as it was, not half imported
with half the case numbers of a fiscal year taken and an audit count that matches nothing. Per-batch
transactions would need a resumable import record and an undo for the batches already committed; one
transaction needs neither, and PostgreSQL holds a 20,000-case import's rows comfortably. Its cost: the
case-number counters of the fiscal years in the file stay locked until the import commits, so an intake
in one of those years waits for it (imports are rare, and mostly of past years).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.translation import override

from casework import audit
from casework.models import AuditAction, Case, CaseStatus
from network.models import Agency, Area

from . import writing
from .checking import NEW, UNCHANGED, ActivityRow, CaseRow, Checker, RowError
from .reading import ACTIVITIES, CASES, LedgerFile, LedgerFileError, open_ledger

PREVIEW_ROWS = 20
PROGRESS_EVERY = 200  # rows between two progress reports


@dataclass
class TableCounts:
    rows: int = 0  # non-blank data rows read
    valid: int = 0
    invalid: int = 0
    created: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "created": self.created,
            "unchanged": self.unchanged,
        }


@dataclass
class LedgerResult:
    dry_run: bool
    written: bool = False
    cases: TableCounts = field(default_factory=TableCounts)
    activities: TableCounts = field(default_factory=TableCounts)
    errors: list[RowError] = field(default_factory=list)
    preview: dict = field(default_factory=lambda: {CASES: [], ACTIVITIES: []})

    @property
    def ok(self) -> bool:
        """No invalid row (and no missing column, no unreadable file): exit status 0."""
        return not self.errors

    @property
    def rows(self) -> int:
        return self.cases.rows + self.activities.rows

    def as_dict(self) -> dict:
        """The summary of API.md (`--format json`), exactly these keys."""
        return {
            "dry_run": self.dry_run,
            "written": self.written,
            "cases": self.cases.as_dict(),
            "activities": self.activities.as_dict(),
            "errors": [e.as_dict() for e in self.errors],
        }


def file_error_result(error: LedgerFileError, *, dry_run: bool) -> LedgerResult:
    """A file that cannot be read at all: one error of no table, row or column."""
    result = LedgerResult(dry_run=dry_run)
    result.errors.append(RowError(table=None, row=None, column=None, message=str(error)))
    return result


Progress = Callable[[int, int], None]  # (rows written so far, rows to write)


def ledger_check(ledger: LedgerFile, *, area: Area, dry_run: bool = True) -> tuple[LedgerResult, dict]:
    """Pass 1: the counts, errors and preview; and the outcome of each valid row for the write pass."""
    result = LedgerResult(dry_run=dry_run)
    checker = Checker(area=area)
    outcomes: dict[tuple[str, int], str] = {}  # (sheet, row) -> NEW / UNCHANGED, valid rows only
    tables = ledger.tables()
    if not tables:
        raise LedgerFileError(
            "台帳の見出し行が見つかりません。各シートの先頭10行以内に「No.」「受付日」「氏名」などの見出し行を置いてください。"
        )
    for table in tables:
        counts = result.cases if table.kind == CASES else result.activities
        checker.check_table_header(table)
        if table.missing:
            continue
        for checked in checker.rows(ledger, table):
            counts.rows += 1
            if isinstance(checked, int):
                counts.invalid += 1
                continue
            counts.valid += 1
            if checked.outcome == UNCHANGED:
                counts.unchanged += 1
            outcomes[(table.sheet, checked.row)] = checked.outcome
            if len(result.preview[table.kind]) < PREVIEW_ROWS:
                result.preview[table.kind].append(_preview_row(checked))
    result.errors = sorted(checker.errors, key=lambda e: (e.table != CASES, e.row or 0))
    return result, outcomes


def ledger_import(
    *,
    path: Path,
    area: Area,
    imported_by,
    dry_run: bool = False,
    skip_invalid: bool = False,
    name: str | None = None,
    progress: Progress | None = None,
) -> LedgerResult:
    """Import a team's case ledger (.xlsx or .csv) into an area, as API.md "Importing existing ledgers"
    fixes it. A file that cannot be read gives a result with one file-level error; nothing is written.

    The caller decides who may import (managers on the page, operators with the command)."""
    with override("ja"):  # the ledger, its labels and the messages are Japanese
        try:
            ledger = open_ledger(path, name=name)
            result, outcomes = ledger_check(ledger, area=area, dry_run=dry_run)
        except LedgerFileError as error:
            return file_error_result(error, dry_run=dry_run)
        if dry_run or (not result.ok and not skip_invalid):
            return result
        try:
            _write(
                ledger,
                result,
                outcomes,
                area=area,
                imported_by=imported_by,
                skip_invalid=skip_invalid,
                progress=progress,
            )
        except LedgerFileError as error:  # the file changed under us between the passes
            return file_error_result(error, dry_run=dry_run)
        except IntegrityError:  # another import into the area wrote the same ledger numbers meanwhile
            return file_error_result(
                LedgerFileError(
                    "同じエリアへの別の取込みと重なったため、何も登録しませんでした。もう一度実行してください"
                    "（取込み済みの行は「取込み済み」になります）。"
                ),
                dry_run=dry_run,
            )
    return result


@transaction.atomic
def _write(
    ledger: LedgerFile, result: LedgerResult, outcomes: dict, *, area, imported_by, skip_invalid, progress
) -> None:
    """Pass 2, in one transaction (see the module's docstring for why)."""
    to_write = sum(1 for o in outcomes.values() if o == NEW)
    agencies = {a.id: a for a in Agency.objects.all()}
    # source number → a bare Case (id and area only): the activities need no more, and 20,000 full cases
    # with their decrypted fields would make memory grow with the ledger.
    created_cases: dict[str, Case] = {}
    checker = Checker(area=area)  # parses the rows again exactly as pass 1 did
    done = 0
    for table in ledger.tables():
        if table.missing:
            continue
        counts = result.cases if table.kind == CASES else result.activities
        for checked in checker.rows(ledger, table):
            if isinstance(checked, int) or outcomes.get((table.sheet, checked.row)) != NEW:
                continue
            if checked.outcome != NEW:  # written by another import since the check
                counts.unchanged += 1
                continue
            if isinstance(checked, CaseRow):
                case = writing.case_write(checked, area=area, imported_by=imported_by)
                created_cases[checked.source_number] = Case(pk=case.pk, area_id=case.area_id)
            else:
                case = created_cases.get(checked.source_number)
                if case is None:
                    case = Case.objects.only("id", "area_id").get(
                        area=area, source_number=checked.source_number
                    )
                    created_cases[checked.source_number] = Case(pk=case.pk, area_id=case.area_id)
                writing.activity_write(checked, case=case, agencies=agencies, imported_by=imported_by)
            counts.created += 1
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, to_write)
    result.written = True
    audit.record(
        actor=imported_by,
        action=AuditAction.LEDGER_IMPORT,
        changes={
            "area": area.code,
            "file": ledger.kind,
            "skip_invalid": skip_invalid,
            "cases": result.cases.as_dict(),
            "activities": result.activities.as_dict(),
        },
    )
    if progress:
        progress(done, to_write)


def _preview_row(row: CaseRow | ActivityRow) -> dict:
    """A checked row as it will be stored, in the page's words (personal: the preview is encrypted)."""
    if isinstance(row, CaseRow):
        return {
            "row": row.row,
            "source_number": row.source_number,
            "opened_on": row.opened_on.isoformat(),
            "household_name": row.household_name,
            "household_name_kana": row.household_name_kana,
            "main_issue": row.main_issue,
            "issues": row.issues,
            "status": row.status or CaseStatus.INTAKE,
            "closed_on": row.closed_on.isoformat() if row.closed_on else "",
            "outcome": row.outcome,
        }
    return {
        "row": row.row,
        "source_number": row.source_number,
        "occurred_at": row.occurred_at.isoformat(),
        "kind": row.kind,
        "minutes": row.minutes,
        "agencies": row.agency_ids,
        "note": row.note,
        "outcome": row.outcome,
    }
