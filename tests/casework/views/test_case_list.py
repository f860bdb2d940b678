"""My cases: only what the selector lets the user see, searched and filtered in the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import services
from tests import factories

from .conftest import htmx_headers

URL = reverse("casework:case_list")


def results(response) -> str:
    """The results section only (the search box echoes the query, which is no finding)."""
    body = response.content.decode()
    start = body.index('id="case-results"')
    return body[start : body.index("</section>", start)]


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_htmx_request_of_anonymous_user_redirects_the_whole_page(client, db):
    response = client.get(URL, **htmx_headers("case-results"))
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_lists_own_area_cases_with_decrypted_household_name(cw_client, case, other_case):
    response = cw_client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert case.number in body
    assert "架空 太郎" in body
    assert "北部エリア" in body
    assert "8050問題" in body
    assert other_case.number not in body
    assert "他区 花子" not in body


def test_shows_the_total_count(cw_client, caseworker, area):
    for _ in range(3):
        factories.make_case(by=caseworker, area=area)
    assert "全3件" in cw_client.get(URL).content.decode()


@pytest.mark.parametrize("query", ["ヤマダ ハナコ", "やまだはなこ", "ﾔﾏﾀﾞ ﾊﾅｺ", "ヤマダ　ハナコ"])
def test_search_by_kana_ignores_script_width_and_spaces(cw_client, caseworker, area, case, query):
    wanted = factories.make_case(by=caseworker, area=area, name="山田 花子", kana="やまだ はなこ")
    body = cw_client.get(URL, {"q": query}).content.decode()
    assert wanted.number in body
    assert case.number not in body


@pytest.mark.parametrize("query", ["09012345678", "090-1234-5678", "０９０－１２３４－５６７８"])
def test_search_by_phone(cw_client, caseworker, area, case, query):
    wanted = factories.make_case(by=caseworker, area=area, kana="でんわ", phone="090-1234-5678")
    body = cw_client.get(URL, {"q": query}).content.decode()
    assert wanted.number in body
    assert case.number not in body


def test_search_by_member_kana_finds_the_household(cw_client, caseworker, case):
    services.member_add(
        case=case, added_by=caseworker, name="架空 次郎", name_kana="かくう じろう", relationship="child"
    )
    assert case.number in cw_client.get(URL, {"q": "カクウ ジロウ"}).content.decode()


def test_search_by_case_number(cw_client, caseworker, area, case):
    other = factories.make_case(by=caseworker, area=area, kana="べつ")
    body = results(cw_client.get(URL, {"q": case.number}))
    assert case.number in body
    assert other.number not in body


def test_search_never_finds_another_areas_case(cw_client, case, other_case):
    for query in (other_case.number, "タクハナコ", "03-9999-0000"):
        body = results(cw_client.get(URL, {"q": query}))
        assert other_case.number not in body
        assert "全0件" in body


def test_filter_by_status(cw_client, caseworker, area, case):
    moved = factories.make_case(by=caseworker, area=area, kana="すてーたす")
    services.case_change_status(case=moved, changed_by=caseworker, status="assessment")
    body = cw_client.get(URL, {"status": "assessment"}).content.decode()
    assert moved.number in body
    assert case.number not in body


def test_filter_by_issue(cw_client, caseworker, area, case):
    tagged = factories.make_case(by=caseworker, area=area, issues=("dv", "poverty"), main_issue="poverty")
    body = cw_client.get(URL, {"issue": "dv"}).content.decode()
    assert tagged.number in body
    assert case.number not in body


def test_filter_by_area_among_the_users_areas(cw_client, caseworker, case):
    from network.models import Membership

    second = factories.make_area("east", "東部エリア")
    Membership.objects.create(user=caseworker, role="caseworker", area=second)
    east_case = factories.make_case(by=caseworker, area=second, kana="ひがし")
    body = cw_client.get(URL, {"area": "east"}).content.decode()
    assert east_case.number in body
    assert case.number not in body


def test_filter_by_an_area_that_is_not_the_users_is_ignored_and_leaks_nothing(cw_client, case, other_case):
    response = cw_client.get(URL, {"area": other_case.area.code})
    assert case.number in results(response)
    assert other_case.number not in response.content.decode()
    assert "南部エリア" not in response.content.decode()  # not even offered as a choice


def test_pagination_uses_the_page_size_setting(cw_client, caseworker, area, settings):
    settings.CASE_LIST_PAGE_SIZE = 2
    numbers = [factories.make_case(by=caseworker, area=area).number for _ in range(5)]
    first = cw_client.get(URL).content.decode()
    last = cw_client.get(URL, {"page": 3}).content.decode()
    assert "全5件" in first
    assert sum(n in first for n in numbers) == 2
    assert sum(n in last for n in numbers) == 1
    assert "1 / 3ページ" in first
    assert "page=2" in first


def test_pagination_links_keep_the_filters(cw_client, caseworker, area, settings):
    settings.CASE_LIST_PAGE_SIZE = 1
    for _ in range(2):
        factories.make_case(by=caseworker, area=area, issues=("dv",), main_issue="dv")
    body = cw_client.get(URL, {"issue": "dv"}).content.decode()
    assert "?issue=dv&amp;page=2" in body


def test_htmx_filter_request_returns_only_the_results_partial(cw_client, case):
    response = cw_client.get(URL, {"q": case.number}, **htmx_headers("case-results"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="case-results"' in body
    assert "<html" not in body
    assert case.number in body
    assert "HX-Request" in response["Vary"]


def test_plain_request_returns_the_whole_page_with_a_working_get_form(cw_client, case):
    body = cw_client.get(URL).content.decode()
    assert "<html" in body
    assert 'method="get"' in body
    assert 'hx-get="/cases/"' in body


def test_number_of_queries_does_not_grow_with_the_rows(cw_client, caseworker, area):
    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert cw_client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    factories.make_case(by=caseworker, area=area)
    few = count_queries()
    for _ in range(5):
        factories.make_case(by=caseworker, area=area, issues=("dv", "poverty"), main_issue="dv")
    assert count_queries() == few


@pytest.mark.parametrize("query", ["やまだ", "ヤマダ", "山田", "はなこ", "花子"])
def test_search_box_finds_part_of_a_name_or_kana(cw_client, caseworker, area, case, query):
    wanted = factories.make_case(by=caseworker, area=area, name="山田 花子", kana="やまだ はなこ")
    body = results(cw_client.get(URL, {"q": query}, **htmx_headers("case-results")))
    assert wanted.number in body
    assert "山田 花子" in body
    assert case.number not in body


def test_search_box_never_finds_part_of_another_areas_name(cw_client, case, other_case):
    body = results(cw_client.get(URL, {"q": "はなこ"}))
    assert other_case.number not in body
    assert "全0件" in body


def test_search_box_says_what_it_looks_for_when_nothing_matches(cw_client, case):
    body = cw_client.get(URL, {"q": "存在しない名前"}).content.decode()
    assert "氏名またはふりがなの一部（2文字以上）" in body
    assert "ケース番号・氏名・ふりがな・電話番号" in body  # the search box's placeholder
