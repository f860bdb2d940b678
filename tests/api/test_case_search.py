"""`GET /api/v1/cases/?q=`: the search of API.md, among the cases the user may see, and in the schema."""

import pytest

from casework import services
from tests import factories

URL = "/api/v1/cases/"


@pytest.fixture
def yamada(caseworker, area):
    case = factories.make_case(
        by=caseworker, area=area, name="山田 花子", kana="やまだ はなこ", phone="03-1234-5678"
    )
    services.member_add(
        case=case, added_by=caseworker, name="山田 一郎", name_kana="ヤマダ イチロウ", relationship="child"
    )
    return case


def numbers(response) -> list[str]:
    assert response.status_code == 200
    return [row["number"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "q", ["やまだ", "ヤマダ", "山田", "はなこ", "ﾊﾅｺ", "いちろう", "(03) 1234-5678", "+81 3 1234 5678"]
)
def test_q_finds_the_case_by_any_kind_of_query(api, yamada, case, q):
    assert numbers(api.get(URL, {"q": q})) == [yamada.number]


def test_q_finds_by_number_and_serial(api, yamada, case):
    serial = yamada.number.split("-")[1]
    for q in (yamada.number, serial, str(int(serial))):
        assert yamada.number in numbers(api.get(URL, {"q": q})), q


def test_q_never_returns_a_case_of_another_area_and_its_page_stays_404(
    api, yamada, other_caseworker, other_area
):
    theirs = factories.make_case(by=other_caseworker, area=other_area, name="山田 花子", kana="やまだ はなこ")
    response = api.get(URL, {"q": "やまだ"})
    assert numbers(response) == [yamada.number]
    assert response.json()["count"] == 1
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.get(f"{URL}{theirs.pk}/", {"q": "やまだ"}).status_code == 404


def test_q_is_described_in_the_openapi_schema(api, db):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
    q = next(p for p in parameters if p["name"] == "q")
    assert q["in"] == "query"
    assert q["schema"]["type"] == "string"
    for words in ("case number", "kana", "phone", "0042"):
        assert words in q["description"]
