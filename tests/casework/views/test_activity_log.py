"""The quick activity log: phone-first, htmx-enhanced, POST-redirect-GET without JavaScript."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Activity
from tests import factories

from .conftest import htmx_headers


def log_url(case):
    return reverse("casework:activity_log", args=[case.pk])


@pytest.fixture
def second_agency(db):
    return factories.make_agency("jiritsu", kind="self_reliance")


def entry(**extra):
    data = {
        "log-kind": "visit",
        "log-occurred_at": "2024-05-01T10:30",
        "log-minutes": "45",
        "log-note": "自宅を訪問し、生活状況を確認した",
    }
    data.update(extra)
    return data


def test_quick_log_records_an_activity_with_partner_agencies(
    cw_client, caseworker, case, agency, second_agency
):
    response = cw_client.post(log_url(case), entry(**{"log-partner_agencies": [agency.pk, second_agency.pk]}))
    assert response.status_code == 302
    assert response.url == reverse("casework:case_detail", args=[case.pk]) + "#timeline"
    activity = Activity.objects.get(case=case)
    assert activity.kind == "visit"
    assert activity.minutes == 45
    assert activity.staff == caseworker
    assert activity.has_partner
    assert set(activity.partner_agencies.all()) == {agency, second_agency}
    assert activity.note == "自宅を訪問し、生活状況を確認した"


def test_the_time_typed_is_tokyo_time(cw_client, case):
    # 23:30 on 31 March in Tokyo is 14:30 UTC, and still the old fiscal year.
    cw_client.post(log_url(case), entry(**{"log-occurred_at": "2024-03-31T23:30"}))
    occurred_at = Activity.objects.get().occurred_at
    assert occurred_at == datetime.datetime(2024, 3, 31, 14, 30, tzinfo=datetime.UTC)


def test_logged_activity_appears_in_the_timeline(cw_client, case, agency):
    cw_client.post(log_url(case), entry(**{"log-partner_agencies": [agency.pk]}))
    body = cw_client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "自宅を訪問し、生活状況を確認した" in body
    assert agency.name in body
    assert "2024/05/01 10:30" in body


def test_blank_minutes_count_as_zero(cw_client, case):
    cw_client.post(log_url(case), entry(**{"log-minutes": ""}))
    assert Activity.objects.get().minutes == 0


def test_form_defaults_to_now_in_tokyo(cw_client, case):
    now = timezone.localtime(timezone.now(), datetime.timezone(datetime.timedelta(hours=9)))
    body = cw_client.get(log_url(case)).content.decode()
    assert f'value="{now:%Y-%m-%dT%H:}' in body or f'value="{now:%Y-%m-%dT}' in body


def test_the_form_lists_active_agencies_only(cw_client, case, agency, second_agency):
    second_agency.is_active = False
    second_agency.save()
    body = cw_client.get(log_url(case)).content.decode()
    assert agency.name in body
    assert second_agency.name not in body


def test_future_date_rerenders_with_a_japanese_error_and_the_input_kept(cw_client, case):
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    response = cw_client.post(log_url(case), entry(**{"log-occurred_at": f"{tomorrow:%Y-%m-%dT%H:%M}"}))
    body = response.content.decode()
    assert response.status_code == 400
    assert "未来の日時の支援経過は記録できません。" in body
    assert "自宅を訪問し、生活状況を確認した" in body
    assert 'value="45"' in body
    assert not Activity.objects.exists()


def test_kind_is_required(cw_client, case):
    response = cw_client.post(log_url(case), entry(**{"log-kind": ""}))
    assert response.status_code == 400
    assert "この項目は必須です。" in response.content.decode()
    assert not Activity.objects.exists()


def test_minutes_over_a_day_are_refused(cw_client, case):
    response = cw_client.post(log_url(case), entry(**{"log-minutes": "1441"}))
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_htmx_log_returns_a_fresh_form_and_the_new_timeline_entry(cw_client, case, agency):
    response = cw_client.post(
        log_url(case), entry(**{"log-partner_agencies": [agency.pk]}), **htmx_headers("quick-log")
    )
    body = response.content.decode()
    activity = Activity.objects.get()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="quick-log"' in body
    assert "記録しました" in body
    assert 'hx-swap-oob="afterbegin:#activity-timeline"' in body
    assert f'id="activity-{activity.pk}"' in body
    assert agency.name in body
    form = body[: body.index("hx-swap-oob")]
    assert "自宅を訪問し、生活状況を確認した" not in form  # the form is reset


def test_htmx_log_with_errors_returns_the_form_partial_with_status_400(cw_client, case):
    response = cw_client.post(log_url(case), entry(**{"log-kind": ""}), **htmx_headers("quick-log"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in body
    assert 'id="quick-log"' in body
    assert "自宅を訪問し、生活状況を確認した" in body


def test_standalone_page_works_without_javascript(cw_client, case):
    body = cw_client.get(log_url(case)).content.decode()
    assert "<html" in body
    assert f'action="{log_url(case)}"' in body
    assert 'type="radio"' in body
    assert "<select" in body and "multiple" in body


def test_activity_of_another_area_cannot_be_logged(cw_client, other_case):
    assert cw_client.post(log_url(other_case), entry()).status_code == 404
    assert cw_client.post(log_url(other_case), entry(), **htmx_headers("quick-log")).status_code == 404
    assert not Activity.objects.exists()
