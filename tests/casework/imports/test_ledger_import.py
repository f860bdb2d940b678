"""The ledger import service (API.md, "Importing existing ledgers"), with ledgers built in the tests."""

import datetime

import pytest

from casework.imports.ledger import ledger_import
from casework.models import Activity, AuditAction, AuditEvent, Case, CaseStatus, HouseholdMember
from network.models import Role
from tests import factories

from .ledgers import ACTIVITY_HEADER, CASE_HEADER, activity_row, case_row, csv_file, tokyo, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return factories.make_staff("mgr", role=Role.MANAGER)


def run(path, area, user, **options):
    return ledger_import(path=path, area=area, imported_by=user, **options)


def test_a_workbook_with_title_rows_imports_cases_and_activities(tmp_path, area, agency, manager):
    path = workbook(
        tmp_path / "ledger.xlsx",
        cases=[
            case_row("1", "R4.5.1", main="生活困窮", 課題="ひきこもり、8050問題"),
            [],
            case_row("2", "2022/6/1"),
        ],
        activities=[
            activity_row("1", agencies=agency.name, note="同行して相談"),
            activity_row("2", kind="電話"),
        ],
    )
    result = run(path, area, manager)
    assert result.ok and result.written
    assert result.cases.as_dict() == {"rows": 2, "valid": 2, "invalid": 0, "created": 2, "unchanged": 0}
    assert result.activities.created == 2
    case = Case.objects.get(area=area, source_number="1")
    assert case.household_name == "架空 太郎"
    assert case.opened_on == datetime.date(2022, 5, 1)
    assert case.number.startswith("2022-")
    assert case.main_issue == "poverty"
    assert sorted(case.issue_tags) == ["8050", "hikikomori", "poverty"]
    activity = Activity.objects.get(case=case)
    assert activity.area_id == area.id
    assert activity.occurred_at == tokyo(2022, 5, 2, 10, 0)
    assert activity.has_partner and list(activity.partner_agencies.all()) == [agency]
    assert activity.note == "同行して相談"


def test_case_numbers_follow_the_fiscal_year_of_the_opening_date(tmp_path, area, manager):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1", "R5.3.31"), case_row("2", "令和5年4月1日")])
    run(path, area, manager)
    assert Case.objects.get(source_number="1").number.startswith("2022-")
    assert Case.objects.get(source_number="2").number.startswith("2023-")


def test_every_record_is_audited_and_the_import_once_with_its_counts(tmp_path, area, manager):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")], activities=[activity_row("1")])
    run(path, area, manager)
    case = Case.objects.get(source_number="1")
    assert AuditEvent.objects.filter(action=AuditAction.CASE_CREATE, case=case).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ACTIVITY_CREATE, case=case).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.LEDGER_IMPORT)
    assert event.actor == manager
    assert event.changes["cases"]["created"] == 1 and event.changes["activities"]["created"] == 1
    assert event.changes["area"] == area.code


def test_personal_values_are_stored_encrypted(tmp_path, area, manager):
    from django.db import connection

    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1", name="架空 花子", 住所="架空市1-2-3")])
    run(path, area, manager)
    with connection.cursor() as cursor:
        cursor.execute("SELECT household_name, address FROM casework_case")
        stored = cursor.fetchone()
    assert "架空" not in stored[0] and "架空" not in stored[1]


def test_birth_date_makes_the_person_the_cases_focus_member(tmp_path, area, manager):
    path = workbook(
        tmp_path / "l.xlsx", cases=[case_row("1", 生年月日="S55.1.2", 電話番号="０９０－１２３４－５６７８")]
    )
    run(path, area, manager)
    member = HouseholdMember.objects.get(case__source_number="1")
    assert member.is_focus and member.birth_date == datetime.date(1980, 1, 2)
    assert member.phone == "090-1234-5678"


def test_half_width_kana_and_full_width_digits(tmp_path, area, manager):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("１２", "２０２２年５月１日", kana="ｶｸｳ ﾀﾛｳ")])
    run(path, area, manager)
    case = Case.objects.get(source_number="12")
    assert case.household_name_kana == "カクウ タロウ"
    assert case.opened_on == datetime.date(2022, 5, 1)


