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


def test_a_duplicate_in_another_area_is_flagged_without_any_of_its_data(cw_client, other_case, intake):
    response = cw_client.post(URL, {**intake, "household_name_kana": "タク ハナコ"})
    body = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 1  # nothing created until the user confirms
    assert 'id="duplicate-elsewhere"' in body
    assert "別のエリア" in body and "コーディネーター" in body
    for secret in (other_case.number, other_case.household_name, "南部エリア", "03-9999-0000"):
        assert secret not in body
    assert reverse("casework:case_detail", args=[other_case.pk]) not in body
    assert 'class="duplicate-list"' not in body  # no visible match: no list at all


def test_a_duplicate_phone_in_another_area_is_flagged_too(cw_client, other_case, intake):
    response = cw_client.post(URL, {**intake, "phone": "+81 3 9999 0000"})
    body = response.content.decode()
    assert 'id="duplicate-elsewhere"' in body
    assert other_case.number not in body


def test_visible_and_hidden_duplicates_are_reported_each_in_their_own_way(
    cw_client, case, other_case, caseworker, intake
):
    from casework import services

    services.case_update(case=case, updated_by=caseworker, phone="090-5555-0101")
    response = cw_client.post(URL, {**intake, "household_name_kana": "タク ハナコ"})
    body = response.content.decode()
    assert case.number in body  # matched by phone, in the user's own area: shown as today
    assert 'id="duplicate-elsewhere"' in body  # matched by kana in another area: only "exists"
    assert other_case.number not in body


def test_confirming_creates_the_case_despite_a_duplicate_elsewhere(cw_client, other_case, intake):
    response = cw_client.post(
        URL, {**intake, "household_name_kana": "タク ハナコ", "confirm_duplicate": "on"}
    )
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_no_duplicate_anywhere_opens_the_case_at_once(cw_client, other_case, intake):
    assert cw_client.post(URL, intake).status_code == 302


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
