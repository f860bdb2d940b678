"""Ledgers as teams keep them, built in the tests: workbooks (openpyxl) and CSV files. Names are invented."""

from __future__ import annotations

import datetime
from pathlib import Path

from openpyxl import Workbook

CASE_HEADER = [
    "No.",
    "受付日",
    "氏名",
    "フリガナ",
    "生年月日",
    "電話番号",
    "住所",
    "主訴",
    "課題",
    "状況",
    "終結日",
    "終結理由",
]
ACTIVITY_HEADER = ["No.", "日付", "時刻", "所要時間", "種別", "関係機関", "内容"]


def case_row(no="1", opened="2022/5/1", name="架空 太郎", kana="カクウ タロウ", main="生活困窮", **extra):
    values = {
        "生年月日": "",
        "電話番号": "",
        "住所": "",
        "課題": "",
        "状況": "",
        "終結日": "",
        "終結理由": "",
    } | extra
    return [
        no,
        opened,
        name,
        kana,
        values["生年月日"],
        values["電話番号"],
        values["住所"],
        main,
        values["課題"],
        values["状況"],
        values["終結日"],
        values["終結理由"],
    ]


def activity_row(no="1", day="2022/5/2", time="10:00", minutes=30, kind="訪問", agencies="", note="初回訪問"):
    return [no, day, time, minutes, kind, agencies, note]


def workbook(path: Path, *, cases=None, activities=None, title=True, case_header=None) -> Path:
    """A workbook with a merged title row and a blank row above each table, as ledgers usually are."""
    book = Workbook()
    book.remove(book.active)
    for name, header, rows in (
        ("ケース一覧", case_header or CASE_HEADER, cases),
        ("支援経過", ACTIVITY_HEADER, activities),
    ):
        if rows is None:
            continue
        sheet = book.create_sheet(name)
        if title:
            sheet.append([f"令和4年度 {name}（架空）"])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
            sheet.append([])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def csv_file(path: Path, rows: list[list], *, encoding="cp932") -> Path:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def tokyo(y, m, d, hh=0, mm=0) -> datetime.datetime:
    from network.fiscal import TOKYO

    return datetime.datetime(y, m, d, hh, mm, tzinfo=TOKYO)
