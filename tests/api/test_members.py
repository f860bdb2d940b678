"""/api/v1/cases/{id}/members/ and /api/v1/members/{id}/ (API.md, Cases)."""

import datetime

import pytest

from casework import services
from casework.models import AuditEvent, HouseholdMember
from network.groups import agency_group
from network.models import Role
from tests import factories


def members_url(case_id):
    return f"/api/v1/cases/{case_id}/members/"


def member_url(member_id):
    return f"/api/v1/members/{member_id}/"


@pytest.fixture
def member(case, caseworker):
    return services.member_add(
        case=case,
        added_by=caseworker,
        name="架空 太郎",
        name_kana="カクウ タロウ",
        relationship="self",
        birth_date=datetime.date(1950, 1, 2),
        issues=["dementia"],
    )


@pytest.fixture
def shared_agency_client(case, caseworker, agency, client_for):
    services.consent_give(
        scope="full", case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today()
    )
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    return client_for(staff)


def test_list_answers_the_contract_fields_focus_first(api, case, caseworker, member):
    services.member_add(
        case=case, added_by=caseworker, name="架空 花子", name_kana="カクウ ハナコ", relationship="child"
    )
    response = api.get(members_url(case.pk))
    assert response.status_code == 200
    body = response.json()
    assert {"id", "name", "name_kana", "birth_date", "relationship", "is_focus", "issues", "sex"} <= set(
        body[0]
    )
    assert [(m["name"], m["relationship"], m["is_focus"]) for m in body] == [
        ("架空 太郎", "self", True),
        ("架空 花子", "child", False),
    ]
    assert body[0]["birth_date"] == "1950-01-02" and body[0]["issues"] == ["dementia"]


def test_listing_members_is_an_audited_read(api, case, caseworker, member):
    api.get(members_url(case.pk))
    assert AuditEvent.objects.filter(case=case, action="case.view", actor=caseworker).exists()


