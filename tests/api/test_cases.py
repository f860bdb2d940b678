import datetime
import re

import pytest

from casework.models import Case, CaseStatus
from casework.services import member_add
from network.fiscal import fiscal_year_of_date
from tests import factories

CASES = "/api/v1/cases/"


def detail(case_id) -> str:
    return f"/api/v1/cases/{case_id}/"


def new_case_payload(**overrides):
    payload = {
        "area": "north",
        "household_name": "架空 一郎",
        "household_name_kana": "カクウ イチロウ",
        "issues": ["8050", "isolation"],
        "main_issue": "8050",
    }
    payload.update(overrides)
    return payload


# --- list --------------------------------------------------------------------------------------------


def test_list_is_paginated(api, case):
    body = api.get(CASES).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1


def test_list_shows_only_the_users_area_cases(api, case, other_case):
    ids = [row["id"] for row in api.get(CASES).json()["results"]]
    assert ids == [case.pk]


def test_list_is_newest_first(api, caseworker, area):
    older = factories.make_case(by=caseworker, area=area, opened_on=datetime.date(2024, 5, 1))
    newer = factories.make_case(by=caseworker, area=area, opened_on=datetime.date(2024, 9, 1))
    ids = [row["id"] for row in api.get(CASES).json()["results"]]
    assert ids == [newer.pk, older.pk]


def test_list_row_shape(api, case):
    row = api.get(CASES).json()["results"][0]
    assert row["number"] == case.number
    assert row["area"] == "north"
    assert row["status"] == "intake"
    assert row["household_name"] == "架空 太郎"
    assert row["issues"] == ["8050"]


@pytest.mark.parametrize("query", ["カクウ タロウ", "かくう　たろう", "カクウ\u3000タロウ", "ｶｸｳﾀﾛｳ"])
def test_q_finds_the_household_by_kana_however_written(api, case, caseworker, area, query):
    factories.make_case(by=caseworker, area=area, name="架空 次郎", kana="カクウ ジロウ")
    ids = [row["id"] for row in api.get(CASES, {"q": query}).json()["results"]]
    assert ids == [case.pk]


def test_q_finds_part_of_the_kana_but_not_a_longer_name(api, case):
    assert api.get(CASES, {"q": "カクウ"}).json()["count"] == 1
    assert api.get(CASES, {"q": "カクウ タロウジ"}).json()["count"] == 0


def test_q_finds_by_case_number_and_phone(api, caseworker, area):
    with_phone = factories.make_case(by=caseworker, area=area, phone="090-1234-5678")
    assert [r["id"] for r in api.get(CASES, {"q": with_phone.number}).json()["results"]] == [with_phone.pk]
    assert [r["id"] for r in api.get(CASES, {"q": "09012345678"}).json()["results"]] == [with_phone.pk]


def test_q_never_reaches_another_areas_case(api, case, other_case):
    assert api.get(CASES, {"q": "カクウ ハナコ"}).json()["count"] == 0


def test_status_filter(api, case, caseworker, area):
    assessed = factories.make_case(by=caseworker, area=area)
    api.patch(detail(assessed.pk), {"status": "assessment"})

    ids = [row["id"] for row in api.get(CASES, {"status": "assessment"}).json()["results"]]

    assert ids == [assessed.pk]


