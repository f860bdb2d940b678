"""Consent documents: stored encrypted in chunks, checked by content, served only to who may see the case."""

import datetime
import hashlib
import io
import os
import struct
import tracemalloc
import uuid
import zlib
from io import StringIO

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from casework import documents, encryption, services
from casework.models import AuditEvent, ConsentDocument
from network.groups import agency_group
from tests import factories

SECRET_PHRASE = b"Yorisoi-Kakuu-Hanako-consent-7f3a"


def make_pdf(text: bytes = SECRET_PHRASE, padding: int = 0) -> bytes:
    """A small, valid one-page PDF whose content stream holds `text` in the clear."""
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET" + b" " * padding
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def make_png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    data = zlib.compress(b"\x00\x00")
    idat = struct.pack(">I", len(data)) + b"IDAT" + data + struct.pack(">I", zlib.crc32(b"IDAT" + data))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + chunk + idat + iend


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture
def consent(case, caseworker, agency):
    return services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today(), scope="full"
    )


def attach(consent, user, content: bytes, name: str = "同意書_架空花子.pdf") -> ConsentDocument:
    return services.consent_document_attach(
        consent=consent, uploaded_by=user, upload=SimpleUploadedFile(name, content)
    )


def stored_bytes(document) -> bytes:
    with documents.document_storage().open(document.storage_name, "rb") as stored:
        return stored.read()


def read_back(document, user) -> bytes:
    return b"".join(services.consent_document_read(document=document, read_by=user))


def web_url(consent) -> str:
    return reverse("casework:consent_document", args=[consent.case_id, consent.pk])


def api_url(consent) -> str:
    return f"/api/v1/cases/{consent.case_id}/consents/{consent.pk}/document/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- at rest ---------------------------------------------------------------------------------------


def test_the_stored_file_holds_no_plaintext_of_the_pdf(consent, caseworker, document_root):
    pdf = make_pdf()
    document = attach(consent, caseworker, pdf)

    files = list(document_root.rglob("*"))
    assert [f.name for f in files if f.is_file()] == [document.storage_name]
    raw = (document_root / document.storage_name).read_bytes()
    assert SECRET_PHRASE not in raw and b"%PDF" not in raw and b"/Catalog" not in raw
    assert "架空花子".encode() not in raw
    assert raw.startswith(documents.MAGIC + bytes([documents.VERSION]))
    assert (document_root / document.storage_name).stat().st_mode & 0o077 == 0


def test_the_original_name_is_encrypted_in_the_database(consent, caseworker):
    from django.db import connection

    document = attach(consent, caseworker, make_pdf())
    with connection.cursor() as cursor:
        cursor.execute("SELECT filename FROM casework_consentdocument WHERE id = %s", [document.pk])
        (stored,) = cursor.fetchone()
    assert "架空花子" not in stored and encryption.key_id_of(stored) is not None
    assert ConsentDocument.objects.get(pk=document.pk).filename == "同意書_架空花子.pdf"


@pytest.mark.parametrize("size", [0, 1, documents.CHUNK_BYTES - 1, documents.CHUNK_BYTES, 3 * 65536 + 7])
def test_the_download_equals_the_upload_at_every_chunk_boundary(consent, caseworker, size):
    pdf = make_pdf(padding=max(0, size - len(make_pdf())))[: max(size, len(b"%PDF-1.4\n"))]
    document = attach(consent, caseworker, pdf)
    assert read_back(document, caseworker) == pdf
    assert document.size == len(pdf)


def _chunks_of(raw: bytes, header_len: int) -> list[bytes]:
    record = documents.CHUNK_BYTES + documents.TAG_BYTES
    body = raw[header_len:]
    return [body[i : i + record] for i in range(0, len(body), record)]


@pytest.fixture
def sealed(consent, caseworker, document_root):
    """A three-chunk document and its stored bytes, header length and path."""
    data = make_pdf(padding=2 * documents.CHUNK_BYTES + 100)
    document = attach(consent, caseworker, data)
    path = document_root / document.storage_name
    raw = path.read_bytes()
    with open(path, "rb") as f:
        header_len = len(documents.read_header(f).raw)
    return document, raw, header_len, path


