import datetime

import pytest
from django.core.exceptions import ValidationError

from casework.models import Case, CaseStatus
from tests import factories


def test_case_is_numbered_within_the_fiscal_year_of_opening(caseworker, area):
    march = factories.make_case(by=caseworker, area=area, opened_on=datetime.date(2025, 3, 31))
    april = factories.make_case(by=caseworker, area=area, opened_on=datetime.date(2025, 4, 1))
    april2 = factories.make_case(by=caseworker, area=area, opened_on=datetime.date(2025, 4, 2))
    assert march.number == "2024-0001"
    assert april.number == "2025-0001"
    assert april2.number == "2025-0002"


def test_opening_records_intake_status_main_issue_and_history(caseworker, area):
    case = factories.make_case(by=caseworker, area=area, issues=["hikikomori", "8050"], main_issue="8050")
    assert case.status == CaseStatus.INTAKE
    assert sorted(case.issue_tags) == ["8050", "hikikomori"]
    assert case.issues.get(is_main=True).tag == "8050"
    assert case.lead_caseworker == caseworker
    assert list(case.status_changes.values_list("from_status", "to_status")) == [("", "intake")]


def test_main_issue_is_added_to_the_tags_when_missing(caseworker, area):
    case = factories.make_case(by=caseworker, area=area, issues=["debt"], main_issue="poverty")
    assert sorted(case.issue_tags) == ["debt", "poverty"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"issues": ["nonsense"], "main_issue": "nonsense"}, "issues"),
        ({"main_issue": ""}, "main_issue"),
        ({"kana": "  "}, "household_name"),
    ],
)
def test_bad_intake_is_rejected_and_nothing_is_saved(caseworker, area, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        factories.make_case(by=caseworker, area=area, **kwargs)
    assert field in excinfo.value.message_dict
    assert Case.objects.count() == 0
