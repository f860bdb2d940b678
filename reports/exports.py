"""The 延件数 report as CSV (UTF-8 with BOM, for Excel), XLSX (openpyxl, write-only: memory stays flat for
a year's activity sheet) and JSON. Built from selectors.accompanied_activity_report; no personal data."""

from __future__ import annotations

import csv
import io
import json
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from . import selectors

BOM = b"\xef\xbb\xbf"
FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def filename(report: dict, fmt: str) -> str:
    month = report["report_month"] if report.get("report_month") else "year"
    return f"accompanied-activities-FY{report['fiscal_year']}-{month}.{fmt}"


def title(report: dict) -> str:
    return _("%(label)s Accompanied-support activities with partner agencies (延件数)") % {
        "label": report["label"]
    }


def summary_header() -> list[str]:
    return [
        _("Month"),
        _("Count"),
        _("Cumulative"),
        _("Target pace"),
        _("Progress %"),
        _("Unique cases"),
        _("Finalised count"),
        _("Finalised cumulative"),
        _("Difference"),
    ]


def summary_rows(report: dict) -> list[list]:
    """The monthly table: 12 months April → March; months not yet elapsed stay blank."""
    rows = []
    for m in report["months"]:
        snap = m["snapshot"] or {}
        if not m["elapsed"]:
            rows.append([m["month"], None, None, m["expected"], None, None, None, None, None])
            continue
        rows.append(
            [
                m["month"],
                m["count"],
                m["cumulative"],
                m["expected"],
                m["progress"],
                m["unique_cases"],
                snap.get("count"),
                snap.get("cumulative"),
                m["difference"],
            ]
        )
    return rows


def footer_rows(report: dict) -> list[list]:
    return [
        [_("Total"), report["total"]],
        [_("Unique cases (fiscal year)"), report["unique_cases"]],
        [_("Target"), report["target"] if report["target"] is not None else _("none set")],
        [_("Progress %"), report["progress"]],
        [_("Expected by now"), report["expected_to_date"]],
        [_("Year-end projection"), report["projection"]],
        [_("As of"), report["as_of"]],
    ]


def breakdown_sections(report: dict) -> list[tuple[str, list[tuple[str, int]]]]:
    return [
        (_("By area"), [(r["name"], r["count"]) for r in report["by_area"]]),
        (_("By activity kind"), [(r["name"], r["count"]) for r in report["by_kind"]]),
        (_("By main issue"), [(r["name"], r["count"]) for r in report["by_issue"]]),
        (
            _("By agency (an activity counts once for each agency that joined)"),
            [(r["name"], r["count"]) for r in report["by_agency"]],
        ),
    ]


def activity_header() -> list[str]:
    return [_("Date and time"), _("Area"), _("Kind"), _("Case number"), _("Partner agencies")]


# --- CSV --------------------------------------------------------------------------------------------------


def export_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title(report)])
    writer.writerow([_("Fiscal year"), report["label"], report["label_western"]])
    writer.writerow(summary_header())
    writer.writerows([["" if v is None else v for v in row] for row in summary_rows(report)])
    writer.writerow([])
    writer.writerows([["" if v is None else v for v in row] for row in footer_rows(report)])
    for heading, rows in breakdown_sections(report):
        writer.writerow([])
        writer.writerow([heading, _("Count")])
        writer.writerows(rows)
    return BOM + out.getvalue().encode("utf-8")


# --- JSON -------------------------------------------------------------------------------------------------


def export_json(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


# --- XLSX -------------------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="A0AAB4")
_HEAD_FILL = PatternFill("solid", fgColor="E4F0EC")
_CURRENT_FILL = PatternFill("solid", fgColor="FFF4D6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NUMBER_FORMATS = {
    1: "#,##0",
    2: "#,##0",
    3: "#,##0.0",
    4: "0.0",
    5: "#,##0",
    6: "#,##0",
    7: "#,##0",
    8: "+#,##0;-#,##0;0",
}


def _cell(ws, value, *, bold=False, size=None, fill=None, fmt=None, border=False, align=None):
    cell = WriteOnlyCell(ws, value=value)
    if bold or size:
        cell.font = Font(bold=bold, size=size or 11)
    if fill is not None:
        cell.fill = fill
    if fmt:
        cell.number_format = fmt
    if border:
        cell.border = _BORDER
    if align:
        cell.alignment = Alignment(horizontal=align)
    return cell


def _summary_sheet(wb: Workbook, report: dict) -> None:
    ws = wb.create_sheet(_("Monthly"))
    for letter, width in zip("ABCDEFGHI", (14, 10, 12, 14, 12, 12, 14, 16, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "B4"
    ws.append([_cell(ws, title(report), bold=True, size=14)])
    ws.append(
        [
            _cell(ws, _("Fiscal year")),
            _cell(ws, report["label"]),
            _cell(ws, report["label_western"]),
            _cell(ws, _("Target")),
            _cell(ws, report["target"] if report["target"] is not None else _("none set"), bold=True),
        ]
    )
    ws.append(
        [_cell(ws, h, bold=True, fill=_HEAD_FILL, border=True, align="center") for h in summary_header()]
    )
    for m, row in zip(report["months"], summary_rows(report), strict=True):
        fill = _CURRENT_FILL if m["is_report_month"] else None
        ws.append(
            [
                _cell(ws, v, fmt=_NUMBER_FORMATS.get(i), fill=fill, border=True, bold=(i == 0))
                for i, v in enumerate(row)
            ]
        )
    ws.append([])
    for label, value in footer_rows(report):
        fmt = "0.0" if isinstance(value, float) else "#,##0" if isinstance(value, int) else None
        ws.append(
            [
                _cell(ws, label, bold=True, fill=_HEAD_FILL, border=True),
                _cell(ws, value, fmt=fmt, border=True),
            ]
        )
    for heading, rows in breakdown_sections(report):
        ws.append([])
        ws.append(
            [
                _cell(ws, heading, bold=True, fill=_HEAD_FILL, border=True),
                _cell(ws, _("Count"), bold=True, fill=_HEAD_FILL, border=True),
            ]
        )
        for name, count in rows:
            ws.append([_cell(ws, name, border=True), _cell(ws, count, fmt="#,##0", border=True)])


def _activity_sheet(wb: Workbook, report: dict) -> None:
    """One row per counted activity, streamed in batches (write-only rows go straight to a temp file)."""
    ws = wb.create_sheet(_("Activities"))
    for letter, width in zip("ABCDE", (18, 22, 16, 14, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, h, bold=True, fill=_HEAD_FILL) for h in activity_header()])
    until = None
    if report.get("through"):
        year, month = (int(p) for p in report["through"].split("-"))
        until = selectors.ReportPeriod(
            fiscal_year=report["fiscal_year"], through=(year, month), today=selectors.tokyo_today()
        ).until
    for occurred, area, kind, number, agencies in selectors.counted_activity_rows(
        fiscal_year=report["fiscal_year"], until=until
    ):
        cell = WriteOnlyCell(ws, value=occurred)
        cell.number_format = "yyyy-mm-dd hh:mm"
        ws.append([cell, area, kind, number, agencies])


def export_xlsx(report: dict, output: BinaryIO, *, with_activities: bool = False) -> None:
    wb = Workbook(write_only=True)
    _summary_sheet(wb, report)
    if with_activities:
        _activity_sheet(wb, report)
    wb.save(output)


def export_bytes(report: dict, fmt: str) -> bytes:
    if fmt == "csv":
        return export_csv(report)
    if fmt == "json":
        return export_json(report)
    buffer = io.BytesIO()
    export_xlsx(report, buffer)
    return buffer.getvalue()
