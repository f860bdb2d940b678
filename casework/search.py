"""Search over encrypted data (DESIGN §3): keyed bigram tokens of names and kana, and the search query.

Names and kana are encrypted, so the database cannot look inside them. For each case we store one token per
distinct character **bigram** of its normalised household name, household kana and every member's name and
kana: the first 64 bits of HMAC-SHA256 under BLIND_INDEX_KEY (`encryption.keyed_token`), in
`CaseSearchToken`. A query's bigrams are tokenised the same way; a case whose tokens include all of them is a
candidate.

Why bigrams: Japanese names are short (two to four kanji, four to eight kana) and a query of two characters
(山田, はな) must work, so the n-gram cannot be longer than 2; unigrams would match nearly every case and say
too much about each name. Bigrams keep the table small (about one row per character of every name).

Candidates are not always matches: the bigrams of やまだ (やま, まだ) are also in a household of やまもと and
しまだ. A query of a single bigram is exact; for a longer one, `verified_case_ids` decrypts the names of the
candidates (already filtered by permission, at most VERIFY_LIMIT of them) and keeps those that contain the
query. Over that limit the query is too broad to be worth the decryption, and the token match stands.

Every write that changes a name or kana calls `case_search_tokens_refresh` (casework.services does:
case_open, case_update, member add and edit). `rebuild_search_tokens` rebuilds every case's tokens and exact
blind indexes, e.g. after a change of BLIND_INDEX_KEY or of the normalisation below.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import jaconv

from . import encryption

NGRAM = 2
TOKEN_PURPOSE = "ngram2"
VERIFY_LIMIT = 200
MAX_SERIAL_DIGITS = 6

# Spaces (NFKC turns the ideographic space into a plain one) and middle dots (・, and ･ after NFKC) between
# surname and given name are not part of the name.
_IGNORED = re.compile(r"[\s・·]+")
# Old and variant forms of kanji common in names, written either way in records (髙橋 / 高橋).
_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "濵": "浜",
        "濱": "浜",
        "齋": "斎",
        "齊": "斉",
        "澤": "沢",
        "櫻": "桜",
        "廣": "広",
        "國": "国",
        "嶋": "島",
        "冨": "富",
    }
)
_CASE_NUMBER = re.compile(r"(\d{4})-(\d{1,6})")
_SERIAL = re.compile(rf"\d{{1,{MAX_SERIAL_DIGITS}}}")


def normalise(value: str) -> str:
    """The form names, kana and queries are compared in: NFKC (full-width ASCII and digits, half-width kana),
    katakana as hiragana, common kanji variants folded, spaces and middle dots dropped, lower case."""
    text = unicodedata.normalize("NFKC", value or "")
    text = jaconv.kata2hira(text).translate(_VARIANTS)
    return _IGNORED.sub("", text).lower()


def ngrams(normalised: str) -> set[str]:
    return {normalised[i : i + NGRAM] for i in range(len(normalised) - NGRAM + 1)}


def token(gram: str) -> int:
    return encryption.keyed_token(gram, purpose=TOKEN_PURPOSE)


def tokens_for(texts: Iterable[str]) -> set[int]:
    """The tokens of a case: of every bigram of each of its names and kana, taken one by one (a bigram
    never spans two fields)."""
    return {token(gram) for text in texts for gram in ngrams(normalise(text))}


# --- keeping the tokens in step --------------------------------------------------------------------------


def case_search_texts(case_id: int, *, lock: bool = False) -> list[str]:
    """The names and kana the case's tokens are made of, read (decrypted) from the database."""
    from .models import Case, HouseholdMember

    cases = Case.objects.select_for_update() if lock else Case.objects
    name, kana = cases.values_list("household_name", "household_name_kana").get(pk=case_id)
    texts = [name, kana]
    for member_name, member_kana in HouseholdMember.objects.filter(case_id=case_id).values_list(
        "name", "name_kana"
    ):
        texts += [member_name, member_kana]
    return texts


def case_search_tokens_refresh(*, case_id: int) -> None:
    """Bring the case's tokens in line with its names and kana as they are now in this transaction.

    Call it after any write that changes the household's or a member's name or kana. The case row is locked
    first, so two writers to one household (two members added at once) refresh one after the other and
    neither drops a token the other needs.
    """
    from .models import CaseSearchToken

    wanted = tokens_for(case_search_texts(case_id, lock=True))
    stored = set(CaseSearchToken.objects.filter(case_id=case_id).values_list("token", flat=True))
    if stale := stored - wanted:
        CaseSearchToken.objects.filter(case_id=case_id, token__in=stale).delete()
    if missing := wanted - stored:
        CaseSearchToken.objects.bulk_create(
            [CaseSearchToken(case_id=case_id, token=t) for t in missing], ignore_conflicts=True
        )


