"""`?q=` through casework.selectors.case_list: each kind of query of API.md, within the permission filter."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from casework import search, selectors, services
from casework.models import Case, CaseNumberCounter, CaseSearchToken
from casework.selectors import CaseFilters
from network.fiscal import fiscal_year_of_date
from network.groups import agency_group
from tests import factories


def found(user, q: str) -> set[int]:
    return {c.pk for c in selectors.case_list(fetched_by=user, filters=CaseFilters(q=q))}


@pytest.fixture
def yamada(caseworker, area):
    """山田 花子 / やまだ はなこ, with her son 山田 一郎 / ヤマダ イチロウ and a phone."""
    case = factories.make_case(
        by=caseworker, area=area, name="山田 花子", kana="やまだ はなこ", phone="03-1234-5678"
    )
    services.member_add(
        case=case,
        added_by=caseworker,
        name="山田 一郎",
        name_kana="ヤマダ イチロウ",
        relationship="child",
        phone="090-2222-3333",
    )
    return case


@pytest.fixture
def suzuki(caseworker, area):
    return factories.make_case(by=caseworker, area=area, name="鈴木 次郎", kana="スズキ ジロウ")


@pytest.mark.parametrize(
    "q",
    [
        "やまだ",
        "ヤマダ",
        "ﾔﾏﾀﾞ",
        "山田",
        "はなこ",
        "花子",
        "やまだ はなこ",
        "ヤマダ・ハナコ",
        "やまだ　はなこ",
        "山田花子",
        "まだは",
        "いちろう",
        "一郎",
        "ｲﾁﾛｳ",
        "田 一",
    ],
)
def test_any_part_of_two_or_more_characters_of_a_name_or_kana_finds_the_case(yamada, suzuki, caseworker, q):
    assert found(caseworker, q) == {yamada.pk}


@pytest.mark.parametrize(
    "q",
    [
        "03-1234-5678",
        "(03) 1234-5678",
        "０３－１２３４－５６７８",
        "+81 3-1234-5678",
        "0312345678",
        "090 2222 3333",
    ],
)
def test_a_phone_number_in_any_notation_finds_the_case(yamada, suzuki, caseworker, q):
    assert found(caseworker, q) == {yamada.pk}


def test_a_case_number_whole_or_its_serial_finds_the_case(caseworker, area, suzuki):
    fiscal_year = fiscal_year_of_date(datetime.date.today())
    CaseNumberCounter.objects.update_or_create(fiscal_year=fiscal_year, defaults={"last_number": 41})
    case = factories.make_case(by=caseworker, area=area, opened_on=datetime.date.today())
    assert case.number == f"{fiscal_year}-0042"
    for q in (case.number, f"{fiscal_year}-42", "0042", "42", "４２"):
        assert found(caseworker, q) == {case.pk}, q
    assert found(caseworker, "420") == set()


def test_one_character_or_an_unknown_name_finds_nothing(yamada, caseworker):
    assert found(caseworker, "や") == set()
    assert found(caseworker, "やまだじろう") == set()
    assert found(caseworker, "さとう") == set()


def test_bigrams_found_apart_are_not_a_match(caseworker, area, yamada):
    """やまもと's household with a しまだ holds both bigrams of やまだ, but not やまだ: the check drops it."""
    decoy = factories.make_case(by=caseworker, area=area, name="山本 一", kana="やまもと はじめ")
    services.member_add(
        case=decoy, added_by=caseworker, name="島田 二", name_kana="しまだ じ", relationship="other"
    )
    assert search.SearchQuery.parse("やまだ").tokens <= set(
        CaseSearchToken.objects.filter(case=decoy).values_list("token", flat=True)
    )
    assert found(caseworker, "やまだ") == {yamada.pk}


def test_above_the_check_limit_the_token_match_stands(caseworker, area, yamada, monkeypatch):
    decoy = factories.make_case(by=caseworker, area=area, name="山本 一", kana="やまもと しまだ")
    monkeypatch.setattr(search, "VERIFY_LIMIT", 1)
    assert found(caseworker, "やまだ") == {yamada.pk, decoy.pk}


def test_search_composes_with_the_other_filters(yamada, caseworker):
    assert found(caseworker, "やまだ") == {yamada.pk}
    assert {
        c.pk
        for c in selectors.case_list(fetched_by=caseworker, filters=CaseFilters(q="やまだ", status="closed"))
    } == set()


