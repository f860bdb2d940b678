"""`manage.py import_ledger`: the summary, its JSON shape and the exit status of API.md."""

import json

import pytest
from django.core.management import call_command

from casework.models import AuditAction, AuditEvent, Case
from tests.casework.imports.ledgers import activity_row, case_row, workbook

pytestmark = pytest.mark.django_db


def run(*args):
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_ledger", *map(str, args), stdout=out, stderr=err)
        status = 0
    except SystemExit as exit:
        status = exit.code
    return status, out.getvalue(), err.getvalue()


def test_json_summary_has_exactly_the_listed_keys(tmp_path, area):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")], activities=[activity_row("1")])
    status, out, _err = run(path, "--area", area.code, "--format", "json")
    summary = json.loads(out)
    assert status == 0
    assert set(summary) == {"dry_run", "written", "cases", "activities", "errors"}
    keys = {"rows", "valid", "invalid", "created", "unchanged"}
    assert set(summary["cases"]) == keys and set(summary["activities"]) == keys
    assert summary["dry_run"] is False and summary["written"] is True
    assert (
        summary["cases"]["created"] == 1 and summary["activities"]["created"] == 1 and summary["errors"] == []
    )


def test_an_invalid_row_exits_1_with_its_error_and_writes_nothing(tmp_path, area):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1"), case_row("2", "H31.5.1")])
    status, out, _err = run(path, "--area", area.code, "--format", "json")
    summary = json.loads(out)
    assert status == 1 and summary["written"] is False
    assert summary["errors"] == [
        {"table": "cases", "row": 5, "column": "受付日", "message": summary["errors"][0]["message"]}
    ]
    assert "平成" in summary["errors"][0]["message"]
    assert Case.objects.count() == 0


def test_skip_invalid_writes_the_valid_rows_and_still_exits_1(tmp_path, area):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1"), case_row("2", "H31.5.1")])
    status, out, err = run(path, "--area", area.code, "--skip-invalid")
    assert status == 1
    assert Case.objects.count() == 1
    assert "cases: 2 rows, 1 valid, 1 invalid, 1 created, 0 unchanged" in out
    assert "行5" in err and "受付日" in err


def test_dry_run_then_real_run_then_re_run(tmp_path, area):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")], activities=[activity_row("1")])
    status, out, _ = run(path, "--area", area.code, "--dry-run", "--format", "json")
    assert status == 0 and json.loads(out)["dry_run"] is True and json.loads(out)["written"] is False
    assert Case.objects.count() == 0
    assert run(path, "--area", area.code)[0] == 0
    status, out, _ = run(path, "--area", area.code, "--format", "json")
    again = json.loads(out)
    assert status == 0
    assert again["cases"]["unchanged"] == 1 and again["activities"]["unchanged"] == 1
    assert again["cases"]["created"] == 0
    assert Case.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT, channel="command").count() == 2


def test_a_file_that_is_not_a_spreadsheet_exits_1_with_a_clear_message(tmp_path, area):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 ...")
    status, out, _err = run(path, "--area", area.code, "--format", "json")
    summary = json.loads(out)
    assert status == 1 and summary["written"] is False
    assert summary["errors"][0]["row"] is None and "表計算" in summary["errors"][0]["message"]


def test_without_user_the_records_carry_the_import_account_which_cannot_sign_in(tmp_path, area):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")])
    run(path, "--area", area.code)
    creator = Case.objects.get().created_by
    assert creator.username == "ledger-import" and not creator.is_active and not creator.has_usable_password()


def test_unknown_area_is_a_command_error(tmp_path, area):
    from django.core.management.base import CommandError

    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")])
    with pytest.raises(CommandError):
        call_command("import_ledger", str(path), "--area", "nowhere")
