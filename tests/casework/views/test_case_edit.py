"""The case record's edit page: linked from the case page, the API's service, bad input kept, audited."""

import datetime

import pytest
from django.urls import reverse

from casework import selectors, services
from casework.models import AuditEvent
from network.groups import agency_group
from network.models import Role
from tests import factories


@pytest.fixture
def case(caseworker, area, agency):
    return factories.make_case(
        by=caseworker,
        area=area,
        name="架空 太郎",
        kana="カクウ タロウ",
        phone="090-1111-2222",
        address="架空市1-2-3",
        urgency="medium",
        referral_source="self",
        issues=("8050", "poverty"),
    )


def edit_url(case):
    return reverse("casework:case_edit", args=[case.pk])


def form_data(**overrides):
    data = {
        "household_name": "架空 太郎",
        "household_name_kana": "カクウ タロウ",
        "phone": "090-1111-2222",
        "address": "架空市1-2-3",
        "contact_method": "",
        "referral_source": "self",
        "referral_agency": "",
        "urgency": "medium",
        "screening_outcome": "",
        "issues": ["8050", "poverty"],
        "main_issue": "8050",
        "wishes": "",
        "consultation_summary": "",
    }
    return {**data, **overrides}


def test_the_case_page_links_to_the_edit_page_for_the_area_team(cw_client, case):
    body = cw_client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert f'href="{edit_url(case)}"' in body and "ケースの記録を編集" in body


def test_the_edit_page_shows_the_record_in_japanese_and_audits_the_read(cw_client, case):
    response = cw_client.get(edit_url(case))
    body = response.content.decode()
    assert response.status_code == 200
    assert "ケースの記録を編集" in body and 'value="架空 太郎"' in body and 'value="090-1111-2222"' in body
    assert '<option value="self" selected>本人</option>' in body
    assert AuditEvent.objects.filter(case=case, action="case.view").exists()


def test_saving_updates_the_case_and_audits_old_to_new_with_personal_values_masked(
    cw_client, case, caseworker
):
    response = cw_client.post(
        edit_url(case),
        form_data(
            household_name="架空 次郎",
            phone="080-3333-4444",
            urgency="high",
            referral_source="minsei",
            issues=["8050", "poverty", "isolation"],
        ),
    )
    assert response.status_code == 302 and response.url == reverse("casework:case_detail", args=[case.pk])
    case.refresh_from_db()
    assert (case.household_name, case.phone, case.urgency, case.referral_source) == (
        "架空 次郎",
        "080-3333-4444",
        "high",
        "minsei",
    )
    event = AuditEvent.objects.filter(action="case.update", case=case).latest("id")
    assert event.actor == caseworker and event.channel == "web"
    assert event.changes == {
        "household_name": ["***", "***"],
        "phone": ["***", "***"],
        "urgency": ["medium", "high"],
        "referral_source": ["self", "minsei"],
        "issues": [["8050", ["8050", "poverty"]], ["8050", ["8050", "isolation", "poverty"]]],
    }
    assert "架空 次郎" not in str(event.changes) and "080-3333-4444" not in str(event.changes)


def test_the_new_name_is_found_by_search(cw_client, case):
    cw_client.post(edit_url(case), form_data(household_name="架空 次郎", household_name_kana="カクウ ジロウ"))
    found = selectors.case_list(fetched_by=case.created_by, filters=selectors.CaseFilters(q="じろう"))
    assert list(found) == [case]


def test_saving_nothing_changed_writes_no_audit_row(cw_client, case):
    before = AuditEvent.objects.filter(action="case.update").count()
    assert cw_client.post(edit_url(case), form_data()).status_code == 302
    assert AuditEvent.objects.filter(action="case.update").count() == before


def test_bad_input_rerenders_the_form_with_the_input_and_a_japanese_message(cw_client, case):
    response = cw_client.post(
        edit_url(case), form_data(household_name="架空 三郎", household_name_kana="Saburo", phone="abc")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "ふりがなはひらがなかカタカナで入力してください" in body
    assert 'value="架空 三郎"' in body and 'value="Saburo"' in body and 'value="abc"' in body
    case.refresh_from_db()
    assert case.household_name == "架空 太郎"


def test_a_referral_by_an_agency_needs_the_agency(cw_client, case, agency):
    response = cw_client.post(edit_url(case), form_data(referral_source="agency"))
    assert response.status_code == 400
    response = cw_client.post(edit_url(case), form_data(referral_source="agency", referral_agency=agency.pk))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.referral_agency == agency


def test_another_areas_case_is_404_like_a_missing_one(cw_client, other_case):
    for path in (edit_url(other_case), reverse("casework:case_edit", args=[987654321])):
        for method in ("get", "post"):
            response = getattr(cw_client, method)(path, form_data() if method == "post" else None)
            assert response.status_code == 404, (method, path)
            assert "他区" not in response.content.decode()


def test_a_sharing_agency_sees_no_edit_link_and_may_not_edit(client, case, caseworker, agency):
    services.consent_give(case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today())
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    client.force_login(staff)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "架空 太郎" in page and edit_url(case) not in page
    assert client.get(edit_url(case)).status_code == 403
    assert client.post(edit_url(case), form_data(household_name="改ざん")).status_code == 403
    case.refresh_from_db()
    assert case.household_name == "架空 太郎"