def _fails(document, user):
    with pytest.raises(documents.DocumentError):
        read_back(document, user)


def test_a_flipped_bit_in_any_chunk_fails(sealed, caseworker):
    document, raw, header_len, path = sealed
    for offset in (header_len + 10, header_len + documents.CHUNK_BYTES + 40, len(raw) - 1, 7):
        altered = bytearray(raw)
        altered[offset] ^= 0x01
        path.write_bytes(bytes(altered))
        _fails(document, caseworker)


def test_a_file_cut_at_a_chunk_boundary_or_inside_a_chunk_fails(sealed, caseworker):
    document, raw, header_len, path = sealed
    record = documents.CHUNK_BYTES + documents.TAG_BYTES
    for length in (header_len + 2 * record, header_len + record, header_len + record + 100, header_len, 3):
        path.write_bytes(raw[:length])
        _fails(document, caseworker)
    path.write_bytes(raw + b"\x00")
    _fails(document, caseworker)


def test_reordered_chunks_fail(sealed, caseworker):
    document, raw, header_len, path = sealed
    chunks = _chunks_of(raw, header_len)
    path.write_bytes(raw[:header_len] + chunks[1] + chunks[0] + b"".join(chunks[2:]))
    _fails(document, caseworker)


def test_a_file_moved_under_another_document_fails(consent, caseworker, agency, case, document_root):
    first = attach(consent, caseworker, make_pdf(b"first"))
    other = services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today()
    )
    second = attach(other, caseworker, make_pdf(b"second"))
    (document_root / second.storage_name).write_bytes((document_root / first.storage_name).read_bytes())
    _fails(second, caseworker)


