"""The managers' import page: upload, preview with every error, confirm; large files in the background."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.imports import uploads
from casework.models import Activity, AuditAction, AuditEvent, Case, LedgerImport, LedgerImportStatus
from network.models import Role
from tests import factories

from .ledgers import activity_row, case_row, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return factories.make_staff("mgr", role=Role.MANAGER)


@pytest.fixture
def web(manager):
    return factories.verified_client(manager)


def upload(web, area, path, name="ledger.xlsx"):
    return web.post(
        reverse("casework:ledger_import"),
        {"area": area.pk, "file": SimpleUploadedFile(name, path.read_bytes())},
    )


def test_upload_shows_the_preview_and_writes_nothing(web, area, tmp_path, document_root):
    path = workbook(
        tmp_path / "l.xlsx", cases=[case_row("1", "R4.5.1", kana="ｶｸｳ ﾀﾛｳ")], activities=[activity_row("1")]
    )
    response = upload(web, area, path)
    assert response.status_code == 302
    page = web.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "架空 太郎" in body and "カクウ タロウ" in body and "2022/05/01" in body and "生活困窮" in body
    assert "確認して取り込む" in body
    assert Case.objects.count() == 0
    record = LedgerImport.objects.get()
    assert record.status == LedgerImportStatus.CHECKED and record.rows == 2
    stored = list(document_root.rglob("*.ysd"))
    assert len(stored) == 1 and b"PK" not in stored[0].read_bytes()[:64]  # kept encrypted


def test_every_error_is_shown_with_row_and_column(web, area, tmp_path, document_root):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1", "来週"), case_row("2", main="宇宙")])
    page = web.get(upload(web, area, path)["Location"])
    body = page.content.decode()
    assert "受付日" in body and "主訴" in body and "<td>4</td>" in body and "<td>5</td>" in body
    assert "日付として読めません" in body


def test_confirm_imports_a_small_file_at_once_and_audits_it(web, manager, area, tmp_path, document_root):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")], activities=[activity_row("1")])
    detail = upload(web, area, path)["Location"]
    record = LedgerImport.objects.get()
    response = web.post(reverse("casework:ledger_import_confirm", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.DONE
    assert (
        Case.objects.filter(source_number="1", created_by=manager).exists() and Activity.objects.count() == 1
    )
    event = AuditEvent.objects.get(action=AuditAction.LEDGER_IMPORT)
    assert event.actor == manager and event.channel == "web"
    assert not list(document_root.rglob("*.ysd"))  # the upload is gone once imported
    assert "取込み完了" in web.get(detail).content.decode()
    # a second confirmation does nothing
    web.post(reverse("casework:ledger_import_confirm", args=[record.pk]))
    assert Case.objects.count() == 1


def test_rows_with_errors_need_skip_invalid_to_confirm(web, area, tmp_path, document_root):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1"), case_row("2", "来週")])
    upload(web, area, path)
    record = LedgerImport.objects.get()
    refused = web.post(reverse("casework:ledger_import_confirm", args=[record.pk]))
    assert refused.status_code == 400 and Case.objects.count() == 0
    web.post(reverse("casework:ledger_import_confirm", args=[record.pk]), {"skip_invalid": "on"})
    assert list(Case.objects.values_list("source_number", flat=True)) == ["1"]


def test_a_file_that_is_not_a_spreadsheet_is_refused_clearly(web, area, tmp_path, document_root):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 scan")
    page = web.get(upload(web, area, path, name="scan.pdf")["Location"])
    body = page.content.decode()
    assert "表計算のファイルとして読めません" in body and "確認して取り込む" not in body
    assert not list(document_root.rglob("*.ysd"))


def test_a_large_file_imports_in_the_background_with_progress(
    web, area, tmp_path, document_root, monkeypatch, django_capture_on_commit_callbacks, eager_celery
):
    monkeypatch.setattr(uploads, "BACKGROUND_ROWS", 2)
    path = workbook(tmp_path / "l.xlsx", cases=[case_row(str(n)) for n in range(1, 4)])
    upload(web, area, path)
    record = LedgerImport.objects.get()
    assert (
        "バックグラウンド"
        in web.get(reverse("casework:ledger_import_detail", args=[record.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        web.post(reverse("casework:ledger_import_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.QUEUED and Case.objects.count() == 0
    status = web.get(reverse("casework:ledger_import_status", args=[record.pk])).json()
    assert status["status"] == "queued" and status["finished"] is False
    page = web.get(reverse("casework:ledger_import_detail", args=[record.pk]))
    assert 'hx-trigger="every 2s"' in page.content.decode() and "<progress" in page.content.decode()
    for callback in callbacks:  # the commit: the task runs (eagerly here)
        callback()
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.DONE and Case.objects.count() == 3
    status = web.get(reverse("casework:ledger_import_status", args=[record.pk])).json()
    assert status["finished"] and status["done"] == 3 and status["total"] == 3
    assert status["summary"]["cases"]["created"] == 3
    assert AuditEvent.objects.get(action=AuditAction.LEDGER_IMPORT).channel == "task"
    polled = web.get(
        reverse("casework:ledger_import_detail", args=[record.pk]),
        headers={"HX-Request": "true", "HX-Target": "import-progress"},
    )
    assert polled["HX-Refresh"] == "true"


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.COORDINATOR, Role.AGENCY, Role.AUDITOR])
def test_the_page_does_not_exist_for_anyone_but_managers(role, area, agency):
    team = {"area": area} if role in (Role.CASEWORKER, Role.COORDINATOR) else {}
    user = factories.make_staff(
        f"u_{role}", role=role, agency=agency if role == Role.AGENCY else None, **team
    )
    client = factories.verified_client(user)
    assert client.get(reverse("casework:ledger_import")).status_code == 404


def test_a_manager_sees_only_their_own_imports(web, area, tmp_path, document_root):
    other = factories.make_staff("mgr2", role=Role.MANAGER)
    record = uploads.ledger_upload(
        upload=SimpleUploadedFile(
            "l.csv", "No.,受付日,氏名,フリガナ,主訴\n1,R4.5.1,架空,カクウ,dv\n".encode()
        ),
        area=area,
        uploaded_by=other,
    )
    for name in ("ledger_import_detail", "ledger_import_status"):
        assert web.get(reverse(f"casework:{name}", args=[record.pk])).status_code == 404
    assert web.post(reverse("casework:ledger_import_confirm", args=[record.pk])).status_code == 404


def test_the_preview_is_stored_encrypted(area, manager, document_root):
    from django.db import connection

    record = uploads.ledger_upload(
        upload=SimpleUploadedFile(
            "l.csv", "No.,受付日,氏名,フリガナ,主訴\n1,R4.5.1,架空秘密,カクウ,dv\n".encode()
        ),
        area=area,
        uploaded_by=manager,
    )
    assert json.loads(record.preview)["cases"][0]["household_name"] == "架空秘密"
    with connection.cursor() as cursor:
        cursor.execute("SELECT preview FROM casework_ledgerimport")
        assert "架空秘密" not in cursor.fetchone()[0]


def test_a_large_file_is_checked_in_the_background_and_the_page_polls_for_the_preview(
    web, area, tmp_path, document_root, monkeypatch, django_capture_on_commit_callbacks, eager_celery
):
    """The upload request answers at once for a large file; the worker's check fills the preview."""
    monkeypatch.setattr(uploads, "CHECK_IN_BACKGROUND_BYTES", 10)
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1"), case_row("2", "来週")])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(web, area, path)
    record = LedgerImport.objects.get()
    assert record.status == LedgerImportStatus.CHECKING and not record.summary
    waiting = web.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "ファイルを確認しています" in waiting
    assert "確認して取り込む" not in waiting
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the check runs (eagerly here)
    record.refresh_from_db()
    assert record.status == LedgerImportStatus.CHECKED
    assert record.summary["cases"] == {**record.summary["cases"], "rows": 2, "valid": 1, "invalid": 1}
    polled = web.get(response["Location"], headers={"HX-Request": "true", "HX-Target": "import-progress"})
    assert polled["HX-Refresh"] == "true"  # the page reloads into the preview
    page = web.get(response["Location"]).content.decode()
    assert "受付日" in page  # the bad row's column, as written in the file
    assert "確認して取り込む" in page and Case.objects.count() == 0


def test_a_small_file_is_still_checked_at_once(web, area, tmp_path, document_root):
    path = workbook(tmp_path / "l.xlsx", cases=[case_row("1")])
    upload(web, area, path)
    assert LedgerImport.objects.get().status == LedgerImportStatus.CHECKED
