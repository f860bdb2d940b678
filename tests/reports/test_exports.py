"""Exports: CSV with BOM, XLSX (checked cell by cell with openpyxl), JSON, and the management command."""

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from casework.models import AuditEvent
from reports import exports
from reports.selectors import accompanied_activity_report, counted_activity_rows
from tests import factories

from .conftest import jst


@pytest.fixture
def activities(seeded, case, caseworker, partner, partner_b):
    factories.log_activity(
        case, by=caseworker, when=jst(2024, 4, 1, 9), agencies=[partner, partner_b], note="秘匿メモ"
    )
    factories.log_activity(
        case, by=caseworker, when=jst(2024, 10, 31, 23, 30), agencies=[partner], kind="phone"
    )
    factories.log_activity(case, by=caseworker, when=jst(2024, 11, 1, 0, 30), agencies=[partner])
    factories.log_activity(case, by=caseworker, when=jst(2024, 11, 2), agencies=[])


def test_csv_starts_with_a_bom_and_holds_the_twelve_months(activities):
    data = exports.export_csv(accompanied_activity_report(fiscal_year=2024))

    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "令和6(2024)年度" in text
    assert "2024-04,1,1," in text and "2025-03," in text


def test_xlsx_has_title_header_months_totals_and_target(activities):
    buffer = io.BytesIO()
    exports.export_xlsx(accompanied_activity_report(fiscal_year=2024), buffer)

    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    assert "令和6(2024)年度" in ws["A1"].value
    assert ws["B2"].value == "令和6(2024)年度" and ws["E2"].value == 280
    assert [ws.cell(row=4 + i, column=1).value for i in (0, 11)] == ["2024-04", "2025-03"]
    assert (ws["B4"].value, ws["C4"].value) == (1, 1)  # April
    assert (ws["B10"].value, ws["C10"].value) == (1, 2)  # October, 23:30 JST on the 31st
    assert (ws["B11"].value, ws["C11"].value) == (1, 3)  # November, 00:30 JST on the 1st
    assert ws["D4"].value == pytest.approx(23.3)
    footer = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(17, 24)}
    assert 3 in footer.values() and 280 in footer.values()
    assert ws["A3"].font.bold


def test_xlsx_activity_sheet_lists_each_counted_activity_without_personal_data(activities):
    buffer = io.BytesIO()
    exports.export_xlsx(accompanied_activity_report(fiscal_year=2024), buffer, with_activities=True)

    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    rows = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert rows[0][0].strftime("%Y-%m-%d %H:%M") == "2024-04-01 09:00"  # Tokyo wall-clock time
    assert rows[0][4].count("、") == 1  # two agencies
    body = repr(rows)
    assert "架空" not in body and "秘匿" not in body


def test_activity_rows_come_in_batches_and_still_cover_every_activity(activities):
    assert len(list(counted_activity_rows(fiscal_year=2024, batch=1))) == 3


def test_json_export_is_the_api_answer(activities):
    data = json.loads(exports.export_json(accompanied_activity_report(fiscal_year=2024)))

    assert (data["fiscal_year"], data["total"], data["target"]) == (2024, 3, 280)


def test_the_command_writes_json_to_a_file_as_of_a_month(activities, tmp_path):
    out = tmp_path / "report.json"

    call_command(
        "indicator_report",
        "--fiscal-year",
        "2024",
        "--month",
        "2024-10",
        "--format",
        "json",
        "--output",
        str(out),
    )

    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["total"], data["through"]) == (2, "2024-10")
    assert AuditEvent.objects.filter(action="report.export", channel="command").exists()


def test_the_command_writes_xlsx_and_csv(activities, tmp_path):
    call_command(
        "indicator_report", "--fiscal-year", "2024", "--format", "xlsx", "--output", str(tmp_path / "r.xlsx")
    )
    call_command(
        "indicator_report", "--fiscal-year", "2024", "--format", "csv", "--output", str(tmp_path / "r.csv")
    )

    assert openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]["E2"].value == 280
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_command_prints_csv_by_default(activities):
    out = io.StringIO()

    call_command("indicator_report", "--fiscal-year", "2024", stdout=out)

    assert "令和6(2024)年度" in out.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ["--fiscal-year", "24x"],
        ["--fiscal-year", "2024", "--month", "2025-04"],
        ["--fiscal-year", "2024", "--month", "October"],
    ],
)
def test_the_command_explains_wrong_arguments(seeded, args):
    with pytest.raises(CommandError):
        call_command("indicator_report", *args)