def test_create_answers_201_and_audits(api, case, caseworker, member):
    response = api.post(
        members_url(case.pk),
        {
            "name": "架空 花子",
            "name_kana": "かくう はなこ",
            "relationship": "spouse",
            "sex": "female",
            "birth_date": "1952-03-04",
            "issues": ["isolation"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["relationship"], body["is_focus"], body["sex"]) == ("spouse", False, "female")
    created = HouseholdMember.objects.get(pk=body["id"])
    assert created.case == case and created.birth_date == datetime.date(1952, 3, 4)
    event = AuditEvent.objects.get(action="member.change", object_id=str(created.pk))
    assert event.changes["relationship"] == [None, "spouse"] and event.changes["name"] == ["", "***"]


def test_create_with_is_focus_records_self(api, case):
    response = api.post(
        members_url(case.pk),
        {"name": "架空", "name_kana": "かくう", "is_focus": True, "relationship": "self"},
    )
    assert response.status_code == 201 and response.json()["relationship"] == "self"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name_kana": "かくう", "relationship": "child"}, "name"),
        ({"name": "架空", "name_kana": "かくう", "relationship": "cousin_twice_removed"}, "relationship"),
        ({"name": "架空", "name_kana": "かくう", "relationship": "child", "sex": "x"}, "sex"),
        ({"name": "架空", "name_kana": "かくう", "relationship": "child", "issues": ["flying"]}, "issues"),
        (
            {"name": "架空", "name_kana": "かくう", "relationship": "child", "birth_date": "1999-02-30"},
            "birth_date",
        ),
        (
            {"name": "架空", "name_kana": "かくう", "relationship": "child", "birth_date": "2999-01-01"},
            "birth_date",
        ),
        ({"name": "架空", "name_kana": "かくう", "relationship": "child", "is_focus": True}, "is_focus"),
        ({"name": "架空", "name_kana": "かくう", "relationship": "self"}, "relationship"),  # 本人 exists
    ],
)
def test_bad_input_is_400_with_field_errors(api, case, member, payload, field):
    response = api.post(members_url(case.pk), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert HouseholdMember.objects.filter(case=case).count() == 1


def test_patch_updates_part_of_a_member_and_audits_old_to_new(api, member, caseworker):
    response = api.patch(member_url(member.pk), {"sex": "male", "name": "架空 太一"}, format="json")
    assert response.status_code == 200
    assert (response.json()["sex"], response.json()["name"]) == ("male", "架空 太一")
    member.refresh_from_db()
    assert member.name_kana == "カクウ タロウ"  # untouched
    event = AuditEvent.objects.filter(action="member.change", object_id=str(member.pk)).latest("id")
    assert event.actor == caseworker
    assert event.changes == {"sex": ["unknown", "male"], "name": ["***", "***"]}


def test_patch_rejects_unknown_and_contradicting_keys(api, member):
    assert api.patch(member_url(member.pk), {"case": 5}, format="json").json() == {
        "case": ["この項目はここでは変更できません。"]
    }
    response = api.patch(member_url(member.pk), {"is_focus": False}, format="json")
    assert response.status_code == 400 and "relationship" in response.json()
    response = api.patch(member_url(member.pk), {"is_focus": False, "relationship": "parent"}, format="json")
    assert response.status_code == 200 and response.json()["is_focus"] is False


def test_hidden_case_and_member_are_404_like_missing_ones(api, other_case, other_caseworker):
    hidden_member = services.member_add(
        case=other_case, added_by=other_caseworker, name="架空 秘", name_kana="カクウ ヒ", relationship="self"
    )
    missing = 987654321
    for method, hidden_path, missing_path, body in [
        ("get", members_url(other_case.pk), members_url(missing), None),
        ("post", members_url(other_case.pk), members_url(missing), {"name": "x", "name_kana": "x"}),
        ("patch", member_url(hidden_member.pk), member_url(missing), {"name": "改ざん"}),
    ]:
        hidden = getattr(api, method)(hidden_path, body, format="json")
        nonexistent = getattr(api, method)(missing_path, body, format="json")
        assert hidden.status_code == nonexistent.status_code == 404, hidden_path
        assert hidden.json() == nonexistent.json()
        assert "架空" not in hidden.content.decode()
    hidden_member.refresh_from_db()
    assert hidden_member.name == "架空 秘"


def test_sharing_agency_reads_members_but_may_not_change_them(shared_agency_client, case, member):
    assert shared_agency_client.get(members_url(case.pk)).status_code == 200
    response = shared_agency_client.patch(member_url(member.pk), {"name": "改ざん"}, format="json")
    assert response.status_code == 403
    response = shared_agency_client.post(
        members_url(case.pk), {"name": "x", "name_kana": "x", "relationship": "child"}, format="json"
    )
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.name == "架空 太郎"


def test_unauthenticated_is_401(anon, case):
    assert anon.get(members_url(case.pk)).status_code == 401


# --- what the genogram needs -------------------------------------------------------------------------------


def test_a_member_carries_the_genogram_facts_in_and_out(api, case, member):
    response = api.post(
        members_url(case.pk),
        {
            "name": "架空 一郎",
            "name_kana": "カクウ イチロウ",
            "relationship": "child",
            "sex": "male",
            "age": 40,
            "lives_together": False,
            "deceased": True,
            "deceased_year": 2023,
            "father": member.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["age"], body["lives_together"], body["deceased"], body["deceased_year"]) == (
        40,
        False,
        True,
        2023,
    )
    assert (body["father"], body["mother"], body["partnership"]) == (member.pk, None, "")
    listed = {m["id"]: m for m in api.get(members_url(case.pk)).json()}
    assert listed[member.pk]["lives_together"] is True and listed[member.pk]["deceased"] is False


def test_a_spouse_partnership_is_patched_and_audited(api, case, caseworker):
    spouse = services.member_add(
        case=case, added_by=caseworker, name="架空 花子", name_kana="カクウ ハナコ", relationship="spouse"
    )
    response = api.patch(member_url(spouse.pk), {"partnership": "separated"}, format="json")
    assert response.status_code == 200 and response.json()["partnership"] == "separated"
    event = AuditEvent.objects.filter(action="member.change", object_id=str(spouse.pk)).latest("id")
    assert event.changes == {"partnership": ["", "separated"]}


def test_a_parent_from_another_household_is_a_400(api, case, other_area):
    other_cw = factories.make_staff("cw_elsewhere", area=other_area)
    other = factories.make_case(by=other_cw, area=other_area)
    stranger = services.member_add(
        case=other, added_by=other_cw, name="他区 太郎", name_kana="タク タロウ", relationship="self"
    )
    response = api.post(
        members_url(case.pk),
        {"name": "架空 子", "name_kana": "カクウ コ", "relationship": "child", "mother": stranger.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "mother" in str(response.json())
    assert not HouseholdMember.objects.filter(case=case, relationship="child").exists()


def test_a_year_of_death_without_a_death_is_a_400(api, case):
    response = api.post(
        members_url(case.pk),
        {"name": "架空 子", "name_kana": "カクウ コ", "relationship": "child", "deceased_year": 2020},
        format="json",
    )
    assert response.status_code == 400
