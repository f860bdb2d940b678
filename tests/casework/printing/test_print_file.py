"""The printed case file (issue #12): the national forms' sheets as an A4 page and a PDF, audited as a print
or an export, refused to anyone who does not see the whole case."""

import datetime

import pytest
from django.urls import reverse

from casework import printing, services
from casework.audit_selectors import ACTION_FAMILIES
from casework.models import AuditAction, AuditEvent, ConsentScope
from network.fiscal import wareki_date
from network.groups import agency_group
from tests import factories
from tests.casework.printing import file_world
from tests.casework.printing.pdf_tools import MM, pages, png_pages, require_poppler

A4 = (210 * MM, 297 * MM)
SIDE_MARGIN = 10 * MM  # print_file.css: 190 mm of content on 210 mm paper
TOP_MARGIN = 14 * MM
EDGE = 5 * MM  # nothing within 5 mm of the top or bottom edge (the running head and page numbers sit inside)
TITLES = {
    "intake": "相談受付・申込票",
    "assessment": "インテーク・アセスメントシート",
    "plan": "プランシート",
    "record": "支援経過記録シート",
    "evaluation": "評価シート",
    "closure": "終結",
}


def first_line(page) -> str:
    """The first line of a page's body, below the running head (the 14 mm top margin)."""
    body = [word for word in page.words if word.y_min > TOP_MARGIN - 1]
    top = min(word.y_min for word in body)
    return "".join(word.text for word in body if abs(word.y_min - top) < 2)


def print_url(case, *sheets, pdf=False):
    url = reverse("casework:case_print_pdf" if pdf else "casework:case_print", args=[case.pk])
    return url + ("?" + "&".join(f"sheet={s}" for s in sheets) if sheets else "")


def body(response) -> str:
    return response.content.decode()


def test_every_sheet_prints_in_the_forms_order_with_the_identity_block(cw_client, full_file):
    response = cw_client.get(print_url(full_file))

    assert response.status_code == 200
    html = body(response)
    positions = [html.index(f'id="title-{code}"') for code in printing.SHEET_CODES]
    assert positions == sorted(positions)
    assert [html.count(f">{title}</h2>") for title in TITLES.values()] == [1] * len(TITLES)
    assert html.count('class="form identity"') == len(printing.SHEETS)
    assert html.count("取扱注意") == len(printing.SHEETS)  # the head of every sheet's frame
    for shown in (
        full_file.number,
        "架空 太郎",
        "カクウ タロウ",
        "架空県架空市北町1-2-3",
        "03-0000-1234",
        wareki_date(datetime.date(1975, 6, 14)),  # 昭和50年6月14日
        "◎ 8050問題",
        "■ 生活困窮",
        "■ 民生委員・児童委員",
        "架空の生活歴",
        file_world.GOAL_TEXT,
        "担当相談員",
        "架空の評価：説明会に参加した。",
        file_world.CLOSURE_NOTE,
        "■ 課題解決",
    ):
        assert shown in html, shown


def test_a_voided_activity_is_struck_out_with_its_reason(cw_client, full_file):
    html = body(cw_client.get(print_url(full_file, "record")))

    assert f"<del>{file_world.VOIDED_NOTE}</del>" in html
    assert file_world.VOID_REASON in html
    assert html.count('<tr class="voided">') == 1
    assert html.count("回目：") == file_world.RECORD_ENTRIES


def test_the_chosen_sheets_print_alone_in_the_forms_order(cw_client, full_file):
    html = body(cw_client.get(print_url(full_file, "plan", "intake")))

    assert html.index('id="title-intake"') < html.index('id="title-plan"')
    assert 'id="title-record"' not in html and 'id="title-assessment"' not in html
    assert 'value="plan" checked' in html and 'value="record" checked' not in html
    assert print_url(full_file, "intake", "plan", pdf=True) in html.replace("&amp;", "&")


def test_dates_are_written_with_their_era(cw_client, full_file):
    html = body(cw_client.get(print_url(full_file, "intake")))
    assert wareki_date(full_file.opened_on) in html and "令和" in html


def test_printing_is_audited_as_a_print_with_its_sheets(cw_client, caseworker, full_file):
    cw_client.get(print_url(full_file, "record", "intake"))

    row = AuditEvent.objects.get(case=full_file, action=AuditAction.CASE_PRINT)
    assert row.actor == caseworker
    assert row.changes == {"sheets": ["intake", "record"], "format": "html"}
    assert AuditAction.CASE_PRINT in ACTION_FAMILIES["print"]
    assert not AuditEvent.objects.filter(case=full_file, action=AuditAction.CASE_EXPORT).exists()


