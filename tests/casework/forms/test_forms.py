"""The UI forms: input shape only (domain rules stay in the services), messages in Japanese."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from casework import services
from casework.forms import (
    CaseFilterForm,
    CaseIntakeForm,
    MemberForm,
    PlanActionForm,
    QuickActivityForm,
    StatusChangeForm,
    TokyoDateTimeField,
    VoidForm,
    agency_picker_key,
    apply_service_errors,
)
from casework.selectors import CaseFilters


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def test_tokyo_datetime_field_reads_wall_clock_time_in_tokyo():
    field = TokyoDateTimeField()
    with translation.override("ja"):
        value = field.clean("2024-04-01T00:30")
    assert value == datetime.datetime(2024, 3, 31, 15, 30, tzinfo=datetime.UTC)


def test_tokyo_datetime_field_ignores_the_active_time_zone(settings):
    from django.utils import timezone

    with timezone.override("Europe/London"):
        value = TokyoDateTimeField().clean("2024-04-01T00:30")
    assert value == datetime.datetime(2024, 3, 31, 15, 30, tzinfo=datetime.UTC)


def test_tokyo_datetime_field_shows_an_aware_value_in_tokyo():
    form = QuickActivityForm(
        initial={"occurred_at": datetime.datetime(2024, 3, 31, 15, 30, tzinfo=datetime.UTC)}
    )
    assert 'value="2024-04-01T00:30"' in str(form["occurred_at"])


def test_quick_log_minutes_blank_means_zero(agency):
    form = QuickActivityForm(
        data={"log-kind": "phone", "log-occurred_at": "2024-05-01T09:00", "log-partner_agencies": [agency.pk]}
    )
    assert form.is_valid(), form.errors
    kwargs = form.to_service_kwargs()
    assert kwargs["minutes"] == 0
    assert kwargs["partner_agencies"] == [agency]
    assert kwargs["occurred_at"].tzinfo is not None


def test_quick_log_refuses_an_inactive_agency(agency):
    agency.is_active = False
    agency.save()
    form = QuickActivityForm(
        data={"log-kind": "phone", "log-occurred_at": "2024-05-01T09:00", "log-partner_agencies": [agency.pk]}
    )
    assert not form.is_valid()
    assert "partner_agencies" in form.errors


def test_quick_log_agency_options_carry_search_words(agency):
    html = str(QuickActivityForm()["partner_agencies"])
    assert f'data-search="{agency_picker_key(agency)}"' in html
    assert "地域包括支援せんたー" in agency_picker_key(agency) and "houkatsu-n" in agency_picker_key(agency)
    assert "data-agency-picker" in html


def test_missing_fields_are_reported_in_japanese():
    form = QuickActivityForm(data={})
    assert not form.is_valid()
    assert form.errors["kind"] == ["この項目は必須です。"]


@pytest.mark.parametrize(
    "kana,stored",
    [
        ("やまだ たろう", "やまだ たろう"),
        ("ヤマダ　タロウ", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("スズキ・ジョーンズ", "スズキ・ジョーンズ"),
    ],
)
def test_member_kana_accepts_hiragana_and_katakana(kana, stored):
    form = MemberForm(
        data={
            "member-name": "山田 太郎",
            "member-name_kana": kana,
            "member-sex": "male",
            "member-relationship": "self",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name_kana"] == stored


@pytest.mark.parametrize("kana", ["山田", "Yamada", "やまだ1"])
def test_member_kana_refuses_other_scripts_in_japanese(kana):
    form = MemberForm(
        data={
            "member-name": "山田",
            "member-name_kana": kana,
            "member-sex": "male",
            "member-relationship": "self",
        }
    )
    assert not form.is_valid()
    assert "ふりがなはひらがなかカタカナで入力してください" in form.errors["name_kana"][0]


@pytest.mark.parametrize(
    "phone,ok",
    [
        ("090-1234-5678", True),
        ("０３（１２３４）５６７８", True),
        ("03 1234 5678", True),
        ("12", False),
        ("090-abcd-5678", False),
    ],
)
def test_phone_shape(phone, ok):
    form = MemberForm(
        data={
            "member-name": "山田",
            "member-name_kana": "やまだ",
            "member-sex": "male",
            "member-relationship": "self",
            "member-phone": phone,
        }
    )
    assert form.is_valid() is ok


def test_future_birth_date_is_refused():
    form = MemberForm(
        data={
            "member-name": "山田",
            "member-name_kana": "やまだ",
            "member-sex": "male",
            "member-relationship": "self",
            "member-birth_date": "2999-01-01",
        }
    )
    assert form.errors["birth_date"] == ["生年月日に未来の日付は指定できません。"]


def test_intake_offers_only_the_users_areas(caseworker, area, other_area):
    form = CaseIntakeForm(user=caseworker)
    assert list(form.fields["area"].queryset) == [area]
    assert form["area"].initial == area.pk  # one area: chosen already


def test_filter_form_turns_valid_values_into_filters(caseworker, area):
    form = CaseFilterForm(
        {"q": " 2024-0001 ", "status": "support", "area": area.code, "issue": "dv"}, user=caseworker
    )
    assert form.to_filters() == CaseFilters(q="2024-0001", status="support", area=area.code, issue="dv")


def test_filter_form_drops_values_that_are_not_offered(caseworker, other_area):
    form = CaseFilterForm({"status": "nonsense", "area": other_area.code, "issue": "dv"}, user=caseworker)
    assert form.to_filters() == CaseFilters(issue="dv")


def test_unbound_filter_form_means_no_filters(caseworker):
    assert CaseFilterForm(user=caseworker).to_filters() == CaseFilters()


def test_plan_action_row_blank_is_skipped_and_half_filled_is_an_error(agency):
    blank = PlanActionForm(data={"goal": "1", "who": "agency"})
    assert blank.is_valid() and blank.is_blank()
    half = PlanActionForm(data={"goal": "1", "who": "agency", "frequency": "週1回"})
    assert not half.is_valid()
    assert set(half.errors) == {"agency", "support"}
    full = PlanActionForm(data={"goal": "1", "who": "agency", "agency": agency.pk, "support": " 見守り "})
    assert full.is_valid()
    assert full.as_action() == services.PlanAction(support="見守り", agency=agency)
    person = PlanActionForm(data={"goal": "1", "who": "person", "agency": agency.pk, "support": "通院"})
    assert not person.is_valid() and set(person.errors) == {"agency"}


def test_status_form_offers_the_services_transitions_only():
    form = StatusChangeForm(next_statuses=services.TRANSITIONS["intake"])
    offered = {value for value, _label in form.fields["status"].choices if value}
    assert offered == set(services.TRANSITIONS["intake"])


def test_void_reason_is_required_in_japanese():
    form = VoidForm(data={"reason": ""})
    assert form.errors["reason"] == ["この項目は必須です。"]


def test_service_errors_land_on_the_named_field_or_on_top():
    form = VoidForm(data={"reason": "x"})
    assert form.is_valid()
    apply_service_errors(form, ValidationError({"reason": "理由が短すぎます", "unknown": "その他のエラー"}))
    assert form.errors["reason"] == ["理由が短すぎます"]
    assert form.non_field_errors() == ["その他のエラー"]
    form2 = VoidForm(data={"reason": "x"})
    form2.is_valid()
    apply_service_errors(form2, ValidationError("全体のエラー"))
    assert form2.non_field_errors() == ["全体のエラー"]
