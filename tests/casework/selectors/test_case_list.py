from casework import selectors, services
from casework.selectors import CaseFilters
from network.models import Membership
from tests import factories


def test_caseworker_sees_only_their_area_teams_cases(caseworker, other_caseworker, area, other_area):
    mine = factories.make_case(by=caseworker, area=area)
    theirs = factories.make_case(by=other_caseworker, area=other_area)
    assert list(selectors.case_list(fetched_by=caseworker)) == [mine]
    assert list(selectors.case_list(fetched_by=other_caseworker)) == [theirs]


def test_staff_outside_any_area_team_see_no_cases(case, db):
    for role in ("manager", "auditor"):
        assert not selectors.case_list(fetched_by=factories.make_staff(role=role)).exists()
    agency_user = factories.make_staff(role="agency", agency=factories.make_agency())
    assert not selectors.case_list(fetched_by=agency_user).exists()


def test_inactive_user_sees_nothing(case, caseworker):
    caseworker.is_active = False
    caseworker.save()
    assert not selectors.case_list(fetched_by=caseworker).exists()


def test_member_of_two_areas_sees_both(caseworker, other_caseworker, area, other_area):
    factories.make_case(by=caseworker, area=area)
    factories.make_case(by=other_caseworker, area=other_area)
    Membership.objects.create(user=caseworker, role="coordinator", area=other_area)
    assert selectors.case_list(fetched_by=caseworker).count() == 2


def test_search_by_number_kana_and_phone(caseworker, area):
    case = factories.make_case(by=caseworker, area=area, kana="ヤマダ タロウ", phone="090-1111-2222")
    factories.make_case(by=caseworker, area=area, kana="スズキ ハナコ")
    for q in (case.number, "やまだたろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "09011112222"):
        assert list(selectors.case_list(fetched_by=caseworker, filters=CaseFilters(q=q))) == [case], q
    assert not selectors.case_list(fetched_by=caseworker, filters=CaseFilters(q="やまだじろう")).exists()


def test_search_finds_a_case_by_a_members_kana(case, caseworker):
    services.member_add(
        case=case, added_by=caseworker, name="架空 次郎", name_kana="カクウ ジロウ", relationship="child"
    )
    assert list(selectors.case_list(fetched_by=caseworker, filters=CaseFilters(q="かくう じろう"))) == [case]


def test_search_never_reaches_other_areas(caseworker, other_caseworker, other_area):
    factories.make_case(by=other_caseworker, area=other_area, kana="ヤマダ タロウ")
    assert not selectors.case_list(fetched_by=caseworker, filters=CaseFilters(q="ヤマダ タロウ")).exists()


def test_filters_by_status_area_and_issue(caseworker, area):
    debt = factories.make_case(by=caseworker, area=area, issues=["debt"], main_issue="debt")
    dv = factories.make_case(by=caseworker, area=area, issues=["dv", "debt"], main_issue="dv")
    services.case_close(case=dv, closed_by=caseworker, reason="moved")

    def ids(**kw):
        return {c.pk for c in selectors.case_list(fetched_by=caseworker, filters=CaseFilters(**kw))}

    assert ids(issue="debt") == {debt.pk, dv.pk}
    assert ids(issue="dv") == {dv.pk}
    assert ids(status="closed") == {dv.pk}
    assert ids(area=area.code) == {debt.pk, dv.pk}
    assert ids(area="nowhere") == set()


def test_duplicate_household_warning_lists_visible_cases_and_only_flags_the_others(
    caseworker, other_caseworker, area, other_area
):
    mine = factories.make_case(by=caseworker, area=area, kana="サトウ イチ", phone="03-1234-5678")
    factories.make_case(by=other_caseworker, area=other_area, kana="サトウ イチ")
    by_kana = selectors.possible_duplicates(fetched_by=caseworker, kana="さとう いち")
    assert by_kana.visible == [mine]
    assert by_kana.elsewhere
    by_phone = selectors.possible_duplicates(fetched_by=caseworker, phone="+81 3-1234-5678")
    assert by_phone.visible == [mine]
    assert not by_phone.elsewhere
    assert not selectors.possible_duplicates(fetched_by=caseworker, kana="", phone="")
