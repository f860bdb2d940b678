"""Checking the rows of a ledger: each row becomes a value ready to store, or errors (row, header, message).

Rows are parsed one at a time and looked up against the database in batches (which source numbers are
already imported, which activities already exist), so a check of any size reads in bounded memory. What
is kept for the whole file is small: the source numbers seen, a 16-byte digest per activity, the errors.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from casework.models import Activity, Case, CaseStatus
from network.fiscal import TOKYO
from network.models import Agency, Area

from . import values
from .reading import ACTIVITIES, CASES, LedgerFile, Table
from .values import CellError, text

BATCH_SIZE = 500
EARLIEST = datetime.date(2000, 1, 1)  # as casework.services.EARLIEST_ACTIVITY: earlier dates are typos

# new / unchanged / invalid: what becomes of a checked row
NEW = "new"
UNCHANGED = "unchanged"
INVALID = "invalid"


@dataclass
class CaseRow:
    row: int
    source_number: str
    opened_on: datetime.date
    household_name: str
    household_name_kana: str
    main_issue: str
    issues: list[str]
    status: str
    birth_date: datetime.date | None = None
    phone: str = ""
    address: str = ""
    closed_on: datetime.date | None = None
    closure_reason: str = ""
    outcome: str = NEW


@dataclass
class ActivityRow:
    row: int
    source_number: str
    occurred_at: datetime.datetime
    kind: str
    minutes: int
    agency_ids: list[int]
    note: str
    case_id: int | None = None  # the case when it exists already
    outcome: str = NEW

    def digest(self) -> bytes:
        """The activity's identity (API.md: its case, time, kind and content) in 16 bytes."""
        key = "\x1f".join([self.source_number, self.occurred_at.isoformat(), self.kind, self.note])
        return hashlib.blake2b(key.encode(), digest_size=16).digest()


@dataclass
class RowError:
    table: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return {"table": self.table, "row": self.row, "column": self.column, "message": self.message}


class _Row:
    """Reads one data row's cells by field, collecting an error per bad cell."""

    def __init__(self, table: Table, row_number: int, cells: tuple, errors: list[RowError]):
        self.table, self.row_number, self.cells, self.errors = table, row_number, cells, errors
        self.bad = False

    def raw(self, name: str):
        index = self.table.columns.get(name)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def error(self, name: str, message: str) -> None:
        self.bad = True
        self.errors.append(RowError(self.table.kind, self.row_number, self.table.header_of(name), message))

    def read(self, name: str, parse, *, required: bool = False):
        try:
            value = parse(self.raw(name))
        except CellError as exc:
            self.error(name, str(exc))
            return None
        if required and value in (None, "", []):
            self.error(name, "必須の項目です。入力してください。")
        return value


