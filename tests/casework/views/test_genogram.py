"""The genogram and ecomap page: drawn from the real record, an audited read, names only for those who may
see the full case, 404 for anyone else; resources added, edited and removed through the web, audited."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.urls import reverse

from casework import services
from casework.ecomap import case_ties, providers
from casework.models import AuditEvent, EcomapResource
from network.groups import agency_group
from network.models import Role
from tests import factories

SVG = "{http://www.w3.org/2000/svg}"


def page_url(case):
    return reverse("casework:case_genogram", args=[case.pk])


def svg_of(body: str) -> ET.Element:
    return ET.fromstring(body[body.index("<svg") : body.index("</svg>") + len("</svg>")])


@pytest.fixture
def household(case, caseworker):
    """本人 and his wife (divorced), their daughter and his late father."""
    add = lambda **kw: services.member_add(case=case, added_by=caseworker, **kw)  # noqa: E731
    me = add(name="架空 太郎", name_kana="カクウ タロウ", relationship="self", sex="male", age=52)
    wife = add(
        name="架空 花子",
        name_kana="カクウ ハナコ",
        relationship="spouse",
        sex="female",
        partnership="divorced",
        lives_together=False,
    )
    daughter = add(
        name="架空 桜",
        name_kana="カクウ サクラ",
        relationship="child",
        sex="female",
        birth_date=datetime.date(2010, 5, 1),
        father=me,
        mother=wife,
    )
    father = add(
        name="架空 一郎",
        name_kana="カクウ イチロウ",
        relationship="parent",
        sex="male",
        deceased=True,
        deceased_year=2019,
        lives_together=False,
    )
    return {"me": me, "wife": wife, "daughter": daughter, "father": father}


def test_the_case_page_links_to_the_genogram(cw_client, case):
    body = cw_client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert f'href="{page_url(case)}"' in body and "ジェノグラム・エコマップ" in body


def test_the_page_draws_the_household_from_the_record_and_is_an_audited_read(cw_client, case, household):
    response = cw_client.get(page_url(case))
    body = response.content.decode()
    assert response.status_code == 200
    root = svg_of(body)
    drawn = {int(g.get("data-member")): g for g in root.iter(f"{SVG}g") if g.get("data-member")}
    assert set(drawn) == {m.pk for m in household.values()}
    assert "focus" in drawn[household["me"].pk].get("class")
    assert drawn[household["father"].pk].find(f"{SVG}path[@class='cross']") is not None
    couples = [g for g in root.iter(f"{SVG}g") if g.get("data-couple")]
    assert [g.get("class") for g in couples] == ["couple divorced"]
    assert len(couples[0].findall(f"{SVG}path[@class='slash']")) == 2
    assert "架空 桜" in body  # the team sees names, in the picture and in the text alternative
    assert "本人 架空 太郎: 男性、52歳、同居、支援の中心となる人" in body
    assert "死亡（2019年）" in body
    assert AuditEvent.objects.filter(case=case, action="case.view").exists()


def test_the_ecomap_gathers_agencies_from_every_record_and_the_workers_resources(
    cw_client, case, caseworker, agency, household
):
    consent_agency = factories.make_agency("consent-a")
    plan_agency = factories.make_agency("plan-a")
    referred = factories.make_agency("referred-a")
    services.consent_give(
        case=case, given_by=caseworker, agencies=[consent_agency, referred], given_on=datetime.date.today()
    )
    services.plan_create(case=case, created_by=caseworker, roles=[(plan_agency, "見守り", "週1回")])
    for _ in range(3):
        factories.log_activity(case, by=caseworker, agencies=[agency])
    voided = factories.log_activity(case, by=caseworker, agencies=[factories.make_agency("voided-a")])
    services.activity_void(activity=voided, voided_by=caseworker, reason="誤登録")
    from referrals import services as referral_services

    referral_services.referral_request(
        case=case, requested_by=caseworker, kind="collaboration", to_agency=referred, reason="連携"
    )
    services.ecomap_resource_add(
        case=case,
        added_by=caseworker,
        name="架空 民生委員",
        kind="minsei",
        strength="weak",
        direction="mutual",
    )

    ties = {t.key: t for t in case_ties(case=case, show_names=True)}
    assert set(ties) == {
        "agency:consent-a",
        "agency:plan-a",
        "agency:referred-a",
        f"agency:{agency.code}",
        f"resource:{EcomapResource.objects.get().pk}",
    }
    assert ties["agency:plan-a"].strength == "strong"  # a role in the plan
    assert ties[f"agency:{agency.code}"].strength == "strong"  # three joint activities
    assert ties["agency:consent-a"].strength == "ordinary"
    assert ties["agency:referred-a"].sources == ("同意", "紹介")  # one agency, two records
    assert {"consents", "plan_roles", "activities", "resources", "referrals"} <= set(providers())

    root = svg_of(cw_client.get(page_url(case)).content.decode())
    lines = {g.get("data-tie"): g for g in root.iter(f"{SVG}g") if g.get("data-tie")}
    assert len(lines) == 5
    minsei = next(g for key, g in lines.items() if key.startswith("resource:"))
    assert minsei.get("class") == "tie weak mutual"


def test_another_areas_case_is_not_found(cw_client, other_case):
    assert cw_client.get(page_url(other_case)).status_code == 404


def _agency_client(client, case, caseworker, agency, *, scope):
    services.consent_give(
        case=case, given_by=caseworker, agencies=[agency], given_on=datetime.date.today(), scope=scope
    )
    staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    staff.groups.add(agency_group(agency))
    client.force_login(staff)
    return client


def test_an_agency_with_a_summary_consent_sees_no_names(client, case, caseworker, agency, household):
    services.ecomap_resource_add(case=case, added_by=caseworker, name="架空 民生委員", kind="minsei")
    agency_client = _agency_client(client, case, caseworker, agency, scope="summary")
    body = agency_client.get(page_url(case)).content.decode()
    assert agency_client.get(page_url(case)).status_code == 200
    for name in ("架空 太郎", "架空 花子", "架空 桜", "架空 一郎", "架空 民生委員"):
        assert name not in body
    root = svg_of(body)
    assert len([g for g in root.iter(f"{SVG}g") if g.get("data-member")]) == 4  # the shape is still drawn
    assert "民生委員" in body  # the resource's kind, not its name
    assert "社会資源を追加" not in body  # and no editing


def test_an_agency_with_full_sharing_sees_the_names(client, case, caseworker, agency, household):
    agency_client = _agency_client(client, case, caseworker, agency, scope="full")
    body = agency_client.get(page_url(case)).content.decode()
    assert "架空 太郎" in body


# --- resources through the web --------------------------------------------------------------------------


def resource_data(**overrides):
    data = {
        "resource-name": "架空 民生委員",
        "resource-kind": "minsei",
        "resource-strength": "strong",
        "resource-direction": "mutual",
    }
    return {**data, **overrides}


def test_adding_a_resource_stores_its_name_encrypted_and_audits_it(cw_client, case, caseworker):
    response = cw_client.post(reverse("casework:ecomap_resource_add", args=[case.pk]), resource_data())
    assert response.status_code == 302 and response.url.endswith("#resources")
    resource = EcomapResource.objects.get()
    assert (resource.name, resource.kind, resource.strength, resource.direction) == (
        "架空 民生委員",
        "minsei",
        "strong",
        "mutual",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM casework_ecomapresource WHERE id = %s", [resource.pk])
        (stored,) = cursor.fetchone()
    assert "民生委員" not in str(stored)
    event = AuditEvent.objects.get(action="ecomap.change")
    assert event.actor == caseworker and event.changes["name"] == ["", "***"]
    assert event.changes["strength"] == [None, "strong"]


def test_bad_resource_input_is_kept_with_a_japanese_message(cw_client, case):
    response = cw_client.post(
        reverse("casework:ecomap_resource_add", args=[case.pk]), resource_data(**{"resource-name": ""})
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "このフィールドは必須です" in body or "必須" in body
    assert 'value="minsei" selected' in body or '<option value="minsei" selected>' in body
    assert not EcomapResource.objects.exists()


def test_editing_and_removing_a_resource_are_audited(cw_client, case, caseworker):
    resource = services.ecomap_resource_add(case=case, added_by=caseworker, name="架空 サロン", kind="salon")
    edit = reverse("casework:ecomap_resource_edit", args=[case.pk, resource.pk])
    assert cw_client.get(edit).status_code == 200
    response = cw_client.post(
        edit, resource_data(**{"resource-name": "架空 サロン", "resource-kind": "salon"})
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.strength == "strong"
    remove = reverse("casework:ecomap_resource_remove", args=[case.pk, resource.pk])
    assert cw_client.post(remove).status_code == 400  # a bare POST removes nothing
    assert EcomapResource.objects.filter(pk=resource.pk).exists()
    assert cw_client.post(remove, {"confirm": "on"}).status_code == 302
    assert not EcomapResource.objects.exists()
    changes = [e.changes for e in AuditEvent.objects.filter(action="ecomap.change").order_by("id")]
    assert changes[1] == {"strength": ["ordinary", "strong"], "direction": ["to_household", "mutual"]}
    assert changes[2]["kind"] == ["salon", ""] and changes[2]["name"] == ["***", ""]


def test_only_the_area_team_edits_resources(client, case, caseworker, agency):
    resource = services.ecomap_resource_add(case=case, added_by=caseworker, name="架空 町会", kind="other")
    agency_client = _agency_client(client, case, caseworker, agency, scope="full")
    assert (
        agency_client.post(
            reverse("casework:ecomap_resource_add", args=[case.pk]), resource_data()
        ).status_code
        == 403
    )
    edit = reverse("casework:ecomap_resource_edit", args=[case.pk, resource.pk])
    assert agency_client.post(edit, resource_data()).status_code == 403
    assert EcomapResource.objects.count() == 1


def test_another_cases_resource_is_not_found(cw_client, case, other_case, other_caseworker):
    resource = services.ecomap_resource_add(
        case=other_case, added_by=other_caseworker, name="架空 他区", kind="salon"
    )
    assert (
        cw_client.get(reverse("casework:ecomap_resource_edit", args=[case.pk, resource.pk])).status_code
        == 404
    )


# --- members gain what the genogram needs ----------------------------------------------------------------


def test_the_member_form_records_parents_death_and_living_apart(cw_client, case, caseworker):
    mother = services.member_add(
        case=case,
        added_by=caseworker,
        name="架空 母",
        name_kana="カクウ ハハ",
        relationship="self",
        sex="female",
    )
    data = {
        "member-name": "架空 子",
        "member-name_kana": "カクウ コ",
        "member-sex": "male",
        "member-relationship": "child",
        "member-age": "30",
        "member-lives_together": "false",
        "member-deceased": "on",
        "member-deceased_year": "2024",
        "member-mother": str(mother.pk),
    }
    response = cw_client.post(reverse("casework:member_add", args=[case.pk]), data)
    assert response.status_code == 302
    child = case.members.get(relationship="child")
    assert (child.age, child.lives_together, child.deceased, child.deceased_year, child.mother) == (
        30,
        False,
        True,
        2024,
        mother,
    )


def test_a_year_of_death_without_a_death_is_refused_in_japanese(cw_client, case):
    data = {
        "member-name": "架空 子",
        "member-name_kana": "カクウ コ",
        "member-sex": "male",
        "member-relationship": "child",
        "member-deceased_year": "2024",
    }
    response = cw_client.post(reverse("casework:member_add", args=[case.pk]), data)
    assert response.status_code == 400
    assert "死亡年は、死亡した世帯員にだけ入力します。" in response.content.decode()


def test_a_parent_from_another_household_is_refused(case, caseworker, other_case, other_caseworker):
    stranger = services.member_add(
        case=other_case, added_by=other_caseworker, name="他", name_kana="タ", relationship="self"
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.member_add(
            case=case, added_by=caseworker, name="子", name_kana="コ", relationship="child", father=stranger
        )
    assert "father" in refused.value.message_dict


def test_only_a_spouse_has_a_partnership(case, caseworker):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.member_add(
            case=case,
            added_by=caseworker,
            name="子",
            name_kana="コ",
            relationship="child",
            partnership="married",
        )
    assert "partnership" in refused.value.message_dict
