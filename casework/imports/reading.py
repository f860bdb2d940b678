"""Finding the tables of a ledger file and streaming their rows (API.md, "Importing existing ledgers").

A workbook is read with openpyxl in read-only mode and a CSV with the csv module, so a file of any length
is read in bounded memory: rows are yielded one at a time, never held as a whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .values import text

HEADER_SEARCH_ROWS = 10  # the header row is within a sheet's first 10 rows

CASES = "cases"
ACTIVITIES = "activities"

# field -> the header spellings teams use (any one). Matching ignores width, case and surrounding blanks.
CASE_HEADERS = {
    "source_number": ("No.", "No", "番号", "ケース番号", "台帳番号"),
    "opened_on": ("受付日", "相談日", "開始日"),
    "household_name": ("氏名", "世帯主氏名", "相談者氏名", "対象者氏名"),
    "household_name_kana": ("フリガナ", "ふりがな", "カナ"),
    "birth_date": ("生年月日",),
    "phone": ("電話番号", "電話", "TEL", "連絡先"),
    "address": ("住所",),
    "main_issue": ("主な課題", "主訴"),
    "issues": ("課題", "その他の課題"),
    "status": ("状況", "ステータス", "支援状況"),
    "closed_on": ("終結日",),
    "closure_reason": ("終結理由",),
}
CASE_REQUIRED = ("source_number", "opened_on", "household_name", "household_name_kana", "main_issue")

ACTIVITY_HEADERS = {
    "source_number": ("No.", "No", "番号", "ケース番号", "台帳番号"),
    "date": ("日付", "支援日", "対応日", "実施日"),
    "time": ("時刻", "開始時刻"),
    "minutes": ("所要時間", "時間（分）", "分"),
    "kind": ("種別", "対応方法", "支援方法"),
    "agencies": ("関係機関", "連携機関", "同席機関"),
    "note": ("内容", "支援内容", "経過", "記録"),
}
ACTIVITY_REQUIRED = ("source_number", "date", "kind")

# Headers that only one kind of table has: they tell a case table from an activity table.
_CASE_ONLY = {"opened_on", "household_name", "household_name_kana", "main_issue"}
_ACTIVITY_ONLY = {"date", "kind"}


def _key(header) -> str:
    return text(header).casefold().replace(" ", "")


def _lookup(headers: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(spelling): name for name, spellings in headers.items() for spelling in spellings}


_CASE_LOOKUP = _lookup(CASE_HEADERS)
_ACTIVITY_LOOKUP = _lookup(ACTIVITY_HEADERS)


class LedgerFileError(Exception):
    """The file as a whole cannot be imported (not a spreadsheet, empty, no table); nothing is written."""


@dataclass
class Table:
    """One table of the file: its kind, where its header row is and which column holds which field."""

    kind: str  # CASES or ACTIVITIES
    sheet: str  # the sheet's name ("" for a CSV)
    header_row: int  # 1-based, as Excel shows it
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column index
    headers: dict[str, str] = field(default_factory=dict)  # field -> the header as written
    missing: list[str] = field(default_factory=list)  # required fields without a column

    def header_of(self, name: str) -> str:
        spellings = (CASE_HEADERS if self.kind == CASES else ACTIVITY_HEADERS)[name]
        return self.headers.get(name, spellings[0])


def _recognise(row: tuple, row_number: int, sheet: str) -> Table | None:
    """The table this row is the header row of, if it is one: the source number plus a field only that
    kind of table has."""
    cells = [(index, value) for index, value in enumerate(row) if text(value)]
    for kind, lookup, only, required in (
        (CASES, _CASE_LOOKUP, _CASE_ONLY, CASE_REQUIRED),
        (ACTIVITIES, _ACTIVITY_LOOKUP, _ACTIVITY_ONLY, ACTIVITY_REQUIRED),
    ):
        table = Table(kind=kind, sheet=sheet, header_row=row_number)
        for index, value in cells:
            name = lookup.get(_key(value))
            if name and name not in table.columns:
                table.columns[name] = index
                table.headers[name] = str(value).strip()
        if "source_number" in table.columns and only & set(table.columns):
            if kind == CASES or not (_CASE_ONLY & {_CASE_LOOKUP.get(_key(v)) for _i, v in cells}):
                table.missing = [name for name in required if name not in table.columns]
                return table
    return None


def is_blank(row: tuple) -> bool:
    return not any(text(value) for value in row)


# --- the file ------------------------------------------------------------------------------------


def file_kind(name: str, head: bytes) -> str:
    """ "xlsx" or "csv" by the file's first bytes (a workbook is a zip); LedgerFileError otherwise."""
    if not head:
        raise LedgerFileError("ファイルが空です。台帳のExcelファイルかCSVファイルを選んでください。")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    suffix = Path(name).suffix.lower()
    if (
        head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF"))
        or b"\x00" in head[:1024]
        or suffix in (".xls", ".pdf")
    ):
        raise LedgerFileError(
            "表計算のファイルとして読めません。"
            "Excelの「名前を付けて保存」でExcelブック形式かCSV形式にしてください。"
        )
    return "csv"


def _decode_csv(stream: BinaryIO) -> io.TextIOBase:
    """UTF-8 (with or without BOM) when the bytes are UTF-8, else CP932 (Shift_JIS as Excel writes it)."""
    head = stream.read(64 * 1024)
    stream.seek(0)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        encoding = "cp932"
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


@dataclass
class LedgerFile:
    """An opened ledger: its tables, and each table's data rows as (row number, cells), streamed."""

    path: Path
    kind: str

    def tables(self) -> list[Table]:
        found = []
        for sheet, rows in self._sheets():
            for row_number, row in rows:
                if row_number > HEADER_SEARCH_ROWS:
                    break
                table = _recognise(row, row_number, sheet)
                if table:
                    found.append(table)
                    break
        # Cases first, whatever the sheet order: an activity may name a case of a later sheet.
        return sorted(found, key=lambda t: t.kind != CASES)

    def rows(self, table: Table) -> Iterator[tuple[int, tuple]]:
        """The table's non-blank data rows below its header row, with Excel's row numbers."""
        for _sheet, rows in self._sheets(only=table.sheet):
            for row_number, row in rows:
                if row_number <= table.header_row or is_blank(row):
                    continue
                yield row_number, row

    def _sheets(self, only: str | None = None) -> Iterator[tuple[str, Iterator[tuple[int, tuple]]]]:
        if self.kind == "csv":
            yield "", _csv_rows(self.path)
            return
        workbook = _open_workbook(self.path)
        try:
            for sheet in workbook.worksheets:
                if only is not None and sheet.title != only:
                    continue
                if not hasattr(sheet, "iter_rows"):  # a chart sheet
                    continue
                yield (
                    sheet.title,
                    ((number, row) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)),
                )
        finally:
            workbook.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, tuple]]:
    with open(path, "rb") as raw:
        try:
            for number, row in enumerate(csv.reader(_decode_csv(raw)), start=1):
                yield number, tuple(row)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise LedgerFileError(
                "CSVファイルとして読めません。ExcelでCSV形式に保存し直してください。"
            ) from exc


def _open_workbook(path: Path):
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet XML; data_only reads a formula's last computed value.
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise LedgerFileError(
            "Excelファイルとして開けません。Excelブック形式で保存し直してください。"
        ) from exc


def open_ledger(path: Path, *, name: str | None = None) -> LedgerFile:
    with open(path, "rb") as raw:
        head = raw.read(2048)
    return LedgerFile(path=Path(path), kind=file_kind(name or str(path), head))