def test_closed_cases_keep_date_and_reason(tmp_path, area, manager):
    path = workbook(
        tmp_path / "l.xlsx", cases=[case_row("1", 状況="終結", 終結日="R5.1.10", 終結理由="目標達成")]
    )
    run(path, area, manager)
    case = Case.objects.get(source_number="1")
    assert case.status == CaseStatus.CLOSED
    assert case.closed_on == datetime.date(2023, 1, 10) and case.closure_reason == "goal_achieved"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("課題解決", "goal_achieved"),
        ("目標達成", "goal_achieved"),
        ("生活保護開始", "handed_over"),
        ("本人の意向による終了", "declined"),
        ("本人辞退", "declined"),
        ("連絡不能", "unreachable"),
    ],
)
def test_closure_reasons_read_in_national_and_older_names(tmp_path, area, manager, written, code):
    path = workbook(
        tmp_path / "l.xlsx", cases=[case_row("1", 状況="終結", 終結日="R5.1.10", 終結理由=written)]
    )
    run(path, area, manager)
    assert Case.objects.get(source_number="1").closure_reason == code


def test_excel_date_cells_are_read(tmp_path, area, manager):
    path = workbook(
        tmp_path / "l.xlsx",
        cases=[case_row("1", datetime.date(2022, 5, 1))],
        activities=[activity_row("1", datetime.datetime(2022, 5, 2, 14, 15), time="")],
    )
    run(path, area, manager)
    assert Activity.objects.get().occurred_at == tokyo(2022, 5, 2, 14, 15)


def test_a_bad_row_is_reported_with_excel_row_and_header_and_nothing_is_written(tmp_path, area, manager):
    path = workbook(
        tmp_path / "l.xlsx",
        cases=[case_row("1"), case_row("2", "来週"), case_row("3", main="")],
        activities=[activity_row("1")],
    )
    result = run(path, area, manager)
    assert not result.ok and not result.written
    assert Case.objects.count() == 0 and Activity.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.LEDGER_IMPORT).exists()
    errors = [e.as_dict() for e in result.errors]
    # title row 1, blank row 2, header row 3: the data starts at row 4
    assert {"table": "cases", "row": 5, "column": "受付日"} == {
        k: errors[0][k] for k in ("table", "row", "column")
    }
    assert "日付" in errors[0]["message"]
    assert errors[1]["row"] == 6 and errors[1]["column"] == "主訴"
    assert result.cases.as_dict() == {"rows": 3, "valid": 1, "invalid": 2, "created": 0, "unchanged": 0}


def test_skip_invalid_writes_the_valid_rows_and_an_activity_of_an_invalid_case_is_invalid(
    tmp_path, area, manager
):
    path = workbook(
        tmp_path / "l.xlsx",
        cases=[case_row("1"), case_row("2", "来週")],
        activities=[activity_row("1"), activity_row("2")],
    )
    result = run(path, area, manager, skip_invalid=True)
    assert result.written and not result.ok
    assert list(Case.objects.values_list("source_number", flat=True)) == ["1"]
    assert result.activities.as_dict() == {"rows": 2, "valid": 1, "invalid": 1, "created": 1, "unchanged": 0}
    assert [(e.table, e.row, e.column) for e in result.errors] == [
        ("cases", 5, "受付日"),
        ("activities", 5, "No."),
    ]


def test_dry_run_writes_nothing_but_counts(tmp_path, area, manager):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")], activities=[activity_row("1")])
    result = run(path, area, manager, dry_run=True)
    assert result.ok and not result.written and result.dry_run
    assert result.cases.valid == 1 and result.activities.valid == 1
    assert Case.objects.count() == 0 and not AuditEvent.objects.exists()


def test_re_running_the_same_file_changes_nothing(tmp_path, area, agency, manager):
    path = workbook(
        tmp_path / "l.xlsx",
        cases=[case_row("1"), case_row("2")],
        activities=[activity_row("1", agencies=agency.code)],
    )
    run(path, area, manager)
    numbers = sorted(Case.objects.values_list("number", flat=True))
    again = run(path, area, manager)
    assert again.ok
    assert again.cases.as_dict() == {"rows": 2, "valid": 2, "invalid": 0, "created": 0, "unchanged": 2}
    assert again.activities.unchanged == 1 and again.activities.created == 0
    assert sorted(Case.objects.values_list("number", flat=True)) == numbers
    assert Activity.objects.count() == 1


def test_an_activity_file_can_follow_a_case_file_imported_earlier(tmp_path, area, manager, other_area):
    run(workbook(tmp_path / "cases.xlsx", cases=[case_row("7")]), area, manager)
    activities = csv_file(tmp_path / "a.csv", [ACTIVITY_HEADER, activity_row("7", note="電話で確認")])
    result = run(activities, area, manager)
    assert result.ok and result.activities.created == 1
    # the same number in another area is another team's case
    assert not run(activities, other_area, manager).ok


