"""The member edit page: linked from the case page, Japanese first, bad input kept, every edit audited."""

import datetime

import pytest
from django.urls import reverse

from casework import services
from casework.models import AuditEvent
from network.groups import agency_group
from network.models import Role
from tests import factories


@pytest.fixture
def member(case, caseworker):
    return services.member_add(
        case=case,
        added_by=caseworker,
        name="架空 花",
        name_kana="カクウ ハナ",
        relationship="child",
        birth_date=datetime.date(2010, 4, 1),
    )


def edit_url(case, member):
    return reverse("casework:member_edit", args=[case.pk, member.pk])


def form_data(**overrides):
    data = {
        "member-name": "架空 花",
        "member-name_kana": "カクウ ハナ",
        "member-birth_date": "2010-04-01",
        "member-sex": "female",
        "member-relationship": "child",
        "member-phone": "",
        "member-issues": ["young_carer"],
    }
    return {**data, **overrides}


def test_the_case_page_links_each_member_to_its_edit_page(cw_client, case, member):
    body = cw_client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert f'href="{edit_url(case, member)}"' in body
    assert "編集" in body


def test_the_edit_page_shows_the_member_in_japanese(cw_client, case, member):
    response = cw_client.get(edit_url(case, member))
    body = response.content.decode()
    assert response.status_code == 200
    assert "世帯員の編集" in body and 'value="架空 花"' in body and 'value="2010-04-01"' in body
    assert '<option value="child" selected>子</option>' in body
    assert "支援の中心となる人から見た続柄" in body  # the help says who 本人 is
    assert AuditEvent.objects.filter(case=case, action="case.view").exists()  # personal data read


def test_saving_updates_the_member_and_audits_old_to_new(cw_client, case, member, caseworker):
    response = cw_client.post(edit_url(case, member), form_data(**{"member-relationship": "self"}))
    assert response.status_code == 302
    assert response.url.endswith(f"#member-{member.pk}")
    member.refresh_from_db()
    assert (member.sex, member.is_focus, member.issues) == ("female", True, ["young_carer"])
    event = AuditEvent.objects.filter(action="member.change", object_id=str(member.pk)).latest("id")
    assert event.actor == caseworker and event.channel == "web"
    assert event.changes == {
        "sex": ["unknown", "female"],
        "relationship": ["child", "self"],
        "issues": [[], ["young_carer"]],
    }


def test_bad_input_rerenders_the_form_with_the_input_and_a_japanese_message(cw_client, case, member):
    response = cw_client.post(
        edit_url(case, member), form_data(**{"member-name": "架空 はな子", "member-name_kana": "Hana"})
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "ふりがなはひらがなかカタカナで入力してください" in body
    assert 'value="架空 はな子"' in body and 'value="Hana"' in body
    member.refresh_from_db()
    assert member.name == "架空 花"


def test_a_second_self_is_refused_on_the_form(cw_client, case, caseworker, member):
    services.member_add(
        case=case, added_by=caseworker, name="架空 一", name_kana="カクウ", relationship="self"
    )
    response = cw_client.post(edit_url(case, member), form_data(**{"member-relationship": "self"}))
    assert response.status_code == 400
    assert "すでに別の世帯員が「本人」" in response.content.decode()
    member.refresh_from_db()
    assert member.relationship == "child"


def test_a_future_birth_date_is_refused(cw_client, case, member):
    response = cw_client.post(edit_url(case, member), form_data(**{"member-birth_date": "2999-01-01"}))
    assert response.status_code == 400
    assert "生年月日に未来の日付は指定できません。" in response.content.decode()


def test_another_areas_member_is_404_like_a_missing_one(cw_client, case, other_case, other_caseworker):
    hidden = services.member_add(
        case=other_case, added_by=other_caseworker, name="他区 秘", name_kana="タク", relationship="self"
    )
    for path in (
        reverse("casework:member_edit", args=[other_case.pk, hidden.pk]),
        reverse("casework:member_edit", args=[case.pk, hidden.pk]),  # a visible case, someone else's member
        reverse("casework:member_edit", args=[case.pk, 987654321]),
    ):
        for method in ("get", "post"):
            response = getattr(cw_client, method)(path, form_data() if method == "post" else None)
            assert response.status_code == 404, (method, path)
            assert "他区" not in response.content.decode()
    hidden.refresh_from_db()
    assert hidden.name == "他区 秘"


def test_a_sharing_agency_sees_no_edit_link_and_may_not_edit(client, case, caseworker, member, agency):
    services.consent_give(
        scope="full", case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today()
    )
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    client.force_login(staff)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "架空 花" in page and edit_url(case, member) not in page
    assert client.get(edit_url(case, member)).status_code == 403
    assert client.post(edit_url(case, member), form_data(**{"member-name": "改ざん"})).status_code == 403
    member.refresh_from_db()
    assert member.name == "架空 花"
