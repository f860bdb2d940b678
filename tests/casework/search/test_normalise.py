"""What counts as the same text for search, and the tokens made of it (casework.search)."""

import hashlib

import jaconv
import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from casework import encryption, search

HIRAGANA = st.text(
    alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3093), min_size=1, max_size=12
)
NAME_CHARS = st.text(
    alphabet=st.sampled_from("山田花子太郎佐藤鈴木やまだはなこヤマダハナコabcXYZ0123ー"),
    min_size=0,
    max_size=12,
)


@given(HIRAGANA)
def test_hiragana_katakana_and_half_width_kana_are_the_same(text):
    katakana = jaconv.hira2kata(text)
    half_width = jaconv.z2h(katakana, kana=True, ascii=False, digit=False)
    assert search.normalise(katakana) == search.normalise(half_width) == search.normalise(text)


@given(NAME_CHARS, NAME_CHARS, st.sampled_from([" ", "\u3000", "・", "･", "  ", "\t"]))
def test_spaces_and_middle_dots_between_parts_are_ignored(surname, given_name, separator):
    assert search.normalise(f"{surname}{separator}{given_name}") == search.normalise(surname + given_name)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=12))
def test_full_width_ascii_and_digits_fold_to_half_width_lower_case(text):
    assert search.normalise(jaconv.h2z(text, kana=False, ascii=True, digit=True)) == text.lower()


@given(NAME_CHARS)
def test_a_text_of_n_characters_has_at_most_n_minus_1_bigrams(text):
    normalised = search.normalise(text)
    assert len(search.ngrams(normalised)) <= max(len(normalised) - 1, 0)
    assert all(len(gram) == 2 for gram in search.ngrams(normalised))


@given(NAME_CHARS)
def test_every_bigram_of_a_part_is_a_bigram_of_the_whole(text):
    whole = search.ngrams(search.normalise(text))
    for start in range(len(text)):
        assert search.ngrams(search.normalise(text[start:])) <= whole


def test_the_examples_of_the_api_contract_normalise_alike():
    assert search.normalise("ﾔﾏﾀﾞ ﾊﾅｺ") == search.normalise("ヤマダ・ハナコ") == "やまだはなこ"
    assert search.normalise("やまだ　はなこ") == "やまだはなこ"
    assert search.normalise("髙橋") == search.normalise("高橋")


@pytest.mark.parametrize(
    "notation",
    [
        "03-1234-5678",
        "(03) 1234-5678",
        "03 1234 5678",
        "０３－１２３４－５６７８",
        "+81 3-1234-5678",
        "+81-(0)3-1234-5678",
        "＋８１ ３ １２３４ ５６７８",
        "03(1234)5678",
    ],
)
def test_phone_notations_are_one_number(notation):
    assert encryption.normalise_phone(notation) == "0312345678"


def test_a_token_is_keyed_and_not_a_plain_hash():
    unkeyed = int.from_bytes(hashlib.sha256("やま".encode()).digest()[:8], "big", signed=True)
    first = search.token("やま")
    assert first != unkeyed
    with override_settings(BLIND_INDEX_KEY="another-key-for-this-test-only-0123456789"):
        assert search.token("やま") != first


def test_tokens_never_span_two_fields():
    assert search.tokens_for(["山田", "花子"]) == {search.token("山田"), search.token("花子")}


def test_query_kinds_are_recognised():
    query = search.SearchQuery.parse("２０２５－００４２")
    assert "2025-0042" in query.numbers
    assert search.SearchQuery.parse("2025-42").numbers[-1] == "2025-0042"
    assert search.SearchQuery.parse("42").serial_suffix == "-0042"
    assert search.SearchQuery.parse("0042").serial_suffix == "-0042"
    assert search.SearchQuery.parse("0").serial_suffix == ""
    assert search.SearchQuery.parse("やまだ").needs_check
    assert not search.SearchQuery.parse("やま").needs_check
    assert not search.SearchQuery.parse("や").tokens