def test_a_case_of_another_area_with_the_same_name_is_never_found(
    yamada, caseworker, other_caseworker, other_area
):
    theirs = factories.make_case(
        by=other_caseworker, area=other_area, name="山田 花子", kana="ヤマダ ハナコ", phone="03-1234-5678"
    )
    for q in ("やまだ", "山田花子", "03-1234-5678", theirs.number, theirs.number.split("-")[1]):
        assert theirs.pk not in found(caseworker, q), q
    assert found(other_caseworker, "やまだ") == {theirs.pk}


def test_an_agency_finds_only_the_cases_shared_with_it(yamada, caseworker, agency):
    agency_user = factories.make_staff(role="agency", agency=agency)
    agency_user.groups.add(agency_group(agency))
    assert found(agency_user, "やまだ") == set()
    services.consent_give(
        scope="full", case=yamada, given_by=caseworker, agencies=[agency], given_on=datetime.date.today()
    )
    assert found(agency_user, "やまだ") == {yamada.pk}


# --- tokens in step with the names ----------------------------------------------------------------------


def test_editing_the_household_kana_replaces_its_tokens(yamada, caseworker):
    services.case_update(
        case=yamada, updated_by=caseworker, household_name="佐藤 花子", household_name_kana="さとう はなこ"
    )
    assert found(caseworker, "さとう") == {yamada.pk}
    assert found(caseworker, "佐藤") == {yamada.pk}
    assert found(caseworker, "はなこ") == {yamada.pk}
    assert found(caseworker, "やまだ") == {yamada.pk}  # the son is still 山田 一郎
    assert found(caseworker, "やまだは") == set()


def test_adding_and_editing_a_member_refreshes_the_tokens(yamada, caseworker):
    member = services.member_add(
        case=yamada, added_by=caseworker, name="山田 陽菜", name_kana="ヤマダ ヒナ", relationship="grandchild"
    )
    assert found(caseworker, "ひな") == {yamada.pk}
    services.member_update(member=member, updated_by=caseworker, name="山田 美咲", name_kana="ヤマダ ミサキ")
    assert found(caseworker, "ひな") == set()
    assert found(caseworker, "みさき") == {yamada.pk}
    assert found(caseworker, "美咲") == {yamada.pk}


def test_a_tokens_rows_are_exactly_the_distinct_bigrams(yamada):
    texts = ["山田 花子", "やまだ はなこ", "山田 一郎", "ヤマダ イチロウ"]
    stored = set(CaseSearchToken.objects.filter(case=yamada).values_list("token", flat=True))
    assert stored == search.tokens_for(texts)
    assert CaseSearchToken.objects.filter(case=yamada).count() == len(stored)


def test_rebuild_command_restores_lost_tokens_and_stale_blind_indexes(yamada, caseworker):
    CaseSearchToken.objects.all().delete()
    Case.objects.filter(pk=yamada.pk).update(phone_index="stale")
    assert found(caseworker, "やまだ") == set()
    call_command("rebuild_search_tokens", batch_size=1, verbosity=0)
    assert found(caseworker, "やまだ") == {yamada.pk}
    assert found(caseworker, "03-1234-5678") == {yamada.pk}


# --- nothing readable in the token table ------------------------------------------------------------------

PLANTED_NAME = "架空ゆずりは"
PLANTED_KANA = "カクウユズリハ"


def test_the_token_table_holds_no_plaintext_and_no_plain_hash(caseworker, area):
    import hashlib

    case = factories.make_case(by=caseworker, area=area, name=PLANTED_NAME, kana=PLANTED_KANA)
    table = connection.ops.quote_name(CaseSearchToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        raw = "\n".join(" ".join(str(v) for v in row) for row in cursor.fetchall())
    assert raw
    bigrams = search.ngrams(search.normalise(PLANTED_NAME)) | search.ngrams(search.normalise(PLANTED_KANA))
    for text in (PLANTED_NAME, PLANTED_KANA, *bigrams):
        assert text not in raw
        for algorithm in ("sha256", "sha1", "md5"):
            digest = hashlib.new(algorithm, text.encode()).digest()
            assert str(int.from_bytes(digest[:8], "big", signed=True)) not in raw
            assert digest.hex()[:16] not in raw
    assert CaseSearchToken.objects.filter(case=case).count() == len({search.token(g) for g in bigrams})
