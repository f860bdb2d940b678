"""The agency picker matches names, readings and aliases, folded like search, own area's agencies first."""

import pytest

from casework.forms import QuickActivityForm, agency_picker_key, agency_picker_matches
from network.models import Agency
from network.selectors import agencies_for_picker
from network.services import master_data_seed
from tests import factories


@pytest.fixture
def seeded(db):
    master_data_seed()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ほうかつ", "houkatsu-tanaka"),
        ("ホウカツ", "houkatsu-tanaka"),
        ("ﾎｳｶﾂ", "houkatsu-tanaka"),
        ("包括", "houkatsu-tanaka"),
        ("たなかちいき", "houkatsu-tanaka"),
        ("社協", "shakyo-honbu"),
        ("しゃきょう", "shakyo-honbu"),
        ("シャキョウ", "shakyo-honbu"),
        ("社会福祉協議会", "shakyo-honbu"),
        ("生保", "city-seikatsu"),
        ("しやくしょ　せいかつ", "city-seikatsu"),  # spaces ignored
    ],
)
def test_matches_reading_alias_and_name(seeded, typed, code):
    assert agency_picker_matches(Agency.objects.get(code=code), typed)


def test_does_not_match_unrelated_agencies(seeded):
    assert not agency_picker_matches(Agency.objects.get(code="shakyo-honbu"), "ほうかつ")
    assert not agency_picker_matches(Agency.objects.get(code="houkatsu-tanaka"), "")


def test_seed_master_fills_readings_and_aliases_of_every_sample_agency(seeded):
    for agency in Agency.objects.all():
        assert agency.reading, agency.code
        assert agency.alias_list, agency.code
    assert Agency.objects.get(code="shakyo-honbu").alias_list == ["しゃきょう", "社協"]


def test_aliases_may_be_separated_by_commas():
    agency = Agency(name="x", aliases="ほうかつ, 包括、地域包括")
    assert agency.alias_list == ["ほうかつ", "包括", "地域包括"]


def test_own_area_agencies_come_first_then_city_wide(seeded):
    user = factories.make_staff("cw_nanbu", area=Agency.objects.get(code="houkatsu-nanbu").area)
    agencies = list(agencies_for_picker(user=user))
    own = [a for a in agencies if a.area and a.area.code == "nanbu"]
    city_wide = [a for a in agencies if a.area is None]
    assert agencies[: len(own)] == own
    assert agencies[len(own) : len(own) + len(city_wide)] == city_wide
    assert {a.code for a in own} >= {"houkatsu-nanbu", "shougai-minami", "centre-nanbu"}


def test_agency_staff_get_their_agencys_area_first(seeded):
    agency = Agency.objects.get(code="houkatsu-hokubu")
    user = factories.make_staff("agency_hokubu", role="agency", agency=agency)
    assert next(iter(agencies_for_picker(user=user))).area.code == "hokubu"


def test_the_quick_log_offers_options_in_that_order_with_their_search_keys(seeded):
    user = factories.make_staff("cw_hokubu", area=Agency.objects.get(code="houkatsu-hokubu").area)
    html = str(QuickActivityForm(agencies_for=user)["partner_agencies"])
    first_option = html[html.index("<option") : html.index("</option>")]
    assert "hokubu" in first_option
    key = agency_picker_key(Agency.objects.get(code="shakyo-honbu"))
    assert f'data-search="{key}"' in html
    assert "社協" in key and "しゃきょう" in key
