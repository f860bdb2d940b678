"""Voiding an activity: with a reason, the row stays (struck through), 404 for what the user cannot see."""

import pytest
from django.urls import reverse

from casework import services
from tests import factories

from .conftest import htmx_headers


def void_url(activity, case=None):
    return reverse("casework:activity_void", args=[(case or activity.case).pk, activity.pk])


@pytest.fixture
def activity(case, caseworker, agency):
    return factories.log_activity(case, by=caseworker, agencies=[agency], note="電話で状況確認")


def test_void_requires_a_reason(cw_client, activity):
    response = cw_client.post(void_url(activity), {"reason": "  "})
    assert response.status_code == 400
    assert "この項目は必須です。" in response.content.decode()
    activity.refresh_from_db()
    assert not activity.voided


def test_void_with_a_reason_keeps_the_row_struck_through(cw_client, caseworker, activity):
    response = cw_client.post(void_url(activity), {"reason": "別のケースに記録した"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (
        activity.voided
        and activity.void_reason == "別のケースに記録した"
        and activity.voided_by == caseworker
    )
    body = cw_client.get(reverse("casework:case_detail", args=[activity.case_id])).content.decode()
    item = body[body.index(f'id="activity-{activity.pk}"') :]
    item = item[: item.index("</li>")]
    assert "voided" in item and "<del" in item
    assert "電話で状況確認" in item
    assert "別のケースに記録した" in item
    assert "取消済み" in item


def test_htmx_void_returns_the_updated_timeline_entry(cw_client, activity):
    response = cw_client.post(void_url(activity), {"reason": "重複"}, **htmx_headers())
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith(f'<li id="activity-{activity.pk}" class="activity voided">')


def test_htmx_void_without_reason_returns_the_entry_with_the_error(cw_client, activity):
    response = cw_client.post(void_url(activity), {"reason": ""}, **htmx_headers())
    body = response.content.decode()
    assert response.status_code == 400
    assert f'id="activity-{activity.pk}"' in body
    assert "この項目は必須です。" in body
    assert '<details class="void" open>' in body


def test_voiding_twice_is_a_conflict_shown_in_japanese(cw_client, caseworker, activity):
    services.activity_void(activity=activity, voided_by=caseworker, reason="重複")
    response = cw_client.post(void_url(activity), {"reason": "もう一度"})
    assert response.status_code == 400
    assert "この支援経過はすでに取り消されています。" in response.content.decode()


def test_void_page_without_javascript(cw_client, activity):
    response = cw_client.get(void_url(activity))
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()


def test_another_areas_activity_is_404(cw_client, other_activity):
    for headers in ({}, htmx_headers()):
        assert cw_client.post(void_url(other_activity), {"reason": "x"}, **headers).status_code == 404
        assert cw_client.get(void_url(other_activity), **headers).status_code == 404
    other_activity.refresh_from_db()
    assert not other_activity.voided


def test_another_areas_activity_under_ones_own_case_is_404(cw_client, case, other_activity):
    response = cw_client.post(void_url(other_activity, case=case), {"reason": "x"})
    assert response.status_code == 404
    other_activity.refresh_from_db()
    assert not other_activity.voided


def test_an_activity_under_the_wrong_case_of_ones_own_is_404(cw_client, caseworker, area, activity):
    second = factories.make_case(by=caseworker, area=area, kana="にばんめ")
    assert cw_client.post(void_url(activity, case=second), {"reason": "x"}).status_code == 404


def test_a_sharing_agency_sees_no_void_button_on_the_owning_teams_entry_and_gets_403(
    client, case, caseworker, agency, activity
):
    import datetime

    from network.models import Role
    from network.services import staff_groups_sync

    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today())
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff_groups_sync(user=staff)
    own = factories.log_activity(case, by=staff, kind="phone")
    client.force_login(staff)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert void_url(own) in page  # its own entry: the button is there
    assert void_url(activity) not in page  # the owning team's entry: no button
    for method in ("get", "post"):
        assert getattr(client, method)(void_url(activity), {"reason": "誤り"}).status_code == 403
    activity.refresh_from_db()
    assert not activity.voided
    assert client.post(void_url(own), {"reason": "誤り"}).status_code == 302