def test_the_encryption_sits_above_any_storage_backend(consent, caseworker, settings):
    """The S3 option is a django-storages backend in the same STORAGES slot: any backend gets ciphertext."""
    settings.STORAGES = {
        **settings.STORAGES,
        "consent_documents": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    pdf = make_pdf()
    document = attach(consent, caseworker, pdf)
    assert SECRET_PHRASE not in stored_bytes(document)
    assert read_back(document, caseworker) == pdf


# --- what may be attached -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("同意書.pdf", make_pdf()), ("scan.PNG", make_png()), ("scan.jpg", JPEG), ("scan", make_png())],
)
def test_pdf_jpeg_and_png_are_accepted_by_content(consent, caseworker, name, content):
    document = attach(consent, caseworker, content, name)
    assert document.content_type == documents.detect_type(content).content_type


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("同意書.pdf", make_png(), "名前は .pdf"),
        ("同意書.pdf", "同意します".encode(), "PDF、JPEG、PNG ではありません"),
        ("同意書.html", b"<!doctype html><script>alert(1)</script>", "PDF、JPEG、PNG ではありません"),
        ("同意書.png", b"<html>%PDF-1.4</html>", "PDF、JPEG、PNG ではありません"),
        ("同意書.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "PDF、JPEG、PNG ではありません"),
        ("同意書.html", make_pdf(), "名前は .html"),
    ],
)
def test_wrong_content_is_refused_with_a_japanese_message(
    consent, caseworker, name, content, expected, document_root
):
    client = factories.verified_client(caseworker)
    response = client.post(
        web_url(consent),
        {"document-file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not ConsentDocument.objects.exists()
    assert not [f for f in document_root.rglob("*") if f.is_file()]


def test_an_oversize_file_is_refused_before_and_while_streaming(consent, caseworker, settings, document_root):
    settings.CONSENT_DOCUMENT_MAX_BYTES = 1000
    response = api_for(caseworker).post(
        api_url(consent), {"file": SimpleUploadedFile("big.pdf", make_pdf(padding=2000))}, format="multipart"
    )
    assert response.status_code == 400
    assert "MB" in response.json()["file"][0]

    class Lying(File):  # a source whose declared size is smaller than what it holds
        size = 10

    with pytest.raises(services.ValidationError):
        services.consent_document_attach(
            consent=consent,
            uploaded_by=caseworker,
            upload=Lying(io.BytesIO(make_pdf(padding=5000)), name="x.pdf"),
        )
    assert not ConsentDocument.objects.exists()
    assert not [f for f in document_root.rglob("*") if f.is_file()]


# --- who may read and change it ---------------------------------------------------------------------


def test_web_upload_download_and_delete_are_audited(
    consent, caseworker, document_root, django_capture_on_commit_callbacks
):
    client = factories.verified_client(caseworker)
    pdf = make_pdf()
    response = client.post(web_url(consent), {"document-file": SimpleUploadedFile("同意書.pdf", pdf)})
    assert response.status_code == 302
    document = ConsentDocument.objects.get(consent=consent)

    page = client.get(reverse("casework:case_detail", args=[consent.case_id]))
    assert "同意書.pdf" in page.content.decode()

    response = client.get(web_url(consent))
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(pdf))

    delete = reverse("casework:consent_document_delete", args=[consent.case_id, consent.pk])
    response = client.post(delete, {"file_id": str(uuid.uuid4())})  # a file the page did not show
    assert ConsentDocument.objects.filter(pk=document.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete, {"file_id": str(document.file_id)})
    assert response.status_code == 302
    assert not ConsentDocument.objects.exists()
    assert not (document_root / document.storage_name).exists()
    actions = list(AuditEvent.objects.filter(case=consent.case).values_list("action", flat=True))
    assert {"document.upload", "document.download", "document.delete"} <= set(actions)


def test_api_upload_download_and_delete(consent, caseworker):
    api = api_for(caseworker)
    png = make_png()
    response = api.post(api_url(consent), {"file": SimpleUploadedFile("scan.png", png)}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/png" and response.json()["size"] == len(png)

    response = api.get(api_url(consent), HTTP_ACCEPT="image/png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png
    assert response["X-Content-Type-Options"] == "nosniff"

    assert api.post(api_url(consent), {"file": "x"}, format="json").status_code == 415
    assert api.delete(api_url(consent)).status_code == 204
    assert api.get(api_url(consent)).status_code == 404


def test_the_agency_the_case_is_shared_with_may_download_but_not_change(consent, caseworker, agency):
    pdf = make_pdf()
    attach(consent, caseworker, pdf)
    agency_user = factories.make_staff("agency_user", role="agency", agency=agency)
    agency_user.groups.add(agency_group(agency))
    api = api_for(agency_user)

    assert b"".join(api.get(api_url(consent)).streaming_content) == pdf
    replaced = api.post(api_url(consent), {"file": SimpleUploadedFile("x.pdf", pdf)}, format="multipart")
    assert replaced.status_code == 403
    assert api.delete(api_url(consent)).status_code == 403


def test_a_user_outside_the_case_gets_404_like_for_nothing(consent, caseworker, other_caseworker):
    attach(consent, caseworker, make_pdf())
    api, web = api_for(other_caseworker), factories.verified_client(other_caseworker)
    missing = f"/api/v1/cases/{consent.case_id}/consents/987654321/document/"
    for client, url in ((api, api_url(consent)), (web, web_url(consent))):
        response = client.get(url)
        assert response.status_code == 404
        assert SECRET_PHRASE not in response.content
    assert api.get(missing).status_code == 404
    upload = {"file": SimpleUploadedFile("x.pdf", make_pdf())}
    assert api.post(api_url(consent), upload, format="multipart").status_code == 404
    assert api.delete(api_url(consent)).status_code == 404
    assert not AuditEvent.objects.filter(action="document.download").exists()


def test_another_cases_consent_is_404(consent, caseworker, area):
    attach(consent, caseworker, make_pdf())
    second_case = factories.make_case(by=caseworker, area=area)
    url = f"/api/v1/cases/{second_case.pk}/consents/{consent.pk}/document/"
    assert api_for(caseworker).get(url).status_code == 404


def test_replacing_removes_the_old_file(
    consent, caseworker, document_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = attach(consent, caseworker, make_pdf(b"one"))
        old_name = first.storage_name
        second = attach(consent, caseworker, make_png(), "scan.png")
    assert second.pk == first.pk and second.storage_name != old_name
    assert not (document_root / old_name).exists()
    assert read_back(second, caseworker) == make_png()


# --- key rotation -----------------------------------------------------------------------------------

OLD = f"old:{encryption.generate_key()}"
NEW = f"new:{encryption.generate_key()}"


def test_rotation_re_encrypts_documents_and_they_still_download(
    consent, caseworker, settings, document_root, django_capture_on_commit_callbacks
):
    fixtures_keys = settings.FIELD_ENCRYPTION_KEYS  # the case and consent were written under these
    settings.FIELD_ENCRYPTION_KEYS = f"{OLD},{fixtures_keys}"
    pdf = make_pdf(padding=documents.CHUNK_BYTES)
    document = attach(consent, caseworker, pdf)
    old_name, old_bytes = document.storage_name, stored_bytes(document)
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD},{fixtures_keys}"

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rotate_encryption_keys", stdout=out, stderr=StringIO())
    assert "Consent documents: 1 re-encrypted" in out.getvalue()

    document.refresh_from_db()
    assert document.key_id == "new" and document.storage_name != old_name
    assert documents.stored_key_id(document.storage_name) == "new"
    assert not (document_root / old_name).exists()
    assert stored_bytes(document) != old_bytes
    settings.FIELD_ENCRYPTION_KEYS = NEW  # every value is under the new key now: the old ones may go
    assert read_back(document, caseworker) == pdf

    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out, stderr=StringIO())  # resumable: nothing left
    assert "Consent documents: 0 re-encrypted" in out.getvalue()


# --- memory ---------------------------------------------------------------------------------------

FIFTY_MB = 50 * 1024 * 1024


def test_a_50_mb_file_streams_in_bounded_memory(consent, caseworker, settings, tmp_path):
    """Upload and download of 50 MB through the service and the download view: Python's peak allocation
    stays far below the file's size (the file is never held whole)."""
    settings.CONSENT_DOCUMENT_MAX_BYTES = FIFTY_MB + 1024
    source = tmp_path / "big.pdf"
    digest = hashlib.sha256()
    with open(source, "wb") as f:
        head = b"%PDF-1.7\n"
        f.write(head)
        digest.update(head)
        remaining = FIFTY_MB - len(head)
        while remaining:
            block = os.urandom(min(1024 * 1024, remaining))
            f.write(block)
            digest.update(block)
            remaining -= len(block)
    client = factories.verified_client(caseworker)
    client.get(reverse("casework:case_list"))  # warm up the middleware stack outside the measurement

    tracemalloc.start()
    try:
        with open(source, "rb") as f:
            document = services.consent_document_attach(
                consent=consent, uploaded_by=caseworker, upload=File(f, name="big.pdf")
            )
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        response = client.get(web_url(consent))
        received, total = hashlib.sha256(), 0
        for piece in response.streaming_content:
            received.update(piece)
            total += len(piece)
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert document.size == FIFTY_MB and total == FIFTY_MB
    assert received.hexdigest() == digest.hexdigest()
    print(f"peak traced memory: upload {upload_peak / 1e6:.2f} MB, download {download_peak / 1e6:.2f} MB")
    assert upload_peak < 10 * 1024 * 1024
    assert download_peak < 10 * 1024 * 1024


@pytest.mark.parametrize("query", ["", "?format=download", "?format=json"])
def test_api_errors_are_json_whatever_the_client_asks_for(consent, caseworker, query):
    """Found by the fuzzer: ?format=download once rendered a 400 as `*/*`."""
    response = api_for(caseworker).post(
        api_url(consent) + query,
        {"file": SimpleUploadedFile("file", b"`\x00s")},
        format="multipart",
        HTTP_ACCEPT="application/pdf",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "file" in response.json()