# --- the query -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """What a `?q=` can mean; a query may mean several things at once (42 is a serial and a bigram)."""

    text: str  # normalised
    tokens: frozenset[int]  # of the query's bigrams; empty below two characters
    numbers: tuple[str, ...]  # whole case numbers
    serial_suffix: str  # "-0042" for 0042 or 42
    phone_index: str

    @classmethod
    def parse(cls, raw: str) -> SearchQuery:
        folded = unicodedata.normalize("NFKC", raw or "").strip()
        text = normalise(folded)
        numbers: tuple[str, ...] = ()
        if match := _CASE_NUMBER.fullmatch(folded):
            year, serial = match.groups()
            numbers = tuple(dict.fromkeys([folded, f"{year}-{int(serial):04d}"]))
        serial_suffix = ""
        if _SERIAL.fullmatch(folded) and int(folded):
            serial_suffix = f"-{int(folded):04d}"
        phone = encryption.normalise_phone(folded)
        return cls(
            text=text,
            tokens=frozenset(token(g) for g in ngrams(text)),
            numbers=numbers,
            serial_suffix=serial_suffix,
            phone_index=encryption.phone_index(folded) if len(phone) >= 2 else "",
        )

    @property
    def needs_check(self) -> bool:
        """One bigram is exact; with several, a case may hold them all without holding the query."""
        return len(self.tokens) > 1


def cases_with_all_tokens(tokens: frozenset[int]):
    """Ids of cases holding every one of the tokens: a subquery, composed with the permission filter."""
    from django.db.models import Count

    from .models import CaseSearchToken

    matches = CaseSearchToken.objects.filter(token__in=tokens).values("case_id")
    if len(tokens) > 1:
        matches = matches.annotate(found=Count("token")).filter(found=len(tokens)).values("case_id")
    return matches


def verified_case_ids(candidate_ids: list[int], query: SearchQuery, *, members: bool = True) -> set[int]:
    """Of the candidates (which the caller has already filtered by permission), those whose household or
    member name or kana really contains the query. Decrypts only these cases' names, in two queries.

    `members=False` (a summary-scope viewer, DESIGN.md §3): the household's name only, neither its kana nor
    the members' names, which that viewer may not see."""
    from .models import Case, HouseholdMember

    found: set[int] = set()
    for case_id, name, kana in Case.objects.filter(id__in=candidate_ids).values_list(
        "id", "household_name", "household_name_kana"
    ):
        if query.text in normalise(name) or (members and query.text in normalise(kana)):
            found.add(case_id)
    if not members:
        return found
    for case_id, name, kana in (
        HouseholdMember.objects.filter(case_id__in=candidate_ids)
        .exclude(case_id__in=found)
        .values_list("case_id", "name", "name_kana")
    ):
        if query.text in normalise(name) or query.text in normalise(kana):
            found.add(case_id)
    return found


# --- rebuilding every case's tokens ----------------------------------------------------------------------


@dataclass
class RebuildResult:
    cases: int = 0
    tokens: int = 0
    blind_indexes_changed: int = 0  # case and member rows whose exact kana/phone/birth-date index changed


def rebuild_all(*, models=None, batch_size: int = 500, progress=None) -> RebuildResult:
    """Recompute every case's tokens, and the exact blind indexes of cases and members, from the decrypted
    values: after a change of BLIND_INDEX_KEY or of the normalisation. Batches in primary-key order, one
    transaction each, so it can be stopped and run again. `models` = (Case, HouseholdMember,
    CaseSearchToken), the migration's historical models; the live ones by default."""
    from django.db import transaction

    if models is None:
        from .models import Case, CaseSearchToken, HouseholdMember
    else:
        Case, HouseholdMember, CaseSearchToken = models
    result = RebuildResult()
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                Case.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "household_name", "household_name_kana", "phone", "kana_index", "phone_index")[
                    :batch_size
                ]
            )
            if not rows:
                return result
            last_pk = rows[-1].pk
            texts = {case.pk: [case.household_name, case.household_name_kana] for case in rows}
            for case in rows:
                result.blind_indexes_changed += _refresh_indexes(
                    case, kana_index=encryption.kana_index(case.household_name_kana or "")
                )
            members = HouseholdMember.objects.filter(case_id__in=list(texts)).only(
                "pk", "case_id", "name", "name_kana", "phone", "birth_date", "kana_index", "phone_index"
            )
            for member in members:
                texts[member.case_id] += [member.name, member.name_kana]
                result.blind_indexes_changed += _refresh_indexes(
                    member,
                    kana_index=encryption.kana_index(member.name_kana or ""),
                    birth_date_index=encryption.birth_date_index(member.birth_date),
                )
            CaseSearchToken.objects.filter(case_id__in=list(texts)).delete()
            new = [
                CaseSearchToken(case_id=pk, token=t)
                for pk, values in texts.items()
                for t in tokens_for(values)
            ]
            CaseSearchToken.objects.bulk_create(new, batch_size=5000)
            result.cases += len(rows)
            result.tokens += len(new)
        if progress:
            progress(result)


def _refresh_indexes(row, **wanted) -> int:
    """Update the row's exact blind indexes where they differ (phone always; kana, birth date as given)."""
    wanted["phone_index"] = encryption.phone_index(row.phone or "")
    changed = {name: value for name, value in wanted.items() if getattr(row, name) != value}
    if changed:
        type(row).objects.filter(pk=row.pk).update(**changed)
    return int(bool(changed))