def test_the_pdf_download_is_audited_as_an_export(cw_client, caseworker, full_file):
    response = cw_client.get(print_url(full_file, "closure", pdf=True))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="case-{full_file.number}.pdf"'
    assert response.content.startswith(b"%PDF-")
    row = AuditEvent.objects.get(case=full_file, action=AuditAction.CASE_EXPORT)
    assert row.actor == caseworker and row.changes == {"sheets": ["closure"], "format": "pdf"}
    assert AuditAction.CASE_EXPORT in ACTION_FAMILIES["export"]


@pytest.mark.parametrize("pdf", [False, True], ids=["page", "pdf"])
def test_a_case_the_user_may_not_see_is_404_and_nothing_is_recorded(cw_client, other_case, pdf):
    assert cw_client.get(print_url(other_case, pdf=pdf)).status_code == 404
    assert not AuditEvent.objects.filter(case=other_case).exclude(action=AuditAction.CASE_CREATE).exists()


@pytest.mark.parametrize("pdf", [False, True], ids=["page", "pdf"])
def test_a_reader_of_the_summary_is_refused_in_japanese(client, case, caseworker, pdf):
    agency = factories.make_agency("summary-print")
    reader = factories.make_staff("summary_reader", role="agency", agency=agency)
    reader.groups.add(agency_group(agency))
    services.consent_give(
        case=case,
        given_by=caseworker,
        agencies=[agency],
        given_on=datetime.date.today(),
        scope=ConsentScope.SUMMARY,
    )
    client.force_login(reader)

    response = client.get(print_url(case, pdf=pdf))

    assert response.status_code == 403
    assert "概要のみ" in body(response)
    assert case.household_name_kana not in body(response)
    assert not AuditEvent.objects.filter(
        case=case, action__in=[AuditAction.CASE_PRINT, AuditAction.CASE_EXPORT]
    ).exists()
    assert print_url(case) not in body(client.get(reverse("casework:case_detail", args=[case.pk])))


def test_the_case_page_links_to_the_print(cw_client, case):
    assert print_url(case) in body(cw_client.get(reverse("casework:case_detail", args=[case.pk])))


def test_the_print_page_is_translated(cw_client, full_file):
    cw_client.cookies["django_language"] = "en"
    html = body(cw_client.get(print_url(full_file, "intake")))
    assert "Consultation intake and application form" in html and "Handle with care" in html
    assert "2" in html and "令和" not in html  # dates in the pages' own shape in English


# --- the PDF, read back with poppler ------------------------------------------------------------------


@pytest.fixture
def whole_file_pdf(cw_client, full_file) -> bytes:
    require_poppler()
    response = cw_client.get(print_url(full_file, pdf=True))
    assert response.status_code == 200
    return response.content


def test_the_pdf_is_a4_with_each_sheet_from_a_new_page(whole_file_pdf):
    read = pages(whole_file_pdf)
    # every sheet starts a page; the progress record (41 long entries) runs over several
    assert len(png_pages(whole_file_pdf)) == len(read) >= len(printing.SHEETS) + 2
    assert all(abs(p.width - A4[0]) < 1 and abs(p.height - A4[1]) < 1 for p in read)
    heads = [first_line(page) for page in read]
    first_pages = [heads.index(title) for title in TITLES.values()]
    assert first_pages == sorted(set(first_pages)), heads


def test_every_page_says_handle_with_care_and_the_case_number_and_its_number(whole_file_pdf, full_file):
    read = pages(whole_file_pdf)
    for n, page in enumerate(read, start=1):
        assert "取扱注意" in page.text, n
        assert full_file.number in page.text, n
        assert f"{n}/{len(read)}" in page.text, n
    assert "架空太郎" in read[0].text and "相談受付・申込票" in read[0].text


def test_no_text_lies_outside_the_printable_area(whole_file_pdf):
    outside = [
        (n, word)
        for n, page in enumerate(pages(whole_file_pdf), start=1)
        for word in page.words
        if word.x_min < SIDE_MARGIN - 1
        or word.x_max > page.width - SIDE_MARGIN + 1
        or word.y_min < EDGE
        or word.y_max > page.height - EDGE
    ]
    assert outside == []


def test_one_sheet_prints_on_fewer_pages_than_the_whole_file(cw_client, full_file, whole_file_pdf):
    one = cw_client.get(print_url(full_file, "plan", pdf=True)).content
    read = pages(one)
    assert 1 <= len(read) < len(pages(whole_file_pdf))
    assert "プランシート" in read[0].text and "支援経過記録シート" not in "".join(p.text for p in read)
