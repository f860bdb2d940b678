import datetime

import pytest
from django.core.exceptions import ValidationError

from casework import encryption, services


def test_member_blind_indexes_are_set(case, caseworker):
    member = services.member_add(
        case=case,
        added_by=caseworker,
        name="架空 一",
        name_kana="カクウ ハジメ",
        relationship="self",
        birth_date=datetime.date(1970, 2, 3),
        phone="090-0000-1111",
    )
    assert member.kana_index == encryption.kana_index("かくうはじめ")
    assert member.birth_date_index == encryption.birth_date_index(datetime.date(1970, 2, 3))
    assert member.phone_index == encryption.phone_index("09000001111")


def test_member_with_unknown_issue_is_rejected(case, caseworker):
    with pytest.raises(ValidationError):
        services.member_add(
            case=case,
            added_by=caseworker,
            name="架空",
            name_kana="カクウ",
            relationship="self",
            issues=["flying"],
        )


def test_plan_keeps_agency_roles_and_checks_review_date(case, caseworker, agency):
    plan = services.plan_create(
        case=case,
        created_by=caseworker,
        created_on=datetime.date(2025, 5, 1),
        long_term_goal="地域で暮らし続ける",
        review_on=datetime.date(2025, 8, 1),
        roles=[(agency, "見守り訪問", "月2回")],
    )
    assert plan.roles.get().agency == agency
    with pytest.raises(ValidationError):
        services.plan_create(
            case=case,
            created_by=caseworker,
            created_on=datetime.date(2025, 5, 1),
            review_on=datetime.date(2025, 4, 1),
        )
