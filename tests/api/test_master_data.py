from network.models import Agency, Role
from tests import factories


def test_areas_list_codes_and_names(api, area, other_area):
    response = api.get("/api/v1/areas/")

    assert response.status_code == 200
    assert sorted(response.json(), key=lambda a: a["code"]) == [
        {"code": "north", "name": "北部エリア"},
        {"code": "south", "name": "南部エリア"},
    ]


def test_agencies_list_area_is_a_code_or_null(api, area):
    factories.make_agency("houkatsu-n", kind="comprehensive_care", area=area)
    factories.make_agency("city-welfare", kind="city_office")

    response = api.get("/api/v1/agencies/")

    assert response.status_code == 200
    by_code = {a["code"]: a for a in response.json()}
    assert set(by_code["houkatsu-n"]) == {"code", "name", "reading", "aliases", "kind", "area"}
    assert by_code["houkatsu-n"]["kind"] == "comprehensive_care"
    assert by_code["houkatsu-n"]["area"] == "north"
    assert by_code["city-welfare"]["area"] is None


def test_inactive_agencies_are_not_listed(api, db):
    factories.make_agency("closed-down")
    Agency.objects.filter(code="closed-down").update(is_active=False)

    codes = [a["code"] for a in api.get("/api/v1/agencies/").json()]

    assert "closed-down" not in codes


def test_any_staff_reads_master_data(client_for, area, agency):
    agency_staff = factories.make_staff("agency_staff", role=Role.AGENCY, agency=agency)
    client = client_for(agency_staff)
    assert client.get("/api/v1/areas/").status_code == 200
    assert client.get("/api/v1/agencies/").status_code == 200


def test_agencies_carry_reading_and_aliases_own_area_first(api, caseworker, area, other_area):
    from network.models import Agency

    Agency.objects.create(code="a-south", name="南部包括", kind="comprehensive_care", area=other_area)
    Agency.objects.create(
        code="z-north",
        name="北部包括",
        kind="comprehensive_care",
        area=area,
        reading="ほくぶほうかつ",
        aliases="ほうかつ 包括",
    )
    rows = api.get("/api/v1/agencies/").json()
    assert [r["code"] for r in rows] == ["z-north", "a-south"]
    assert rows[0]["reading"] == "ほくぶほうかつ"
    assert rows[0]["aliases"] == ["ほうかつ", "包括"]
