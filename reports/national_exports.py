"""The yearly national figures as CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl), from
reports.national.national_figures; aggregates only, no personal data."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from .exports import BOM, CONTENT_TYPES

FORMATS = ("csv", "xlsx")
__all__ = ["BOM", "CONTENT_TYPES", "FORMATS", "export_csv", "export_xlsx", "filename", "table_rows"]


def filename(report: dict, fmt: str) -> str:
    area = report["area"] or "all"
    return f"national-figures-FY{report['fiscal_year']}-{area}.{fmt}"


def title(report: dict) -> str:
    return _("%(label)s The year's figures in the national frame") % {"label": report["label"]}


def header(report: dict) -> list[str]:
    return [_("Count"), _("Category"), *report["months"], _("Year total")]


def table_rows(report: dict) -> list[list]:
    """One row per count and category (and each split count's total): count, category, April … March,
    the year. For a count without categories the category column repeats nothing (blank)."""
    rows = []
    for section in report["sections"]:
        for row in section["rows"]:
            category = row["name"] if row["category"] is not None else ""
            rows.append([section["name"], category, *row["months"], row["total"]])
        if section["total"]:
            total = section["total"]
            rows.append([section["name"], total["name"], *total["months"], total["total"]])
    return rows


def _preamble(report: dict) -> list[list]:
    return [
        [title(report)],
        [_("Fiscal year"), report["label"], report["label_western"]],
        [_("Area"), report["area_name"]],
    ]


def export_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(_preamble(report))
    writer.writerow(header(report))
    writer.writerows(table_rows(report))
    return BOM + out.getvalue().encode("utf-8")


_THIN = Side(style="thin", color="A0AAB4")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="E4F0EC")


def export_xlsx(report: dict, output) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = _("National figures")
    for row in _preamble(report):
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(header(report))
    head_row = ws.max_row
    for cell in ws[head_row]:
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center")
    for values in table_rows(report):
        ws.append(values)
        for cell in ws[ws.max_row]:
            cell.border = _BORDER
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 26
    for index in range(3, 16):
        ws.column_dimensions[ws.cell(row=head_row, column=index).column_letter].width = 9
    ws.freeze_panes = ws.cell(row=head_row + 1, column=3)
    wb.save(output)