@dataclass
class Checker:
    """Checks the tables of one ledger for one area; remembers across tables what later rows need."""

    area: Area
    errors: list[RowError] = field(default_factory=list)
    seen_cases: dict[str, int] = field(default_factory=dict)  # source number -> first row
    valid_cases: set[str] = field(default_factory=set)  # importable (new or unchanged) case rows
    invalid_cases: set[str] = field(default_factory=set)
    seen_activities: dict[bytes, int] = field(default_factory=dict)

    def __post_init__(self):
        self.issues = values.issue_choices()
        self.statuses = values.status_choices()
        self.kinds = values.kind_choices()
        self.closures = values.closure_choices()
        self.agencies: dict[str, int] = {}
        for agency_id, code, name in Agency.objects.values_list("id", "code", "name"):
            self.agencies[text(name).casefold()] = agency_id
            self.agencies[text(code).casefold()] = agency_id
        self.today = timezone.localdate()

    # --- the whole file ---------------------------------------------------------------------------

    def check_table_header(self, table: Table) -> None:
        for name in table.missing:
            self.errors.append(
                RowError(
                    table.kind,
                    table.header_row,
                    table.header_of(name),
                    f"必須の列「{table.header_of(name)}」が見出し行にありません。",
                )
            )

    def rows(self, ledger: LedgerFile, table: Table) -> Iterator[CaseRow | ActivityRow | int]:
        """Each data row of the table, checked: a CaseRow/ActivityRow with its outcome, or the row number
        of an invalid row. The database is asked once per batch of rows."""
        batch: list = []
        for row_number, cells in ledger.rows(table):
            batch.append(self._parse(table, row_number, cells))
            if len(batch) >= BATCH_SIZE:
                yield from self._finish_batch(table, batch)
                batch = []
        yield from self._finish_batch(table, batch)

    def _parse(self, table: Table, row_number: int, cells: tuple):
        row = _Row(table, row_number, cells, self.errors)
        parsed = self._case(row) if table.kind == CASES else self._activity(row)
        return row_number if row.bad or parsed is None else parsed

    def _finish_batch(self, table: Table, batch: list) -> list:
        if table.kind == CASES:
            self._mark_existing_cases([r for r in batch if isinstance(r, CaseRow)])
        else:
            self._resolve_cases(table, [r for r in batch if isinstance(r, ActivityRow)])
            batch = [r.row if isinstance(r, ActivityRow) and r.outcome == INVALID else r for r in batch]
            self._mark_existing_activities([r for r in batch if isinstance(r, ActivityRow)])
        return batch

    # --- cases ------------------------------------------------------------------------------------

    def _case(self, row: _Row) -> CaseRow | None:
        source_number = row.read("source_number", text, required=True)
        opened_on = row.read("opened_on", values.date_value, required=True)
        name = row.read("household_name", text, required=True)
        kana = row.read("household_name_kana", text, required=True)
        main_issue = row.read("main_issue", lambda v: self._single(v, self.issues, "課題"), required=True)
        issues = row.read("issues", lambda v: values.issue_list(v, self.issues)) or []
        status = row.read("status", lambda v: self._single(v, self.statuses, "状況")) or CaseStatus.INTAKE
        birth_date = row.read("birth_date", values.date_value)
        closed_on = row.read("closed_on", values.date_value)
        closure = row.read("closure_reason", lambda v: self._single(v, self.closures, "終結理由")) or ""
        phone = row.read("phone", text) or ""
        address = row.read("address", text) or ""

        if source_number and len(source_number) > 32:
            row.error("source_number", "台帳番号は32文字までです。")
        if name and len(name) > 100:
            row.error("household_name", "氏名は100文字までです。")
        if kana and len(kana) > 100:
            row.error("household_name_kana", "フリガナは100文字までです。")
        if len(phone) > 32:
            row.error("phone", "電話番号は32文字までです。")
        if opened_on and not EARLIEST <= opened_on <= self.today:
            row.error("opened_on", "受付日が未来か2000年より前です。年を確かめてください。")
        if birth_date and birth_date > self.today:
            row.error("birth_date", "生年月日が未来の日付です。")
        if closed_on and not status_closed(status):
            if status == CaseStatus.INTAKE and not row.raw("status"):
                status = CaseStatus.CLOSED  # 終結日 alone means the case was closed
            else:
                row.error("closed_on", "終結日があるのに状況が「終結」ではありません。")
        if status_closed(status) and not closed_on:
            row.error("closed_on", "状況が「終結」のケースには終結日を入力してください。")
        if closed_on and opened_on and closed_on < opened_on:
            row.error("closed_on", "終結日が受付日より前です。")
        if closure and not closed_on and not row.bad:
            row.error("closure_reason", "終結理由は終結したケースにだけ入力できます。")

        if source_number:
            first = self.seen_cases.get(source_number)
            if first is not None:
                row.error("source_number", f"台帳番号が{first}行目と重複しています。")
            else:
                self.seen_cases[source_number] = row.row_number
        if row.bad:
            if source_number and source_number not in self.valid_cases:  # not a duplicate of a valid row
                self.invalid_cases.add(source_number)
            return None
        self.valid_cases.add(source_number)
        return CaseRow(
            row=row.row_number,
            source_number=source_number,
            opened_on=opened_on,
            household_name=name,
            household_name_kana=kana,
            main_issue=main_issue,
            issues=[main_issue, *[t for t in issues if t != main_issue]],
            status=status,
            birth_date=birth_date,
            phone=phone,
            address=address,
            closed_on=closed_on,
            closure_reason=closure,
        )

    def _single(self, value, choices: values.Choices, what: str) -> str:
        raw = text(value)
        if not raw:
            return ""
        code = choices.get(raw)
        if code is None:
            raise CellError(f"{what}の名前が違います。一覧にある名前かコードで入力してください。")
        return code

    def _mark_existing_cases(self, rows: list[CaseRow]) -> None:
        existing = set(
            Case.objects.filter(
                area=self.area, source_number__in=[r.source_number for r in rows]
            ).values_list("source_number", flat=True)
        )
        for row in rows:
            if row.source_number in existing:
                row.outcome = UNCHANGED

    # --- activities -------------------------------------------------------------------------------

    def _activity(self, row: _Row) -> ActivityRow | None:
        source_number = row.read("source_number", text, required=True)
        day = row.read("date", values.date_value, required=True)
        at = row.read("time", values.time_value)
        minutes = row.read("minutes", values.minutes_value) or 0
        kind = row.read("kind", lambda v: self._single(v, self.kinds, "種別"), required=True)
        agency_ids = row.read("agencies", self._agencies) or []
        note = row.read("note", lambda v: "" if v is None else str(v).strip()) or ""

        if day and not EARLIEST <= day <= self.today:
            row.error("date", "日付が未来か2000年より前です。年を確かめてください。")
        if row.bad:
            return None
        if at is None:
            raw_date = row.raw("date")
            at = raw_date.time() if isinstance(raw_date, datetime.datetime) else datetime.time(0, 0)
        occurred_at = datetime.datetime.combine(day, at, tzinfo=TOKYO)
        if occurred_at > timezone.now():
            row.error("time", "支援の日時が未来です。")
            return None
        activity = ActivityRow(
            row=row.row_number,
            source_number=source_number,
            occurred_at=occurred_at,
            kind=kind,
            minutes=minutes,
            agency_ids=agency_ids,
            note=note,
        )
        if source_number in self.invalid_cases:
            row.error("source_number", "このケースの行（ケースの表）に誤りがあるため取り込めません。")
            return None
        digest = activity.digest()
        first = self.seen_activities.get(digest)
        if first is not None:
            row.error("note", f"{first}行目と同じ支援経過（ケース・日時・種別・内容）です。")
            return None
        self.seen_activities[digest] = row.row_number
        return activity

    def _agencies(self, value) -> list[int]:
        found: list[int] = []
        for position, part in enumerate(values.split_list(value), start=1):
            agency_id = self.agencies.get(text(part).casefold())
            if agency_id is None:
                raise CellError(
                    f"{position}件目の関係機関が登録にありません。機関の名前かコードで入力してください。"
                )
            if agency_id not in found:
                found.append(agency_id)
        return found

    def _resolve_cases(self, table: Table, rows: list[ActivityRow]) -> None:
        """The case of each activity: a valid case row of this file, or a case imported before."""
        elsewhere = {r.source_number for r in rows if r.source_number not in self.valid_cases}
        existing = dict(
            Case.objects.filter(area=self.area, source_number__in=elsewhere).values_list(
                "source_number", "id"
            )
        )
        in_file = dict(
            Case.objects.filter(
                area=self.area, source_number__in={r.source_number for r in rows} - elsewhere
            ).values_list("source_number", "id")
        )
        for row in rows:
            row.case_id = existing.get(row.source_number) or in_file.get(row.source_number)
            if row.source_number not in self.valid_cases and row.case_id is None:
                row.outcome = INVALID
                self.errors.append(
                    RowError(
                        ACTIVITIES,
                        row.row,
                        table.header_of("source_number"),
                        "この台帳番号のケースが、このファイルにも取込み済みのケースにもありません。",
                    )
                )

    def _mark_existing_activities(self, rows: list[ActivityRow]) -> None:
        known = [r for r in rows if r.case_id is not None]
        if not known:
            return
        stored: set[tuple] = set()
        for case_id, occurred_at, kind, note in Activity.objects.filter(
            case_id__in={r.case_id for r in known},
            occurred_at__in={r.occurred_at for r in known},
            voided=False,
        ).values_list("case_id", "occurred_at", "kind", "note"):
            stored.add((case_id, occurred_at, kind, note))
        for row in known:
            if (row.case_id, row.occurred_at, row.kind, row.note) in stored:
                row.outcome = UNCHANGED


def status_closed(status: str) -> bool:
    return status == CaseStatus.CLOSED
