"""Intake (相談受付): opens a case through casework.services.case_open, warning about duplicates first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Case

URL = reverse("casework:case_create")


@pytest.fixture
def intake(area, agency):
    return {
        "area": area.pk,
        "household_name": "架空 次郎",
        "household_name_kana": "かくう じろう",
        "phone": "090-5555-0101",
        "address": "架空市北町1-2-3",
        "contact_method": "phone",
        "referral_source": "agency",
        "referral_agency": agency.pk,
        "urgency": "high",
        "issues": ["poverty", "isolation"],
        "main_issue": "poverty",
        "opened_on": timezone.localdate().isoformat(),
        "wishes": "家で暮らし続けたい",
        "consultation_summary": "家賃の滞納が続いている",
    }


def test_form_offers_only_the_users_areas(cw_client, area, other_area):
    body = cw_client.get(URL).content.decode()
    assert "北部エリア" in body
    assert "南部エリア" not in body


def test_intake_opens_a_case_and_redirects_to_it(cw_client, caseworker, intake, agency):
    response = cw_client.post(URL, intake)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("casework:case_detail", args=[case.pk])
    assert case.household_name == "架空 次郎"
    assert case.household_name_kana == "かくう じろう"
    assert case.phone == "090-5555-0101"
    assert case.referral_agency == agency
    assert case.urgency == "high"
    assert case.main_issue == "poverty"
    assert sorted(case.issue_tags) == ["isolation", "poverty"]
    assert case.created_by == caseworker
    assert case.lead_caseworker == caseworker


def test_half_width_kana_is_stored_in_its_ordinary_form(cw_client, intake):
    cw_client.post(URL, {**intake, "household_name_kana": "ｶｸｳ ｼﾞﾛｳ"})
    assert Case.objects.get().household_name_kana == "カクウ ジロウ"


def test_duplicate_kana_warns_with_case_numbers_only_and_creates_nothing(cw_client, case, intake):
    response = cw_client.post(URL, {**intake, "household_name_kana": "カクウ タロウ"})
    body = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 1
    assert 'id="duplicate-warning"' in body
    assert case.number in body
    assert reverse("casework:case_detail", args=[case.pk]) in body
    assert "架空 太郎" not in body  # the other household's name is never shown
    assert 'value="架空 次郎"' in body  # the user's input is kept
    assert "家賃の滞納が続いている" in body
    assert 'name="confirm_duplicate"' in body


def test_duplicate_phone_warns(cw_client, caseworker, area, intake):
    from tests import factories

    existing = factories.make_case(by=caseworker, area=area, kana="べつのせたい", phone="09055550101")
    response = cw_client.post(URL, intake)
    assert existing.number in response.content.decode()
    assert Case.objects.count() == 1


def test_confirming_creates_the_case_despite_the_warning(cw_client, case, intake):
    response = cw_client.post(
        URL, {**intake, "household_name_kana": "カクウ タロウ", "confirm_duplicate": "on"}
    )
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_a_duplicate_in_another_area_is_not_revealed(cw_client, other_case, intake):
    response = cw_client.post(URL, {**intake, "household_name_kana": "タク ハナコ"})
    assert response.status_code == 302
    assert other_case.number not in response.content.decode()


def test_missing_kana_rerenders_in_japanese_with_the_input_kept(cw_client, intake):
    response = cw_client.post(URL, {**intake, "household_name_kana": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "この項目は必須です。" in body
    assert 'value="架空 次郎"' in body
    assert 'value="090-5555-0101"' in body
    assert Case.objects.count() == 0


def test_kana_in_kanji_is_refused_in_japanese(cw_client, intake):
    response = cw_client.post(URL, {**intake, "household_name_kana": "架空"})
    assert response.status_code == 400
    assert "ふりがなはひらがなかカタカナで入力してください" in response.content.decode()


def test_an_area_of_another_team_is_refused(cw_client, intake, other_area):
    response = cw_client.post(URL, {**intake, "area": other_area.pk})
    assert response.status_code == 400
    assert "正しく選択してください" in response.content.decode()
    assert Case.objects.count() == 0


def test_future_intake_date_is_refused(cw_client, intake):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = cw_client.post(URL, {**intake, "opened_on": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "受付日に未来の日付は指定できません。" in response.content.decode()


def test_referral_by_an_agency_needs_the_agency(cw_client, intake):
    response = cw_client.post(URL, {**intake, "referral_agency": ""})
    assert response.status_code == 400
    assert "紹介元の機関を選んでください。" in response.content.decode()


def test_main_issue_is_required(cw_client, intake):
    response = cw_client.post(URL, {**intake, "main_issue": ""})
    assert response.status_code == 400
    assert Case.objects.count() == 0