def test_unknown_status_filter_is_400(api, case):
    response = api.get(CASES, {"status": "finished"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_area_filter_for_another_area_gives_nothing(api, case, other_case):
    assert api.get(CASES, {"area": "south"}).json()["count"] == 0
    assert api.get(CASES, {"area": "north"}).json()["count"] == 1


# --- create ------------------------------------------------------------------------------------------


def test_create_answers_201_with_the_case(api, caseworker):
    response = api.post(CASES, new_case_payload(phone="03-1234-5678", urgency="high"))

    assert response.status_code == 201
    body = response.json()
    assert {"id", "number", "area", "status"} <= set(body)
    assert re.fullmatch(r"\d{4}-\d{4}", body["number"])
    assert body["number"].startswith(f"{fiscal_year_of_date(datetime.date.today())}-")
    assert body["area"] == "north"
    assert body["status"] == "intake"
    assert body["household_name"] == "架空 一郎"
    assert body["issues"][0] == "8050" and set(body["issues"]) == {"8050", "isolation"}
    assert body["lead_caseworker"] == "cw_north"
    assert body["phone"] == "03-1234-5678"
    assert response["Location"].endswith(detail(body["id"]))
    assert Case.objects.get(pk=body["id"]).created_by == caseworker


def test_create_numbers_within_the_fiscal_year_of_the_opening_date(api):
    body = api.post(CASES, new_case_payload(opened_on="2025-03-31")).json()
    assert body["number"] == "2024-0001"
    assert body["opened_on"] == "2025-03-31"


def test_create_in_another_area_is_400_on_area(api, other_area):
    response = api.post(CASES, new_case_payload(area="south"))

    assert response.status_code == 400
    assert list(response.json()) == ["area"]
    assert not Case.objects.exists()


def test_create_does_not_tell_foreign_areas_from_unknown_ones(api, other_area):
    foreign = api.post(CASES, new_case_payload(area="south")).json()
    unknown = api.post(CASES, new_case_payload(area="atlantis")).json()
    assert foreign == unknown


def test_create_without_kana_is_a_field_error(api, area):
    payload = new_case_payload()
    del payload["household_name_kana"]

    response = api.post(CASES, payload)

    assert response.status_code == 400
    assert "household_name_kana" in response.json()


def test_create_with_an_unknown_issue_tag_is_a_flat_field_error(api, area):
    response = api.post(CASES, new_case_payload(issues=["8050", "bad_luck"]))

    assert response.status_code == 400
    errors = response.json()["issues"]
    assert isinstance(errors, list) and all(isinstance(m, str) for m in errors)
    assert "bad_luck" in errors[0]


def test_create_by_agency_staff_without_an_area_team_is_400(client_for, area, agency):
    agency_staff = factories.make_staff("agency_staff", role="agency", agency=agency)
    response = client_for(agency_staff).post(CASES, new_case_payload())
    assert response.status_code == 400
    assert "area" in response.json()


# --- detail ------------------------------------------------------------------------------------------


def test_detail_decrypts_personal_data_and_lists_members(api, case, caseworker):
    member_add(
        case=case,
        added_by=caseworker,
        name="架空 太郎",
        name_kana="カクウ タロウ",
        relationship="self",
        birth_date=datetime.date(1970, 1, 2),
    )

    body = api.get(detail(case.pk)).json()

    assert body["household_name"] == "架空 太郎"
    assert body["household_name_kana"] == "カクウ タロウ"
    assert body["main_issue"] == "8050"
    assert body["lead_caseworker"] == "cw_north"
    assert body["closed_on"] is None
    assert [(m["name"], m["birth_date"], m["is_central"]) for m in body["members"]] == [
        ("架空 太郎", "1970-01-02", True)
    ]


def test_another_areas_case_is_404_like_a_missing_one(api, other_case):
    hidden = api.get(detail(other_case.pk))
    missing = api.get(detail(other_case.pk + 1000))

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert set(hidden.json()) == {"detail"}


def test_an_out_of_range_id_is_404(api, case):
    assert api.get(detail(10**20)).status_code == 404


# --- patch -------------------------------------------------------------------------------------------


def test_patch_edits_intake_data(api, case):
    response = api.patch(
        detail(case.pk), {"phone": "090-0000-1111", "issues": ["8050", "debt"], "referral_source": "minsei"}
    )

    assert response.status_code == 200
    assert response.json()["phone"] == "090-0000-1111"
    assert set(response.json()["issues"]) == {"8050", "debt"}
    assert response.json()["referral_source"] == "minsei"


def test_patch_close_without_reason_is_400(api, case):
    response = api.patch(detail(case.pk), {"status": "closed"})

    assert response.status_code == 400
    assert "closure_reason" in response.json()
    case.refresh_from_db()
    assert case.status == CaseStatus.INTAKE


def test_patch_close_with_reason_closes(api, case):
    response = api.patch(detail(case.pk), {"status": "closed", "closure_reason": "goal_achieved"})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "closed"
    assert body["closure_reason"] == "goal_achieved"
    assert body["closed_on"] is not None


def test_patch_illegal_transition_is_409(api, case):
    response = api.patch(detail(case.pk), {"status": "monitoring"})

    assert response.status_code == 409
    assert set(response.json()) == {"detail"}


def test_a_409_leaves_the_intake_edit_of_the_same_request_undone(api, case):
    response = api.patch(detail(case.pk), {"phone": "090-2222-3333", "status": "monitoring"})

    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).phone == ""


def test_patch_moves_along_the_lifecycle(api, case):
    assert api.patch(detail(case.pk), {"status": "assessment"}).json()["status"] == "assessment"
    assert api.patch(detail(case.pk), {"status": "planning"}).json()["status"] == "planning"


def test_patch_closure_reason_without_closing_is_400(api, case):
    response = api.patch(detail(case.pk), {"closure_reason": "moved"})
    assert response.status_code == 400
    assert "closure_reason" in response.json()


def test_patch_cannot_move_the_case_to_another_area(api, case, other_area):
    response = api.patch(detail(case.pk), {"area": "south"})

    assert response.status_code == 400
    assert "area" in response.json()
    case.refresh_from_db()
    assert case.area.code == "north"


def test_patch_another_areas_case_is_404(api, other_case):
    response = api.patch(detail(other_case.pk), {"status": "closed", "closure_reason": "moved"})

    assert response.status_code == 404
    other_case.refresh_from_db()
    assert other_case.status == CaseStatus.INTAKE


def test_malformed_json_is_400(api, area):
    response = api.generic("POST", CASES, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


def test_only_json_is_accepted(api, area):
    response = api.post(CASES, new_case_payload(), format="multipart")
    assert response.status_code == 415