def test_unknown_case_and_unknown_agency_are_errors(tmp_path, area, manager):
    path = workbook(
        tmp_path / "l.xlsx",
        cases=[case_row("1")],
        activities=[activity_row("99"), activity_row("1", agencies="存在しない機関")],
    )
    result = run(path, area, manager)
    assert [(e.row, e.column) for e in result.errors] == [(4, "No."), (5, "関係機関")]
    assert "ケース" in result.errors[0].message and "関係機関" in result.errors[1].message


def test_duplicates_inside_one_file_are_errors(tmp_path, area, manager):
    path = workbook(
        tmp_path / "l.xlsx",
        cases=[case_row("1"), case_row("1", name="架空 次郎")],
        activities=[activity_row("1"), activity_row("1")],
    )
    result = run(path, area, manager)
    assert [(e.table, e.row) for e in result.errors] == [("cases", 5), ("activities", 5)]
    assert "4行目" in result.errors[0].message


def test_a_cp932_csv_is_read(tmp_path, area, manager):
    path = csv_file(
        tmp_path / "l.csv",
        [
            ["台帳番号", "相談日", "相談者氏名", "ふりがな", "主な課題"],
            ["A-1", "令和元年5月1日", "架空 一郎", "かくう いちろう", "ひきこもり"],
        ],
    )
    result = run(path, area, manager)
    assert result.ok, result.errors
    case = Case.objects.get(source_number="A-1")
    assert case.household_name == "架空 一郎" and case.opened_on == datetime.date(2019, 5, 1)


def test_a_utf8_csv_with_bom_and_multiline_lists_is_read(tmp_path, area, manager):
    path = csv_file(
        tmp_path / "l.csv",
        [
            ["番号", "受付日", "氏名", "カナ", "主訴", "その他の課題"],
            ["1", "H31.4.30", "架空", "カクウ", "dv", "障害\n認知症"],
        ],
        encoding="utf-8-sig",
    )
    assert run(path, area, manager).ok
    assert sorted(Case.objects.get().issue_tags) == ["dementia", "disability", "dv"]


def test_a_missing_required_column_is_an_error_on_the_header_row(tmp_path, area, manager):
    header = [h for h in CASE_HEADER if h != "フリガナ"]
    path = workbook(
        tmp_path / "l.xlsx", cases=[[c for i, c in enumerate(case_row()) if i != 3]], case_header=header
    )
    result = run(path, area, manager)
    assert not result.ok and Case.objects.count() == 0
    assert (result.errors[0].row, result.errors[0].column) == (3, "フリガナ")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "空"),
        (b"%PDF-1.4 not a ledger", "表計算"),
        (b"PK\x03\x04broken zip", "Excel"),
        (b"a,b\n1,2\n", "見出し"),
    ],
)
def test_an_unreadable_file_is_one_clear_error_and_nothing_is_written(
    tmp_path, area, manager, content, fragment
):
    path = tmp_path / "file.xlsx"
    path.write_bytes(content)
    result = run(path, area, manager)
    assert not result.ok and not result.written
    assert len(result.errors) == 1 and fragment in result.errors[0].message
    assert result.errors[0].row is None
    assert not AuditEvent.objects.exists()


def test_preview_shows_the_first_rows_as_they_will_be_stored(tmp_path, area, manager):
    path = workbook(
        tmp_path / "l.xlsx", cases=[case_row("1", "R4.5.1", kana="ｶｸｳ")], activities=[activity_row("1")]
    )
    result = run(path, area, manager, dry_run=True)
    assert result.preview["cases"][0]["opened_on"] == "2022-05-01"
    assert result.preview["cases"][0]["household_name_kana"] == "カクウ"
    assert result.preview["activities"][0]["kind"] == "visit"


def test_a_row_another_import_wrote_meanwhile_is_not_written_twice(tmp_path, area, manager, monkeypatch):
    from casework.imports import ledger

    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1"), case_row("2")])
    checked = ledger.ledger_check

    def check_then_someone_else_imports(*args, **kwargs):
        result = checked(*args, **kwargs)
        monkeypatch.setattr(ledger, "ledger_check", checked)
        run(workbook(tmp_path / "other.xlsx", cases=[case_row("2")]), area, manager)
        return result

    monkeypatch.setattr(ledger, "ledger_check", check_then_someone_else_imports)
    result = run(path, area, manager)
    # The write pass looks again: case 2 exists now, so only case 1 is written.
    assert result.written and result.cases.created == 1 and result.cases.unchanged == 1
    assert sorted(Case.objects.values_list("source_number", flat=True)) == ["1", "2"]
